#include "metrics/process_collector.h"

#include <dirent.h>
#include <prometheus/client_metric.h>
#include <prometheus/metric_family.h>
#include <prometheus/metric_type.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <string>

namespace rota::metrics {
namespace {

prometheus::MetricFamily Family(std::string name, std::string help, prometheus::MetricType type,
                                double value) {
  prometheus::MetricFamily f;
  f.name = std::move(name);
  f.help = std::move(help);
  f.type = type;
  prometheus::ClientMetric m;
  if (type == prometheus::MetricType::Counter) {
    m.counter.value = value;
  } else {
    m.gauge.value = value;
  }
  f.metric.push_back(m);
  return f;
}

double CountOpenFds() {
  DIR* dir = opendir("/proc/self/fd");
  if (dir == nullptr) {
    return 0;
  }
  double n = 0;
  while (const dirent* e = readdir(dir)) {
    if (e->d_name[0] != '.') {
      n += 1;
    }
  }
  closedir(dir);
  return n - 1;  // the descriptor opendir itself holds
}

}  // namespace

ProcessCollector::ProcessCollector() {
  // Boot time from the clocks rather than /proc/stat, which ProcSubset=pid hides.
  timespec real{};
  timespec boot{};
  clock_gettime(CLOCK_REALTIME, &real);
  clock_gettime(CLOCK_BOOTTIME, &boot);
  boot_time_seconds_ = static_cast<double>(real.tv_sec - boot.tv_sec) +
                       static_cast<double>(real.tv_nsec - boot.tv_nsec) / 1e9;
}

std::vector<prometheus::MetricFamily> ProcessCollector::Collect() const {
  std::vector<prometheus::MetricFamily> out;
  std::ifstream in("/proc/self/stat");
  std::string line;
  std::getline(in, line);
  // Fields after the parenthesised command name, which may itself hold spaces.
  const auto close = line.rfind(')');
  if (close == std::string::npos) {
    return out;
  }
  std::istringstream fields(line.substr(close + 2));
  std::vector<std::string> f;
  std::string tok;
  while (fields >> tok) {
    f.push_back(tok);
  }
  // f[0] is field 3 (state): utime=14, stime=15, starttime=22, vsize=23, rss=24.
  const auto field = [&](int n) { return std::stod(f.at(static_cast<std::size_t>(n - 3))); };
  const double ticks = static_cast<double>(sysconf(_SC_CLK_TCK));
  const double page = static_cast<double>(sysconf(_SC_PAGESIZE));
  out.push_back(Family("process_cpu_seconds_total",
                       "Total user and system CPU time spent in seconds.",
                       prometheus::MetricType::Counter, (field(14) + field(15)) / ticks));
  out.push_back(Family("process_resident_memory_bytes", "Resident memory size in bytes.",
                       prometheus::MetricType::Gauge, field(24) * page));
  out.push_back(Family("process_virtual_memory_bytes", "Virtual memory size in bytes.",
                       prometheus::MetricType::Gauge, field(23)));
  out.push_back(Family("process_start_time_seconds",
                       "Start time of the process since unix epoch in seconds.",
                       prometheus::MetricType::Gauge, boot_time_seconds_ + field(22) / ticks));
  out.push_back(Family("process_open_fds", "Number of open file descriptors.",
                       prometheus::MetricType::Gauge, CountOpenFds()));
  rlimit lim{};
  if (getrlimit(RLIMIT_NOFILE, &lim) == 0) {
    out.push_back(Family("process_max_fds", "Maximum number of open file descriptors.",
                         prometheus::MetricType::Gauge, static_cast<double>(lim.rlim_cur)));
  }
  return out;
}

}  // namespace rota::metrics
