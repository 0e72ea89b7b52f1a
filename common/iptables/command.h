// Runs a program with stdin fed from memory and stdout/stderr captured, without a shell.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/base/expected.h"

namespace kr::iptables {

struct CommandResult {
  int exit_code = 0;  // 128 + signal number when killed by a signal
  std::string out;
  std::string err;
};

// argv[0] is looked up in PATH. Errors only when the program could not be run at all (ENOENT
// for a missing program); a non-zero exit is a result, for the caller to judge.
Expected<CommandResult> RunCommand(const std::vector<std::string>& argv, std::string_view input);

}  // namespace kr::iptables
