#include "app/app.h"

#include <unistd.h>

#include <atomic>
#include <boost/asio/bind_executor.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/json.hpp>
#include <chrono>
#include <csignal>
#include <filesystem>
#include <future>
#include <limits>
#include <mutex>
#include <thread>
#include <vector>

#include "api/access.h"
#include "api/listener_tls.h"
#include "api/routes.h"
#include "api/views.h"
#include "app/ha.h"
#include "app/pipeline.h"
#include "app/systemd.h"
#include "config/lint.h"
#include "config/loader.h"
#include "config/roster_spec.h"
#include "core/clock.h"
#include "core/thread_name.h"
#include "core/time.h"
#include "http/router.h"
#include "http/server.h"
#include "metrics/metrics.h"
#include "ui/ui.h"

namespace rota::app {
namespace {

namespace asio = boost::asio;

constexpr int kIoThreads = 2;
constexpr auto kScheduleMetricsEvery = std::chrono::seconds(30);

double UnixSeconds() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

void LogDiagnostics(const config::LoadResult& r) {
  for (const auto& d : r.errors) {
    log::Error("config error", {{"at", d.pos.ToString()}, {"error", d.message}});
  }
  for (const auto& d : r.warnings) {
    log::Warn("config warning", {{"at", d.pos.ToString()}, {"warning", d.message}});
  }
}

std::string HashHex(std::uint64_t h) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
  return buf;
}

// Creates the storage directory and checks it is writable.
Result<std::string> PrepareStorage(const std::string& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) {
    return Fail(Error::Io("cannot create storage.dir " + dir + ": " + ec.message()));
  }
  if (::access(dir.c_str(), W_OK) != 0) {
    return Fail(Error::Io("storage.dir " + dir + " is not writable"));
  }
  const auto absolute = std::filesystem::absolute(dir, ec);
  if (ec) {
    return Fail(Error::Io("cannot resolve storage.dir " + dir + ": " + ec.message()));
  }
  return absolute.lexically_normal().string();
}

}  // namespace

struct App::Impl {
  explicit Impl(Options o)
      : options(std::move(o)),
        engine_work(asio::make_work_guard(engine_ioc)),
        metrics({options.version, options.revision}),
        app_strand(asio::make_strand(engine_ioc)),
        signals(ioc, SIGTERM, SIGINT, SIGHUP),
        watchdog(app_strand),
        shutdown_timer(ioc),
        schedule_timer(ioc) {}

  int Run();
  void SetupRoutes();
  // Binds the listener (false: logged, exit 1).
  bool Listen();
  void Serve();
  void WaitSignal();
  void StartWatchdog(std::chrono::microseconds every);
  // Loads, validates and prepares the new config on the reload thread, then
  // swaps it in on app_strand; `done` gets the diagnostics (on either).
  void Reload(std::string trigger, std::function<void(const config::LoadResult&)> done);
  // Loads options.config_path and logs its diagnostics. With `tls`, also builds
  // the listener's certificate (server.tls) into it: one that does not build is
  // one more config error, so start-up and reload refuse it like any other.
  config::LoadResult LoadConfig(std::shared_ptr<const http::TlsContext>* tls);
  // Schedule lint of a loaded config, as log lines.
  void LogLint(const config::Config& c);
  void Shutdown(std::string_view signal_name);
  void WaitDrained(std::chrono::steady_clock::time_point deadline);
  // The listener's certificate from now on (new connections), its metric and log line.
  void SetTls(std::shared_ptr<const http::TlsContext> tls);
  void LogCertificate(const http::TlsContext& tls);
  // Swaps in a prepared config (on app_strand, or before serving).
  void Install(Pipeline::Prepared p);
  void RefreshScheduleMetrics();
  void ScheduleMetricsLoop();

  std::shared_ptr<const config::Config> Config() {
    std::lock_guard lock(config_mu);
    return config;
  }
  std::shared_ptr<const schedule::Roster> Roster() {
    std::lock_guard lock(config_mu);
    return roster;
  }

  Options options;
  asio::io_context ioc;  // HTTP, signals, timers of the lifecycle ("http" threads)
  // The engine's strand runs on its own thread ("engine"), so `top -H`
  // tells engine work from connection work.
  asio::io_context engine_ioc{1};
  asio::executor_work_guard<asio::io_context::executor_type> engine_work;
  // Reloads parse and prepare here ("reload"), never on the strand.
  asio::thread_pool reload_pool{1};
  metrics::Metrics metrics;
  http::Router router;
  api::Authorizer authorizer;
  std::unique_ptr<http::Server> server;
  asio::strand<asio::io_context::executor_type> app_strand;
  asio::signal_set signals;
  asio::steady_timer watchdog;
  asio::steady_timer shutdown_timer;
  asio::steady_timer schedule_timer;
  SystemClock clock;
  std::unique_ptr<Pipeline> pipeline;
  std::unique_ptr<HaNode> ha;  // storage.backend: postgres

  std::mutex config_mu;
  std::shared_ptr<const config::Config> config;    // guarded by config_mu
  std::shared_ptr<const schedule::Roster> roster;  // guarded by config_mu
  std::atomic<bool> ready{false};
  std::atomic<bool> stopping{false};
  std::string bound_address;
  bool serving_tls = false;  // the listener speaks HTTPS; set by Listen() before serving
  std::shared_ptr<const http::TlsContext> start_tls;  // from Run()'s load, for Listen()
};

void App::Impl::SetupRoutes() {
  router.SetObserver([this](const std::string& handler, int code, double seconds) {
    metrics.ObserveRequest(handler, code, seconds);
  });
  router.SetAuthorizer([this](const http::Request& req, http::Access access) {
    if (auto refused = authorizer.Check(req, access)) {
      return refused;
    }
    // While the store cannot write, a change is refused before it is made:
    // a 503 must mean "not in force" (the write that found the store full
    // undoes what it carried, Pipeline::RevertToStored).
    const bool writes = req.method != "GET" && req.method != "HEAD" &&
                        (access == http::Access::kIngest || access == http::Access::kAdmin) &&
                        !req.path.starts_with("/-/") && !req.path.ends_with("/dry-run");
    if (writes && !pipeline->StoreOk()) {
      return std::optional<http::Response>(api::Unavailable());
    }
    return std::optional<http::Response>();
  });
  router.HandleSync("GET", "/-/healthy", http::Access::kOpen, [](const http::Request&) {
    return http::Response::Text(200, "rota is healthy.\n");
  });
  router.HandleSync("GET", "/-/ready", http::Access::kOpen, [this](const http::Request&) {
    if (ready.load() && pipeline->StoreOk()) {
      return http::Response::Text(200, "rota is ready.\n");
    }
    if (ready.load()) {
      return http::Response::Text(503, "rota cannot write its store (see rota_store_up).\n");
    }
    return http::Response::Text(
        503, stopping.load() ? "rota is shutting down.\n" : "rota is not ready.\n");
  });
  router.Handle("POST", "/-/reload", http::Access::kAdmin,
                [this](http::Request&, http::Reply reply) {
                  Reload("http", [reply = std::move(reply)](const config::LoadResult& result) {
                    boost::json::object o;
                    if (result.ok()) {
                      o["status"] = "success";
                      o["config_hash"] = HashHex(result.config->hash);
                      reply(http::Response::Json(200, boost::json::serialize(o)));
                      return;
                    }
                    o["status"] = "error";
                    o["error"] = "config reload failed; the running config is unchanged";
                    boost::json::array errors;
                    for (const auto& d : result.errors) {
                      errors.emplace_back(d.ToString());
                    }
                    o["errors"] = std::move(errors);
                    reply(http::Response::Json(400, boost::json::serialize(o)));
                  });
                });
  api::RegisterRoutes(router, *pipeline);
  ui::RegisterUiRoutes(router, *pipeline, authorizer);
  router.HandleSync("GET", "/api/v1/status", http::Access::kAdmin, [this](const http::Request&) {
    const auto c = Config();
    boost::json::object o;
    o["instance"] = c->server.instance;
    if (ha) {
      const auto st = ha->Current();
      o["role"] = st.role;
      o["epoch"] = st.epoch;
      o["leader"] = st.leader;
      o["backend"] = "postgres";
    } else {
      o["role"] = "single";
      o["epoch"] = 0;
      o["leader"] = c->server.instance;
      o["backend"] = "sqlite";
    }
    return http::Response::Json(200, boost::json::serialize(o));
  });
  if (ha) {
    const auto forward = [this](const http::Request& req, http::Reply& reply,
                                const api::Host::Accepted& accepted) {
      return ha->Forward(req, reply, accepted);
    };
    router.SetForwarder([forward](http::Request& req, http::Reply& reply) {
      return forward(req, reply,
                     [] { return http::Response::Json(202, R"({"status":"accepted"})"); });
    });
    pipeline->SetForwarder(forward);
  }
  router.HandleSync("GET", "/metrics", http::Access::kOpen, [this](const http::Request&) {
    if (server) {
      metrics.SetOpenConnections(static_cast<double>(server->OpenConnections()));
    }
    http::Response r = http::Response::Text(200, metrics.Serialize());
    r.content_type = "text/plain; version=0.0.4; charset=utf-8";
    return r;
  });
  for (const auto& r : router.Routes()) {
    log::Debug("route",
               {{"method", r.method}, {"path", r.pattern}, {"access", http::AccessName(r.access)}});
  }
}

config::LoadResult App::Impl::LoadConfig(std::shared_ptr<const http::TlsContext>* tls) {
  config::LoadOptions lo;
  lo.default_storage_dir = config::DefaultStorageDir();
  lo.require_routes = true;
  auto result = config::Load(options.config_path, lo);
  if (tls != nullptr && result.ok() && result.config->server.tls) {
    if (auto made = api::ListenerTls(*result.config->server.tls)) {
      *tls = std::move(*made);
    } else {
      result.errors.push_back(made.error());
      result.config.reset();
    }
  }
  LogDiagnostics(result);
  return result;
}

void App::Impl::Reload(std::string trigger, std::function<void(const config::LoadResult&)> done) {
  asio::post(reload_pool, [this, trigger = std::move(trigger), done = std::move(done)] {
    SetThreadName("reload");
    systemd::NotifyReloading();
    log::Info("reloading config", {{"trigger", trigger}, {"file", options.config_path}});
    // Certificates only when the listener serves TLS (turning it on needs a restart).
    std::shared_ptr<const http::TlsContext> tls;
    auto result = LoadConfig(serving_tls ? &tls : nullptr);
    if (!result.ok()) {
      metrics.SetConfigReloadFailed();
      log::Error(
          "config reload failed; keeping the running config",
          {{"trigger", trigger}, {"file", options.config_path}, {"errors", result.errors.size()}});
      systemd::NotifyReady(ready.load() ? "ready" : "starting");
      done(result);
      return;
    }
    const auto old = Config();
    if (result.config->server.tls.has_value() != serving_tls) {
      log::Warn("server.tls was turned on or off; that takes effect after a restart",
                {{"running", serving_tls ? "https" : "http"},
                 {"configured", result.config->server.tls ? "https" : "http"}});
    }
    if (old->server.listen != result.config->server.listen) {
      log::Warn("server.listen changed; the new address takes effect after a restart",
                {{"running", bound_address}, {"configured", result.config->server.listen}});
    }
    if (old->storage.dir != result.config->storage.dir) {
      log::Warn("storage.dir changed; the new directory takes effect after a restart",
                {{"running", old->storage.dir}, {"configured", result.config->storage.dir}});
    }
    LogLint(*result.config);
    auto prepared = pipeline->Prepare(result.config);
    // Only the swap runs on the engine's strand.
    asio::post(app_strand, [this, trigger, done, result = std::move(result),
                            prepared = std::move(prepared), tls = std::move(tls)]() mutable {
      Install(std::move(prepared));
      if (tls) {
        SetTls(std::move(tls));
      }
      metrics.SetConfigLoaded(result.config->HashMetricValue(), UnixSeconds());
      log::Info("config reloaded", {{"trigger", trigger},
                                    {"hash", HashHex(result.config->hash)},
                                    {"rule_files", result.config->rule_files.size()}});
      systemd::NotifyReady(ready.load() ? "ready" : "starting");
      done(result);
    });
  });
}

void App::Impl::WaitSignal() {
  signals.async_wait([this](const boost::system::error_code& ec, int sig) {
    if (ec) {
      return;
    }
    if (sig == SIGHUP) {
      Reload("SIGHUP", [](const config::LoadResult&) {});
      WaitSignal();
      return;
    }
    Shutdown(sig == SIGTERM ? "SIGTERM" : "SIGINT");
  });
}

// The ping comes from the engine's strand: if the strand is stuck, systemd
// stops hearing from rotad and restarts it.
void App::Impl::StartWatchdog(std::chrono::microseconds every) {
  watchdog.expires_after(every);
  watchdog.async_wait([this, every](const boost::system::error_code& ec) {
    if (ec) {
      return;
    }
    systemd::NotifyWatchdog();
    StartWatchdog(every);
  });
}

void App::Impl::Shutdown(std::string_view signal_name) {
  if (stopping.exchange(true)) {
    return;
  }
  const auto timeout = Config()->server.shutdown_timeout;
  log::Info("shutting down",
            {{"signal", signal_name}, {"timeout_ms", static_cast<long long>(timeout.count())}});
  systemd::NotifyStopping();
  ready = false;
  pipeline->BeginStop();  // long reads give up now, so the drain below is short
  signals.cancel();
  watchdog.cancel();
  schedule_timer.cancel();
  server->Stop();
  WaitDrained(std::chrono::steady_clock::now() + timeout);
}

void App::Impl::WaitDrained(std::chrono::steady_clock::time_point deadline) {
  const std::size_t open = server->OpenConnections();
  if (open == 0 || std::chrono::steady_clock::now() >= deadline) {
    if (open > 0) {
      log::Warn("shutdown timeout reached; closing connections still open",
                {{"connections", open}});
    }
    // Then the engine stops deciding and queued notifications go out.
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::max(deadline - std::chrono::steady_clock::now(),
                 std::chrono::steady_clock::duration(std::chrono::seconds(1))));
    if (ha) {
      ha->Stop();  // a leader hands its lease over at once
    }
    pipeline->Stop(left);
    ioc.stop();
    return;
  }
  shutdown_timer.expires_after(std::chrono::milliseconds(20));
  shutdown_timer.async_wait(
      [this, deadline](const boost::system::error_code&) { WaitDrained(deadline); });
}

bool App::Impl::Listen() {
  SetupRoutes();
  http::ServerOptions so;
  so.host = config->server.host;
  so.port = config->server.port;
  so.body_limit = config->server.max_request_bytes;
  so.read_timeout = config->server.read_timeout;
  so.idle_timeout = config->server.idle_timeout;
  so.max_connections = config->server.max_connections;
  so.on_refused = [this](std::string_view reason) { metrics.ConnectionRefused(reason); };
  if (start_tls) {
    so.tls = std::move(start_tls);
    serving_tls = true;
    LogCertificate(*so.tls);
  }
  server = std::make_unique<http::Server>(ioc, so, router);
  auto bound = server->Start();
  if (!bound) {
    log::Error("cannot start: HTTP listener failed", {{"error", bound.error().message()}});
    return false;
  }
  bound_address = *bound;
  log::Info("listening", {{"addr", bound_address}, {"scheme", so.tls ? "https" : "http"}});
  if (!config->auth.enabled) {
    log::Warn("no auth: configured; the API accepts only loopback clients");
  }
  if (so.host.empty() || (so.host != "127.0.0.1" && so.host != "::1" && so.host != "localhost")) {
    log::Warn("listening on a non-loopback address; make sure a firewall or proxy guards it",
              {{"addr", bound_address}});
  }
  return true;
}

// The engine's thread, the HTTP threads (this one among them) until the
// event loop stops, then the engine's and the reload thread.
void App::Impl::Serve() {
  std::thread engine_thread([this] {
    SetThreadName("engine");
    engine_ioc.run();
  });
  std::vector<std::thread> threads;
  for (int i = 1; i < kIoThreads; ++i) {
    threads.emplace_back([this] {
      SetThreadName("http");
      ioc.run();
    });
  }
  SetThreadName("http");
  ioc.run();
  for (auto& t : threads) {
    t.join();
  }
  engine_work.reset();
  engine_ioc.stop();
  engine_thread.join();
  reload_pool.join();
}

int App::Impl::Run() {
  auto loaded = LoadConfig(&start_tls);
  if (!loaded.ok()) {
    log::Error("cannot start: the config has errors",
               {{"file", options.config_path}, {"errors", loaded.errors.size()}});
    return kExitFailure;
  }
  pipeline = std::make_unique<Pipeline>(app_strand, clock, metrics,
                                        [this](std::shared_ptr<const schedule::Roster> r) {
                                          std::lock_guard lock(config_mu);
                                          roster = std::move(r);
                                        });
  LogLint(*loaded.config);
  Install(pipeline->Prepare(loaded.config));
  metrics.SetConfigLoaded(config->HashMetricValue(), UnixSeconds());
  log::Info("config loaded", {{"file", options.config_path},
                              {"hash", HashHex(config->hash)},
                              {"people", config->people.size()},
                              {"teams", config->teams.size()},
                              {"routes", config->routes.size()},
                              {"rule_files", config->rule_files.size()}});
  Pipeline::StoreSpec spec;
  spec.backend = config->storage.backend;
  spec.fresh = options.fresh_store;
  spec.max_db_bytes = config->storage.max_db_bytes;
  spec.instance = config->server.instance;
  if (spec.backend == config::StorageBackend::kSqlite) {
    auto storage = PrepareStorage(config->storage.dir);
    if (!storage) {
      log::Error("cannot start: storage unusable", {{"error", storage.error().message()}});
      return kExitFailure;
    }
    log::Info("storage ready", {{"dir", *storage}});
    spec.dir = *storage;
    if (options.fresh_store) {
      log::Warn("--fresh-store: a missing store is begun empty", {{"dir", *storage}});
    }
  } else {
    spec.dsn = config->storage.postgres.dsn.Reveal();
    spec.write_timeout =
        std::chrono::duration_cast<std::chrono::milliseconds>(config->storage.postgres.lease);
    HaNode::Options ho{
        spec.dsn, spec.instance,
        std::chrono::duration_cast<std::chrono::milliseconds>(config->storage.postgres.lease)};
    ha = std::make_unique<HaNode>(ho, *pipeline, router, metrics, [this](std::function<void()> fn) {
      std::promise<void> done;
      asio::post(app_strand, [&] {
        fn();
        done.set_value();
      });
      done.get_future().wait();
    });
    pipeline->SetSendGate([this] { return ha->Leads(); });
  }
  // Loading a large store takes seconds (docs/operations.md, Start-up); the
  // listener binds only after it, so say what is going on meanwhile.
  systemd::NotifyStatus("loading the store");
  if (auto opened = pipeline->OpenStore(spec); !opened) {
    log::Error("cannot start: the store cannot be opened", {{"error", opened.error().message()}});
    return kExitFailure;
  }
  metrics.SetLeader(!ha, 0);
  if (!Listen()) {
    return kExitFailure;
  }
  WaitSignal();
  asio::post(app_strand, [this] { ScheduleMetricsLoop(); });
  if (auto every = systemd::WatchdogInterval()) {
    log::Info("systemd watchdog enabled",
              {{"ping_every_ms", static_cast<long long>(every->count() / 1000)}});
    StartWatchdog(*every);
  }
  if (ha) {
    ha->Start();  // leads or follows once the engine's thread runs (Serve)
  }
  ready = true;
  systemd::NotifyReady("ready; listening on " + bound_address);
  log::Info("ready", {{"version", options.version}});
  Serve();
  log::Info("stopped");
  return kExitOk;
}

void App::Impl::LogLint(const config::Config& c) {
  const auto lint = config::Lint(c, clock.Now());
  for (const auto& d : lint.errors) {
    log::Warn("schedule lint", {{"at", d.pos.ToString()}, {"problem", d.message}});
  }
  for (const auto& d : lint.warnings) {
    log::Warn("schedule lint", {{"at", d.pos.ToString()}, {"problem", d.message}});
  }
}

void App::Impl::Install(Pipeline::Prepared p) {
  {
    std::lock_guard lock(config_mu);
    config = p.config;
  }
  authorizer.Set(p.config->auth, p.config->ui);
  pipeline->Install(std::move(p));
  RefreshScheduleMetrics();
}

void App::Impl::SetTls(std::shared_ptr<const http::TlsContext> tls) {
  LogCertificate(*tls);
  server->SetTls(std::move(tls));
}

void App::Impl::LogCertificate(const http::TlsContext& tls) {
  metrics.SetTlsCertificateExpiry(static_cast<double>(tls.NotAfter()));
  log::Info("tls certificate loaded",
            {{"subject", tls.Subject()},
             {"not_after", FormatRfc3339(TimePoint(std::chrono::seconds(tls.NotAfter())))},
             {"client_auth", tls.RequiresClientCert() ? "require" : "none"}});
}

void App::Impl::RefreshScheduleMetrics() {
  const auto c = Config();
  const auto r = Roster();
  const TimePoint now = clock.Now();
  const double inf = std::numeric_limits<double>::infinity();
  std::vector<metrics::Metrics::TeamSchedule> teams;
  for (const auto& t : c->teams) {
    metrics::Metrics::TeamSchedule ts;
    ts.team = t.id;
    ts.on_duty_people = static_cast<double>(r->TeamOnDuty(t.id, now).value().on_duty.size());
    const auto next = r->NextTeamOnDuty(t.id, now).value();
    ts.next_coverage_timestamp =
        next ? std::chrono::duration<double>(next->at.time_since_epoch()).count() : inf;
    const auto cov = r->TeamCoverage(t.id, now, now + std::chrono::hours(24 * 7)).value();
    for (const auto& g : cov.gaps) {
      if (g.in_support_hours) {
        ts.uncovered_required_seconds_7d += std::chrono::duration<double>(g.end - g.start).count();
      }
    }
    teams.push_back(std::move(ts));
  }
  metrics.SetTeamSchedules(teams);
}

void App::Impl::ScheduleMetricsLoop() {
  RefreshScheduleMetrics();
  schedule_timer.expires_after(kScheduleMetricsEvery);
  schedule_timer.async_wait(
      asio::bind_executor(app_strand, [this](const boost::system::error_code& ec) {
        if (!ec) {
          ScheduleMetricsLoop();
        }
      }));
}

App::App(Options options) : impl_(std::make_unique<Impl>(std::move(options))) {}
App::~App() = default;
int App::Run() { return impl_->Run(); }

}  // namespace rota::app
