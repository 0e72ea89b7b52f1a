#include "common/bus/address.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <system_error>

namespace kr::bus {

BusAddress BusAddress::InDirectory(const std::string& dir) {
  return BusAddress{"ipc://" + dir + "/updates.sock", "ipc://" + dir + "/snapshot.sock"};
}

Status PrepareBusDirectory(const std::string& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return Error::FromErrno(ec.value(), "create bus directory " + dir);
  struct stat st {};
  if (::stat(dir.c_str(), &st) != 0) return Error::FromErrno(errno, "stat " + dir);
  if (!S_ISDIR(st.st_mode)) return Error{ENOTDIR, dir + " is not a directory"};
  if (st.st_uid != ::geteuid()) {
    return Error{EPERM, "bus directory " + dir + " belongs to another user"};
  }
  if ((st.st_mode & 07777) != 0700 && ::chmod(dir.c_str(), 0700) != 0) {
    return Error::FromErrno(errno, "chmod 0700 " + dir);
  }
  return Status::Ok();
}

Status RestrictSocketFile(const std::string& endpoint) {
  constexpr std::string_view kIpc = "ipc://";
  if (endpoint.rfind(kIpc, 0) != 0) return Status::Ok();
  std::string path = endpoint.substr(kIpc.size());
  if (path.empty() || path[0] == '@') return Status::Ok();  // abstract namespace: no file
  if (::chmod(path.c_str(), 0600) != 0) return Error::FromErrno(errno, "chmod 0600 " + path);
  return Status::Ok();
}

}  // namespace kr::bus
