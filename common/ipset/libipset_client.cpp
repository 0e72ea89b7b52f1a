#include "common/ipset/libipset_client.h"

#include <fcntl.h>
#include <libipset/ipset.h>
#include <sched.h>
#include <unistd.h>

#include <algorithm>
#include <cstdarg>
#include <cstdio>
#include <thread>
#include <vector>

#include "common/ipset/ipset_errors.h"
#include "common/ipset/ipset_member.h"
#include "common/ipset/ipset_save_parser.h"

namespace kr::ipset {
namespace {

// libipset keeps its set-type registry in globals; loading it twice is a leak, racing it is UB.
std::once_flag types_loaded;

std::string VFormat(const char* fmt, va_list args) {
  va_list copy;
  va_copy(copy, args);
  int size = std::vsnprintf(nullptr, 0, fmt, copy);
  va_end(copy);
  if (size <= 0) return {};
  std::string text(static_cast<std::size_t>(size) + 1, '\0');
  std::vsnprintf(text.data(), text.size(), fmt, args);
  text.resize(static_cast<std::size_t>(size));
  return text;
}

bool HasSpace(std::string_view text) {
  return text.find_first_of(" \t\r\n\v\f") != std::string_view::npos;
}

// Names and members end up in a command line that libipset splits on blanks.
Status ValidateWord(std::string_view what, std::string_view word, std::size_t max_len) {
  if (word.empty() || word.size() > max_len || HasSpace(word)) {
    return Error{EINVAL, "invalid ipset " + std::string(what) + " \"" + std::string(word) + "\""};
  }
  return {};
}

Status ValidateName(std::string_view name) {
  return ValidateWord("set name", name, kMaxSetNameLength);
}
Status ValidateMember(std::string_view member) {
  if (Status s = ValidateWord("member", member, 256); !s) return s;
  if (!IsNumericMember(member)) {
    return Error{EINVAL, "ipset member \"" + std::string(member) +
                             "\" is not numeric (no host or service names)"};
  }
  return {};
}

Status ValidateOp(const IpsetOp& op) {
  if (Status s = ValidateName(op.spec.name); !s) return s;
  if (op.kind == IpsetOp::Kind::kAdd || op.kind == IpsetOp::Kind::kDel) {
    return ValidateMember(op.member);
  }
  if (op.kind == IpsetOp::Kind::kSwap) return ValidateName(op.other);
  return {};
}

}  // namespace

Expected<std::unique_ptr<LibipsetClient>> LibipsetClient::Open() {
  std::call_once(types_loaded, [] { ipset_load_types(); });
  int netns_fd = ::open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
  if (netns_fd < 0) return Error::FromErrno(errno, "open /proc/thread-self/ns/net");
  struct ::ipset* handle = ipset_init();
  if (handle == nullptr) {
    ::close(netns_fd);
    return Error{ENOMEM, "ipset_init failed"};
  }
  auto client = std::unique_ptr<LibipsetClient>(new LibipsetClient(netns_fd, handle));
  client->Attach(handle);
  if (Status s = client->OpenSocket(); !s) return s.error();
  return client;
}

Status LibipsetClient::ReplaceHandle() {
  struct ::ipset* handle = nullptr;
  Status status;
  // setns() changes only the calling thread, so a short-lived thread does it; libipset opens
  // its socket lazily, so the thread also runs a first command.
  std::thread maker([&] {
    if (setns(netns_fd_, CLONE_NEWNET) != 0) {
      status = Error::FromErrno(errno, "setns for a new libipset handle");
      return;
    }
    handle = ipset_init();
    if (handle == nullptr) {
      status = Error{ENOMEM, "ipset_init failed"};
      return;
    }
    ipset_fini(handle_);
    Attach(handle);
    status = OpenSocket();
  });
  maker.join();
  return status;
}

Status LibipsetClient::OpenSocket() {
  Status status = RunLine("version");  // asks the kernel for its ipset protocol version
  output_.clear();
  return status;
}

void LibipsetClient::Attach(struct ::ipset* handle) {
  handle_ = handle;
  lines_before_ = 0;
  ipset_custom_printf(handle, &LibipsetClient::OnCustomError, &LibipsetClient::OnStandardError,
                      &LibipsetClient::OnOutput, this);
}

LibipsetClient::LibipsetClient(int netns_fd, struct ::ipset* handle)
    : netns_fd_(netns_fd), handle_(handle) {}

LibipsetClient::~LibipsetClient() {
  ipset_fini(handle_);
  ::close(netns_fd_);
}

int LibipsetClient::OnOutput(struct ::ipset_session*, void* self, const char* fmt, ...) {
  va_list args;
  va_start(args, fmt);
  std::string text = VFormat(fmt, args);
  va_end(args);
  static_cast<LibipsetClient*>(self)->output_ += text;
  return static_cast<int>(text.size());
}

int LibipsetClient::OnCustomError(struct ::ipset* handle, void* self, int, const char* fmt, ...) {
  va_list args;
  va_start(args, fmt);
  std::string text = VFormat(fmt, args);
  va_end(args);
  auto* client = static_cast<LibipsetClient*>(self);
  client->error_ = text.empty() ? "ipset parameter problem" : text;
  ipset_session_report_reset(ipset_session(handle));
  return -1;
}

int LibipsetClient::OnStandardError(struct ::ipset* handle, void* self) {
  struct ::ipset_session* session = ipset_session(handle);
  auto* client = static_cast<LibipsetClient*>(self);
  // Warnings (e.g. "set exists, -exist given") are informational; anything stronger fails.
  if (ipset_session_report_type(session) > IPSET_WARNING) {
    const char* msg = ipset_session_report_msg(session);
    client->error_ = (msg != nullptr && *msg != '\0') ? msg : "unknown ipset error";
  }
  ipset_session_report_reset(session);
  return client->error_.empty() ? 0 : -1;
}

Status LibipsetClient::TakeError(const std::string& what) {
  std::string message = std::move(error_);
  error_.clear();
  while (!message.empty() && (message.back() == '\n' || message.back() == ' ')) message.pop_back();
  return Error{ErrnoFromIpsetMessage(message), what + ": " + message};
}

// libipset's return value is not reliable (some reported errors return 0), so success is
// judged by whether an error was reported.
Status LibipsetClient::RunLine(const std::string& line) {
  error_.clear();
  std::vector<char> buffer(line.begin(), line.end());
  buffer.push_back('\0');
  int rc = ipset_parse_line(handle_, buffer.data());
  if (!error_.empty()) return TakeError("ipset " + line);
  if (rc < 0) return Error{EIO, "ipset " + line + ": failed without a message"};
  return {};
}

Status LibipsetClient::RunStream(const std::string& text) {
  error_.clear();
  if (text.empty()) return {};
  FILE* stream = fmemopen(const_cast<char*>(text.data()), text.size(), "r");
  if (stream == nullptr) return Error::FromErrno(errno, "fmemopen");
  int rc = ipset_parse_stream(handle_, stream);
  std::fclose(stream);
  // A non-zero session line number keeps later single commands in restore (buffering) mode.
  ipset_session_lineno(ipset_session(handle_), 0);
  if (error_.empty() && rc >= 0) {
    lines_before_ += static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n'));
    return {};
  }
  Status status = error_.empty() ? Status(Error{EIO, "ipset restore failed without a message"})
                                 : TakeError("ipset restore");
  std::string message = status.error().message;
  if (auto line = LineFromIpsetMessage(message)) {
    message =
        "line " + std::to_string(static_cast<std::size_t>(*line) - lines_before_) + ": " + message;
  }
  // After a failure the handle's line count (and any half-sent batch) is unknowable: start
  // over with a fresh handle in the same namespace.
  if (Status replaced = ReplaceHandle(); !replaced) {
    message += "; and then: " + replaced.error().message;
  }
  return Error{status.error().code, message};
}

Status LibipsetClient::Create(const SetSpec& spec) {
  if (Status s = ValidateName(spec.name); !s) return s;
  std::lock_guard lock(mutex_);
  return RunLine("create " + spec.name + " " + std::string(SetTypeName(spec.type)) + " family " +
                 std::string(FamilyName(spec.family)));
}

Status LibipsetClient::Add(std::string_view set, std::string_view member) {
  if (Status s = ValidateName(set); !s) return s;
  if (Status s = ValidateMember(member); !s) return s;
  std::lock_guard lock(mutex_);
  return RunLine("add " + std::string(set) + " " + std::string(member));
}

Status LibipsetClient::Del(std::string_view set, std::string_view member) {
  if (Status s = ValidateName(set); !s) return s;
  if (Status s = ValidateMember(member); !s) return s;
  std::lock_guard lock(mutex_);
  return RunLine("del " + std::string(set) + " " + std::string(member));
}

Status LibipsetClient::Flush(std::string_view set) {
  if (Status s = ValidateName(set); !s) return s;
  std::lock_guard lock(mutex_);
  return RunLine("flush " + std::string(set));
}

Status LibipsetClient::Swap(std::string_view set, std::string_view other) {
  if (Status s = ValidateName(set); !s) return s;
  if (Status s = ValidateName(other); !s) return s;
  std::lock_guard lock(mutex_);
  return RunLine("swap " + std::string(set) + " " + std::string(other));
}

Status LibipsetClient::Destroy(std::string_view set) {
  if (Status s = ValidateName(set); !s) return s;
  std::lock_guard lock(mutex_);
  return RunLine("destroy " + std::string(set));
}

Expected<std::vector<SetContent>> LibipsetClient::List(std::string_view name_prefix) {
  std::lock_guard lock(mutex_);
  output_.clear();
  Status status = RunLine("save");
  std::string text = std::move(output_);
  output_.clear();
  if (!status) return status.error();
  return ParseIpsetSave(text, name_prefix);
}

Status LibipsetClient::Restore(const IpsetBatch& batch) {
  for (std::size_t i = 0; i < batch.ops().size(); ++i) {
    if (Status s = ValidateOp(batch.ops()[i]); !s) {
      return Error{s.error().code, "line " + std::to_string(i + 1) + ": " + s.error().message};
    }
  }
  std::lock_guard lock(mutex_);
  return RunStream(batch.ToRestoreText());
}

}  // namespace kr::ipset
