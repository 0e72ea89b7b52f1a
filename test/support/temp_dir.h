// A test's own directory: made with mkdtemp under the system's temp directory and removed
// with everything in it when the TempDir goes, also when the test fails. Header-only, so that
// unit tests of any module can use it without linking anything.
//
//   test::TempDir dir("kr-cni-test");
//   const std::string conf = dir.Write("10-kuberouter.conflist", "{}");  // full path
//   dir.File("ipam");                                                      // a path inside
#pragma once

#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>
#include <system_error>

namespace kr::test {

class TempDir {
 public:
  // `prefix` names the directory, so that one a test leaves behind says whose it is.
  explicit TempDir(const std::string& prefix = "kr-test") {
    std::string pattern = (std::filesystem::temp_directory_path() / (prefix + "-XXXXXX")).string();
    if (mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed: " + pattern);
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }
  std::string File(const std::string& name) const { return path_ + "/" + name; }
  // Writes `content` to `name` (parent directories made as needed); returns the full path.
  std::string Write(const std::string& name, const std::string& content) const {
    const std::filesystem::path file = File(name);
    std::filesystem::create_directories(file.parent_path());
    std::ofstream out(file);
    out << content;
    if (!out.flush()) throw std::runtime_error("cannot write " + file.string());
    return file.string();
  }

 private:
  std::string path_;
};

}  // namespace kr::test
