// sd_notify(3) messages to the service manager. Every function is a no-op
// when NOTIFY_SOCKET is unset (not under systemd), so callers need no checks.
//
// Thread-safety: safe from any thread.
#pragma once

#include <chrono>
#include <optional>
#include <string_view>

namespace rota::app::systemd {

void NotifyReady(std::string_view status);
void NotifyReloading();
void NotifyStopping();
void NotifyStatus(std::string_view status);
void NotifyWatchdog();
// The interval at which to ping the watchdog (half of WatchdogSec), if enabled.
std::optional<std::chrono::microseconds> WatchdogInterval();

}  // namespace rota::app::systemd
