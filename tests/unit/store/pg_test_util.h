// The PostgreSQL test cluster (tests/tools/pg_cluster.py, started by ctest's
// `pg` fixture and named by ROTA_TEST_PG): its admin DSN and a database per
// test.
#pragma once

#include <doctest/doctest.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include "store/pg.h"

namespace rota::testing {

// The PostgreSQL test cluster's admin DSN (tests/tools/pg_cluster.py, started
// by ctest's fixture), or "" when the tests run without one.
inline std::string PgAdminDsn() {
  const char* state = std::getenv("ROTA_TEST_PG");
  if (state == nullptr) {
    return "";
  }
  std::ifstream in(state);
  REQUIRE_MESSAGE(in.good(), "ROTA_TEST_PG names " << state << ", which cannot be read");
  std::stringstream text;
  text << in.rdbuf();
  return std::string(boost::json::parse(text.str()).at("admin_dsn").as_string());
}

// A database of its own per test directory: what a restart reopens.
inline std::string PgDatabaseFor(const std::string& admin, const std::string& dir) {
  const std::string name = "t_" + std::to_string(std::hash<std::string>{}(dir) % 1000000007);
  auto c = store::PgConn::Connect(admin, "rota tests");
  REQUIRE_MESSAGE(c.has_value(), (c ? "" : c.error().message()));
  auto exists = (*c)->Exec("SELECT 1 FROM pg_database WHERE datname = $1", {name});
  REQUIRE(exists.has_value());
  if (exists->size() == 0) {
    REQUIRE((*c)->Exec("CREATE DATABASE " + name).has_value());
  }
  std::string dsn = admin;
  dsn.replace(dsn.find("dbname=postgres"), 15, "dbname=" + name);
  return dsn;
}

// A new, empty database; its DSN.
inline std::string PgFreshDatabase(const std::string& admin) {
  static int serial = 0;
  return PgDatabaseFor(admin, "fresh-" + std::to_string(::getpid()) + "-" +
                                  std::to_string(++serial) + "-" + std::to_string(std::rand()));
}

}  // namespace rota::testing
