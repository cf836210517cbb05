#include "store/load.h"

#include <algorithm>
#include <thread>

#include "core/thread_name.h"
#include "store/alert_codec.h"
#include "store/db.h"

namespace rota::store {
namespace {

struct Range {
  std::int64_t first = 0;  // inclusive
  std::int64_t last = 0;   // inclusive
  std::vector<engine::Alert> alerts;
  std::vector<LoadedAlerts::Skipped> skipped;
  Result<void> status;
};

Result<std::pair<std::int64_t, std::int64_t>> IdSpan(Db& db, std::int64_t* count) {
  auto s = db.Prepare("SELECT min(id), max(id), count(*) FROM alerts");
  if (!s) {
    return Fail(s.error());
  }
  auto row = s->Step();
  if (!row) {
    return Fail(row.error());
  }
  *count = s->Int(2);
  return std::pair{s->Int(0), s->Int(1)};
}

void LoadRange(const std::string& path, const AlertDecoder& decoder, Range& range) {
  Db::Options options;
  options.read_only = true;
  auto db = Db::Open(path, options);
  if (!db) {
    range.status = Fail(db.error());
    return;
  }
  auto rows = (*db)->Prepare(
      "SELECT a.id, a.doc, coalesce(s.updated_at, a.updated_at), "
      "CASE WHEN s.id IS NULL THEN a.ends_at ELSE s.ends_at END "
      "FROM alerts a LEFT JOIN alert_seen s ON s.id = a.id WHERE a.id BETWEEN ?1 AND ?2 ORDER BY "
      "a.id");
  if (!rows) {
    range.status = Fail(rows.error());
    return;
  }
  rows->Bind(1, range.first).Bind(2, range.last);
  while (true) {
    auto more = rows->Step();
    if (!more) {
      range.status = Fail(more.error());
      return;
    }
    if (!*more) {
      return;
    }
    auto a = decoder.Decode(rows->TextView(1));
    if (!a) {
      range.skipped.push_back({rows->Int(0), a.error().message()});
      continue;
    }
    // What a re-send moves is authoritative (migrations 0003 and 0004).
    a->updated_at = TimePoint{std::chrono::milliseconds(rows->Int(2))};
    const auto ends = rows->OptInt(3);
    a->ends_at =
        ends ? std::optional<TimePoint>(TimePoint{std::chrono::milliseconds(*ends)}) : std::nullopt;
    range.alerts.push_back(std::move(*a));
  }
}

}  // namespace

Result<LoadedAlerts> LoadAlerts(const std::string& path, const config::Config& config,
                                int threads) {
  if (threads <= 0) {
    threads = static_cast<int>(std::clamp(std::thread::hardware_concurrency(), 1U, 8U));
  }
  std::int64_t count = 0;
  std::pair<std::int64_t, std::int64_t> span;
  {
    Db::Options options;
    options.read_only = true;
    auto db = Db::Open(path, options);
    if (!db) {
      return Fail(db.error());
    }
    auto s = IdSpan(**db, &count);
    if (!s) {
      return Fail(s.error());
    }
    span = *s;
  }
  if (count == 0) {
    return LoadedAlerts{};
  }
  // Few alerts: one thread (threads and connections cost more than they save).
  if (count < 10000) {
    threads = 1;
  }
  const AlertDecoder decoder(config);
  const std::int64_t width = (span.second - span.first) / threads + 1;
  std::vector<Range> ranges(static_cast<std::size_t>(threads));
  for (int i = 0; i < threads; ++i) {
    ranges[static_cast<std::size_t>(i)].first = span.first + i * width;
    ranges[static_cast<std::size_t>(i)].last =
        std::min(span.second, span.first + (i + 1) * width - 1);
    ranges[static_cast<std::size_t>(i)].alerts.reserve(
        static_cast<std::size_t>(count / threads + count / 50 + 16));
  }
  {
    std::vector<std::jthread> workers;
    for (std::size_t i = 1; i < ranges.size(); ++i) {
      workers.emplace_back([&, i] {
        SetThreadName("store-load");
        LoadRange(path, decoder, ranges[i]);
      });
    }
    LoadRange(path, decoder, ranges[0]);
  }  // joins
  LoadedAlerts all;
  for (auto& r : ranges) {
    if (!r.status) {
      return Fail(r.status.error());
    }
    all.parts.push_back(std::move(r.alerts));
    std::move(r.skipped.begin(), r.skipped.end(), std::back_inserter(all.skipped));
  }
  return all;
}

std::size_t LoadedAlerts::size() const {
  std::size_t n = 0;
  for (const auto& p : parts) {
    n += p.size();
  }
  return n;
}

}  // namespace rota::store
