#include "common/cni/atomic_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <vector>

namespace kr::cni {
namespace {

class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }
  int Release() {
    const int fd = fd_;
    fd_ = -1;
    return fd;
  }

 private:
  int fd_;
};

Status WriteAll(int fd, std::string_view contents) {
  while (!contents.empty()) {
    const ssize_t written = write(fd, contents.data(), contents.size());
    if (written < 0) {
      if (errno == EINTR) continue;
      return Error::FromErrno(errno, "write");
    }
    contents.remove_prefix(static_cast<size_t>(written));
  }
  return Status::Ok();
}

}  // namespace

Expected<std::optional<std::string>> ReadWholeFile(const std::string& path) {
  Fd fd(open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) {
    if (errno == ENOENT) return std::optional<std::string>();
    return Error::FromErrno(errno, "open " + path);
  }
  std::string contents;
  char buffer[16384];
  for (;;) {
    const ssize_t n = read(fd.get(), buffer, sizeof buffer);
    if (n < 0) {
      if (errno == EINTR) continue;
      return Error::FromErrno(errno, "read " + path);
    }
    if (n == 0) break;
    contents.append(buffer, static_cast<size_t>(n));
  }
  return std::optional<std::string>(std::move(contents));
}

Status WriteFileAtomically(const std::string& path, std::string_view contents, mode_t mode) {
  const std::filesystem::path target(path);
  std::filesystem::path directory = target.parent_path();
  if (directory.empty()) directory = ".";
  std::string temp = (directory / ("." + target.filename().string() + ".tmp-XXXXXX")).string();
  std::vector<char> temp_name(temp.begin(), temp.end());
  temp_name.push_back('\0');
  Fd fd(mkostemp(temp_name.data(), O_CLOEXEC));
  if (fd.get() < 0) return Error::FromErrno(errno, "create temporary file for " + path);
  temp = temp_name.data();

  const auto fail = [&](const std::string& what) -> Status {
    Error error = Error::FromErrno(errno, what + " " + temp);
    unlink(temp.c_str());
    return error;
  };
  if (Status status = WriteAll(fd.get(), contents); !status) {
    Error error = status.error();
    error.message += " " + temp;
    unlink(temp.c_str());
    return error;
  }
  if (fchmod(fd.get(), mode) != 0) return fail("chmod");
  if (fsync(fd.get()) != 0) return fail("fsync");
  if (close(fd.Release()) != 0) return fail("close");
  if (rename(temp.c_str(), path.c_str()) != 0) {
    Error error = Error::FromErrno(errno, "rename " + temp + " to " + path);
    unlink(temp.c_str());
    return error;
  }
  // The rename itself must reach the disk too, or a crash could bring back the old file.
  Fd dir(open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (dir.get() < 0 || fsync(dir.get()) != 0) {
    return Error::FromErrno(errno, "fsync directory " + directory.string());
  }
  return Status::Ok();
}

}  // namespace kr::cni
