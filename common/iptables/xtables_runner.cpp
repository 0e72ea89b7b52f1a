#include "common/iptables/xtables_runner.h"

#include "common/iptables/command.h"
#include "common/iptables/restore_failure.h"

namespace kr::iptables {

std::string_view BackendName(Backend backend) {
  return backend == Backend::kLegacy ? "legacy" : "nft";
}

std::string XtablesRunner::Tool(IpFamily family, std::string_view verb) const {
  return std::string(family == IpFamily::kIPv4 ? "iptables-" : "ip6tables-") +
         std::string(BackendName(backend_)) + "-" + std::string(verb);
}

Expected<std::string> XtablesRunner::Save(IpFamily family) {
  std::string tool = Tool(family, "save");
  auto result = RunCommand({tool}, {});
  if (!result) return result.error();
  if (result->exit_code != 0) {
    return Error{EIO, tool + " exited with " + std::to_string(result->exit_code) + ": " +
                          result->err.substr(0, result->err.find('\n'))};
  }
  return std::move(result->out);
}

Status XtablesRunner::Restore(IpFamily family, std::string_view payload) {
  if (payload.empty()) return {};
  std::string tool = Tool(family, "restore");
  auto result = RunCommand({tool, "--noflush", "--wait"}, payload);
  if (!result) return result.error();
  if (result->exit_code != 0) return RestoreError(tool, result->exit_code, result->err, payload);
  return {};
}

}  // namespace kr::iptables
