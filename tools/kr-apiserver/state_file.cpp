#include "tools/kr-apiserver/state_file.h"

#include <unistd.h>

#include "tools/kr-apiserver/atomic_file.h"

namespace kr::apiserver {

Status LoadStateFile(Store& store, const std::string& path, bool& loaded) {
  loaded = false;
  if (access(path.c_str(), F_OK) != 0) return Status::Ok();
  auto text = ReadFile(path);
  if (!text) return Error::FromErrno(errno, "reading state file " + path);
  auto state = nlohmann::json::parse(*text, nullptr, /*allow_exceptions=*/false);
  if (state.is_discarded()) return Error{EINVAL, "state file " + path + " is not JSON"};
  Status status = store.Load(state);
  if (!status) return Error{EINVAL, "state file " + path + ": " + status.error().message};
  loaded = true;
  return Status::Ok();
}

Status SaveStateFile(Store& store, const std::string& path) {
  nlohmann::json state = store.Dump();
  Status saved = WriteFileAtomically(path, state.dump(), 0600);
  if (!saved) return Error{saved.error().code, "saving state: " + saved.error().message};
  store.MarkClean(state["resourceVersion"].get<uint64_t>());
  return Status::Ok();
}

}  // namespace kr::apiserver
