#include "common/runtime/stop_token.h"

#include <catch2/catch.hpp>
#include <thread>

namespace kr {
namespace {

using namespace std::chrono_literals;

TEST_CASE("runtime_stop_token times out while no stop is requested") {
  StopSource source;
  const StopToken token = source.token();
  CHECK_FALSE(token.stop_requested());
  const auto start = std::chrono::steady_clock::now();
  CHECK_FALSE(token.WaitFor(20ms));
  CHECK(std::chrono::steady_clock::now() - start >= 20ms);
  CHECK_FALSE(StopToken().WaitFor(1ms));  // a default token never stops
}

TEST_CASE("runtime_stop_token wakes a waiting thread on RequestStop") {
  StopSource source;
  bool woken_by_stop = false;
  std::thread waiter([&, token = source.token()] { woken_by_stop = token.WaitFor(60s); });
  CHECK(source.RequestStop());
  CHECK_FALSE(source.RequestStop());  // only the first request counts
  waiter.join();
  CHECK(woken_by_stop);
}

TEST_CASE("runtime_stop_token returns at once once stopped, and copies share the state") {
  StopSource source;
  const StopToken copy = source.token();
  source.RequestStop();
  CHECK(copy.stop_requested());
  CHECK(copy.WaitFor(1h));
  copy.Wait();
  int callbacks = 0;
  std::stop_callback callback(copy.std_token(), [&] { ++callbacks; });
  CHECK(callbacks == 1);
}

}  // namespace
}  // namespace kr
