#include "ui/sign_in_guard.h"

#include <algorithm>
#include <vector>

namespace rota::ui {
namespace {

// "192.0.2.7:51234" and "::1:51234" (as the server writes them): the address
// without its port, so every connection from one host counts together.
std::string Host(const std::string& remote) {
  const auto colon = remote.rfind(':');
  return colon == std::string::npos ? remote : remote.substr(0, colon);
}

}  // namespace

std::optional<Duration> SignInGuard::LockedFor(const std::string& remote, TimePoint now) {
  std::lock_guard lock(mu_);
  const auto it = runs_.find(Host(remote));
  if (it == runs_.end() || it->second.locked_until <= now) {
    return std::nullopt;
  }
  return it->second.locked_until - now;
}

std::optional<SignInGuard::Line> SignInGuard::Refused(const std::string& remote, TimePoint now) {
  std::lock_guard lock(mu_);
  Trim(now);
  Run& run = runs_[Host(remote)];
  if (run.failures > 0 && now - run.last >= kForget) {
    run = Run{};
  }
  run.failures += 1;
  run.last = now;
  if (run.failures > kFreeTries) {
    const int doublings = std::min(run.failures - kFreeTries - 1, 30);
    Duration wait = kFirstLock;
    for (int i = 0; i < doublings && wait < kMaxLock; ++i) {
      wait *= 2;
    }
    run.locked_until = now + std::min(wait, kMaxLock);
  }
  unlogged_ += 1;
  unlogged_from_.insert(Host(remote));
  if (last_line_ && now - *last_line_ < kLogEvery) {
    return std::nullopt;
  }
  Line line{unlogged_, unlogged_from_.size(), remote};
  last_line_ = now;
  unlogged_ = 0;
  unlogged_from_.clear();
  return line;
}

void SignInGuard::Succeeded(const std::string& remote) {
  std::lock_guard lock(mu_);
  runs_.erase(Host(remote));
}

void SignInGuard::Trim(TimePoint now) {
  std::erase_if(runs_, [&](const auto& r) {
    return now - r.second.last >= kForget && r.second.locked_until <= now;
  });
  if (runs_.size() < kMaxAddresses) {
    return;
  }
  std::vector<TimePoint> lasts;
  lasts.reserve(runs_.size());
  for (const auto& [remote, run] : runs_) {
    lasts.push_back(run.last);
  }
  auto mid = lasts.begin() + static_cast<std::ptrdiff_t>(lasts.size() / 2);
  std::nth_element(lasts.begin(), mid, lasts.end());
  const TimePoint cut = *mid;
  std::erase_if(runs_, [&](const auto& r) { return r.second.last < cut; });
  if (runs_.size() >= kMaxAddresses) {  // all alike: drop them all
    runs_.clear();
  }
  if (unlogged_from_.size() >= kMaxAddresses) {
    unlogged_from_.clear();
  }
}

}  // namespace rota::ui
