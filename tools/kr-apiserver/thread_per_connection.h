// An httplib task queue that gives every connection its own thread, so that long-lived
// watches never starve ordinary requests (httplib's default pool has a fixed size).
//
// httplib calls shutdown() once the listening socket is closed. Watches end then (the Store
// is stopped), but a connection idling in keep-alive only notices after httplib's keep-alive
// timeout, so shutdown() waits at most `grace` and leaves such threads behind: the process
// is about to exit (main ends with std::_Exit, not with destructors those threads could race).
// The counter lives in shared state so that late threads never touch a destroyed queue.
#pragma once

#include <httplib.h>

#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>

namespace kr::apiserver {

class ThreadPerConnection : public httplib::TaskQueue {
 public:
  explicit ThreadPerConnection(std::chrono::milliseconds grace) : grace_(grace) {}

  void enqueue(std::function<void()> fn) override {
    {
      std::lock_guard<std::mutex> lock(state_->mu);
      ++state_->active;
    }
    std::thread([state = state_, fn = std::move(fn)] {
      fn();
      std::lock_guard<std::mutex> lock(state->mu);
      --state->active;
      state->idle.notify_all();
    }).detach();
  }

  void shutdown() override {
    std::unique_lock<std::mutex> lock(state_->mu);
    state_->idle.wait_for(lock, grace_, [this] { return state_->active == 0; });
  }

 private:
  struct State {
    std::mutex mu;
    std::condition_variable idle;
    size_t active = 0;
  };
  std::shared_ptr<State> state_ = std::make_shared<State>();
  std::chrono::milliseconds grace_;
};

}  // namespace kr::apiserver
