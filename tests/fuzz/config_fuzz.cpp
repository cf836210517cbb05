// The config loader on one YAML document: it is written as rota.yaml in a
// private folder (beside tls.pem, for server.tls) and loaded as rotad would.
// Every outcome is a Config or errors that say file:line:col; none is a
// crash, hang or exception.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <system_error>

#include "config/loader.h"
#include "fuzz_check.h"

namespace {

// Made once, removed at exit (the string is never destroyed, so the exit
// handler can still read it).
const std::string& Folder() {
  static const std::string* dir = [] {
    std::string tmpl =
        (std::filesystem::temp_directory_path() / "rota-fuzz-config-XXXXXX").string();
    ROTA_FUZZ_CHECK(mkdtemp(tmpl.data()) != nullptr, "a private temp folder");
    auto* made = new std::string(tmpl);
    // A file server.tls can name (the loader checks only that it is PEM;
    // the certificate itself is tls_pem_fuzz's).
    std::FILE* pem = std::fopen((*made + "/tls.pem").c_str(), "wb");
    ROTA_FUZZ_CHECK(pem != nullptr, "the PEM fixture opens");
    std::fputs("-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n", pem);
    ROTA_FUZZ_CHECK(std::fclose(pem) == 0, "and is written");
    std::atexit([] {
      std::error_code ec;
      std::filesystem::remove_all(Folder(), ec);
    });
    return made;
  }();
  return *dir;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string path = Folder() + "/rota.yaml";
  std::FILE* f = std::fopen(path.c_str(), "wb");
  ROTA_FUZZ_CHECK(f != nullptr, "the config file opens");
  ROTA_FUZZ_CHECK(std::fwrite(data, 1, size, f) == size && std::fclose(f) == 0, "it is written");
  rota::config::LoadOptions options;
  options.default_storage_dir = Folder() + "/state";
  const auto result = rota::config::Load(path, options);
  ROTA_FUZZ_CHECK(result.ok() == (result.config != nullptr), "a Config exactly when no errors");
  for (const auto& d : result.errors) {
    ROTA_FUZZ_CHECK(!d.message.empty(), "every error says what is wrong");
    ROTA_FUZZ_CHECK(!d.pos.ToString().empty(), "and where");
  }
  return 0;
}
