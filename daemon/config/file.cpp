#include "config/file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace rota::config {
namespace {

std::string KindOf(mode_t mode) {
  if (S_ISDIR(mode)) {
    return "a directory";
  }
  if (S_ISFIFO(mode)) {
    return "a FIFO";
  }
  if (S_ISCHR(mode)) {
    return "a character device";
  }
  if (S_ISBLK(mode)) {
    return "a block device";
  }
  if (S_ISSOCK(mode)) {
    return "a socket";
  }
  return "not a regular file";
}

std::string Mib(std::size_t bytes) { return std::to_string(bytes >> 20U) + " MiB"; }

// Closes the descriptor on every path out.
struct Fd {
  int fd;
  ~Fd() {
    if (fd >= 0) {
      ::close(fd);
    }
  }
};

}  // namespace

Result<std::string> ReadConfigFile(const std::string& path, std::size_t max_bytes) {
  // O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer.
  const Fd file{::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY)};
  if (file.fd < 0) {
    return Fail(Error::Io("cannot read " + path + ": " + std::strerror(errno)));
  }
  struct stat st {};
  if (::fstat(file.fd, &st) != 0) {
    return Fail(Error::Io("cannot read " + path + ": " + std::strerror(errno)));
  }
  if (!S_ISREG(st.st_mode)) {
    return Fail(Error::Io("cannot read " + path + ": " + KindOf(st.st_mode) +
                          ", only regular files are read"));
  }
  if (static_cast<std::size_t>(st.st_size) > max_bytes) {
    return Fail(Error::Io("cannot read " + path + ": " + std::to_string(st.st_size) +
                          " bytes, over the limit of " + Mib(max_bytes) + " per file"));
  }
  std::string out;
  out.resize(static_cast<std::size_t>(st.st_size));
  std::size_t have = 0;
  // The size may change under us; read until EOF, never past the limit.
  for (;;) {
    if (have == out.size()) {
      if (out.size() > max_bytes) {
        return Fail(Error::Io("cannot read " + path + ": grew over the limit of " + Mib(max_bytes) +
                              " per file while being read"));
      }
      out.resize(out.size() + 4096);
    }
    const ssize_t n = ::read(file.fd, out.data() + have, out.size() - have);
    if (n < 0) {
      if (errno == EINTR) {
        continue;
      }
      return Fail(Error::Io("cannot read " + path + ": " + std::strerror(errno)));
    }
    if (n == 0) {
      break;
    }
    have += static_cast<std::size_t>(n);
  }
  out.resize(have);
  return out;
}

}  // namespace rota::config
