// first_touch: how long this machine takes to hand a process fresh memory.
//
// Start-up with a million stored alerts has to fault in the ~1.6 GB they
// occupy; on a VM that can be most of the start-up time. This measures the
// floor: malloc N MiB and write every byte once, nothing else.
//
//   bench/first_touch 1600
//   GLIBC_TUNABLES=glibc.malloc.hugetlb=1 bench/first_touch 1600   # 2 MB pages
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>

int main(int argc, char** argv) {
  if (argc != 2 || std::atol(argv[1]) <= 0) {
    std::fprintf(stderr, "usage: first_touch MIB\n");
    return 2;
  }
  const auto bytes = static_cast<std::size_t>(std::atol(argv[1])) << 20U;
  const auto t0 = std::chrono::steady_clock::now();
  std::unique_ptr<char[]> p(new char[bytes]);
  std::memset(p.get(), 1, bytes);
  const auto t1 = std::chrono::steady_clock::now();
  std::printf("%zu MiB written for the first time in %.3f s (%.0f MiB/s)\n", bytes >> 20U,
              std::chrono::duration<double>(t1 - t0).count(),
              static_cast<double>(bytes >> 20U) / std::chrono::duration<double>(t1 - t0).count());
  return p[bytes / 2] == 1 ? 0 : 1;
}
