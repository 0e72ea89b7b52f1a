// IpsetClient on libipset (Debian's libipset 7.17), the library behind the `ipset` command.
//
// Why libipset rather than raw NFNL_SUBSYS_IPSET messages: it already encodes every set type's
// attributes and, in restore mode, packs many add/del commands into one netlink message, which
// is what makes bulk updates cheap. Its one weakness is that it reports errors as sentences,
// not errno values; ipset_errors.h maps them back.
//
// Threading: methods may be called from any thread; a mutex serializes them because a libipset
// handle is not reentrant. The client acts in the network namespace the calling thread is in
// when Open() runs, whichever thread calls it later (it keeps that namespace open and creates
// replacement handles inside it).
#pragma once

#include <memory>
#include <mutex>
#include <string>

#include "common/ipset/ipset_client.h"

struct ipset;
struct ipset_session;

namespace kr::ipset {

class LibipsetClient final : public IpsetClient {
 public:
  static Expected<std::unique_ptr<LibipsetClient>> Open();
  ~LibipsetClient() override;
  LibipsetClient(const LibipsetClient&) = delete;
  LibipsetClient& operator=(const LibipsetClient&) = delete;

  Status Create(const SetSpec& spec) override;
  Status Add(std::string_view set, std::string_view member) override;
  Status Del(std::string_view set, std::string_view member) override;
  Status Flush(std::string_view set) override;
  Status Swap(std::string_view set, std::string_view other) override;
  Status Destroy(std::string_view set) override;
  Expected<std::vector<SetContent>> List(std::string_view name_prefix) override;
  Status Restore(const IpsetBatch& batch) override;

 private:
  LibipsetClient(int netns_fd, struct ::ipset* handle);

  // Swaps in a fresh handle whose socket lives in netns_fd_ (made on a helper thread that
  // enters it).
  Status ReplaceHandle();
  void Attach(struct ::ipset* handle);
  // libipset opens its netlink socket at the first command; run one now, in the right place.
  Status OpenSocket();

  // One command in `ipset` syntax; output (for save) is appended to output_.
  Status RunLine(const std::string& line);
  Status RunStream(const std::string& text);
  Status TakeError(const std::string& what);

  // Called back by libipset (C callbacks get `this` as their private pointer).
  static int OnOutput(struct ::ipset_session* session, void* self, const char* fmt, ...)
      __attribute__((format(printf, 3, 4)));
  static int OnCustomError(struct ::ipset* handle, void* self, int status, const char* fmt, ...)
      __attribute__((format(printf, 4, 5)));
  static int OnStandardError(struct ::ipset* handle, void* self);

  std::mutex mutex_;
  int netns_fd_;
  struct ::ipset* handle_;
  // libipset numbers restore lines per handle, across streams, and offers no way to read or
  // reset that count; this tracks it so errors can name the line of the current batch.
  std::size_t lines_before_ = 0;
  std::string output_;
  std::string error_;  // non-empty once libipset reported an error for the current command
};

}  // namespace kr::ipset
