#include "app/systemd.h"

#include <systemd/sd-daemon.h>
#include <time.h>

#include <string>

namespace rota::app::systemd {
namespace {

void Send(const std::string& msg) { sd_notify(0, msg.c_str()); }

std::string MonotonicUsec() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  const auto usec = static_cast<unsigned long long>(ts.tv_sec) * 1000000ULL +
                    static_cast<unsigned long long>(ts.tv_nsec) / 1000ULL;
  return "MONOTONIC_USEC=" + std::to_string(usec);
}

}  // namespace

void NotifyReady(std::string_view status) { Send("READY=1\nSTATUS=" + std::string(status)); }

void NotifyReloading() { Send("RELOADING=1\n" + MonotonicUsec() + "\nSTATUS=reloading"); }

void NotifyStopping() { Send("STOPPING=1\nSTATUS=stopping"); }

void NotifyStatus(std::string_view status) { Send("STATUS=" + std::string(status)); }

void NotifyWatchdog() { Send("WATCHDOG=1"); }

std::optional<std::chrono::microseconds> WatchdogInterval() {
  uint64_t usec = 0;
  if (sd_watchdog_enabled(0, &usec) > 0 && usec > 0) {
    return std::chrono::microseconds(usec / 2);
  }
  return std::nullopt;
}

}  // namespace rota::app::systemd
