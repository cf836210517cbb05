// The standard process_* metrics (as client_golang's process collector
// exports them), read from /proc/self at scrape time: CPU seconds, resident
// and virtual memory, open and max file descriptors, start time.
//
// Thread-safety: Collect() may run concurrently with itself; it keeps no state
// but the boot time read once at construction.
#pragma once

#include <prometheus/collectable.h>

#include <vector>

namespace rota::metrics {

class ProcessCollector final : public prometheus::Collectable {
 public:
  ProcessCollector();
  std::vector<prometheus::MetricFamily> Collect() const override;

 private:
  double boot_time_seconds_ = 0;
};

}  // namespace rota::metrics
