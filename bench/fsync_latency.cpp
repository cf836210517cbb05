// fsync_latency: the floor under a durable answer on this disk.
//
// rota answers an alert only after its decision is in the WAL and fsync'd,
// so no end-to-end latency can beat this machine's fsync. This appends
// `bytes` and calls fdatasync `count` times at `rate` per second (like a
// spaced-out alert stream), then prints percentiles. With `overwrite`, the
// file is first written out and synced, and the writes then overwrite it
// from the start: what a WAL that starts over costs (no new size or blocks
// to sync). It also prints the system CPU time one write + fdatasync costs
// (getrusage around the timed loop only).
//
//   bench/fsync_latency DIR [count=1000] [rate=20] [bytes=8192] [append|overwrite]
#include <fcntl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: fsync_latency DIR [count] [rate] [bytes]\n");
    return 2;
  }
  const std::string path = std::string(argv[1]) + "/fsync_latency.tmp";
  const int count = argc > 2 ? std::atoi(argv[2]) : 1000;
  const int rate = argc > 3 ? std::atoi(argv[3]) : 20;
  const auto bytes = static_cast<std::size_t>(argc > 4 ? std::atol(argv[4]) : 8192);
  const int fd = ::open(path.c_str(), O_CREAT | O_TRUNC | O_WRONLY, 0600);
  if (fd < 0 || count <= 0) {
    std::perror("open");
    return 1;
  }
  const std::vector<char> block(bytes, 'x');
  const bool overwrite = argc > 5 && std::string(argv[5]) == "overwrite";
  if (overwrite) {
    for (int i = 0; i < count; ++i) {
      if (::write(fd, block.data(), block.size()) != static_cast<ssize_t>(block.size())) {
        std::perror("write");
        return 1;
      }
    }
    if (::fsync(fd) != 0 || ::lseek(fd, 0, SEEK_SET) != 0) {
      std::perror("fsync/lseek");
      return 1;
    }
  }
  std::vector<double> ms;
  ms.reserve(static_cast<std::size_t>(count));
  const auto sys_us = [] {
    rusage r{};
    ::getrusage(RUSAGE_SELF, &r);
    return static_cast<double>(r.ru_stime.tv_sec) * 1e6 + static_cast<double>(r.ru_stime.tv_usec);
  };
  const double sys_start = sys_us();
  auto next = std::chrono::steady_clock::now();
  for (int i = 0; i < count; ++i) {
    if (rate > 0) {
      next += std::chrono::microseconds(1'000'000 / rate);
      std::this_thread::sleep_until(next);
    }
    const auto t0 = std::chrono::steady_clock::now();
    if (::write(fd, block.data(), block.size()) != static_cast<ssize_t>(block.size()) ||
        ::fdatasync(fd) != 0) {
      std::perror("write/fdatasync");
      return 1;
    }
    ms.push_back(
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
  }
  const double sys_per_op = (sys_us() - sys_start) / count;
  ::close(fd);
  ::unlink(path.c_str());
  std::sort(ms.begin(), ms.end());
  const auto at = [&](double q) {
    return ms[std::min(ms.size() - 1,
                       static_cast<std::size_t>(q * static_cast<double>(ms.size())))];
  };
  std::printf(
      "%d x (%s %zu B + fdatasync) at %d/s: p50 %.2f ms, p90 %.2f ms, p99 %.2f ms, max %.2f ms, "
      "system CPU %.1f us each\n",
      count, overwrite ? "overwrite" : "write", bytes, rate, at(0.5), at(0.9), at(0.99), ms.back(),
      sys_per_op);
  return 0;
}
