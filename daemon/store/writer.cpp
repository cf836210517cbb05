#include "store/writer.h"

#include <sqlite3.h>

#include <chrono>
#include <optional>
#include <vector>

#include "core/thread_name.h"

namespace rota::store {

Writer::Writer(std::unique_ptr<Db> db, std::size_t max_batch, CommitObserver observer)
    : db_(std::move(db)),
      max_batch_(max_batch == 0 ? 1 : max_batch),
      observer_(std::move(observer)) {
  // Replaces SQLite's own autocheckpoint hook (which checkpoints inside the
  // commit); OnWal keeps that only as the fallback.
  sqlite3_wal_hook(db_->handle(), &Writer::OnWal, this);
  thread_ = std::thread([this] {
    SetThreadName("store");
    Run();
  });
  checkpointer_ = std::thread([this] {
    SetThreadName("checkpoint");
    Checkpoints();
  });
}

int Writer::OnWal(void* self, sqlite3* db, const char* /*name*/, int pages) {
  auto* w = static_cast<Writer*>(self);
  w->wal_pages_.store(pages, std::memory_order_relaxed);
  if (pages >= kFallbackCheckpointPages) {
    // The checkpointer is behind (or could not open its connection).
    sqlite3_wal_checkpoint_v2(db, nullptr, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
  } else if (w->CheckpointDue(pages)) {
    w->checkpoint_cv_.notify_one();
  }
  return SQLITE_OK;
}

bool Writer::CheckpointDue(int pages) const {
  // SQLite starts the WAL over (overwriting its blocks) only at a write
  // transaction that begins when every frame has been copied. Under steady
  // load the writer appends while the checkpointer copies, so that never
  // came: the WAL grew without bound and every commit's fdatasync also
  // wrote the file's new size and blocks (0.18 ms against 0.13 ms for an
  // overwrite here). So after a complete copy the writer copies the few
  // frames appended meanwhile itself, between two transactions (tail_), and
  // the next one starts the WAL over. The next copy is due once it has
  // started over (it is shorter than at the last copy) and grown to
  // kCheckpointPages, or grown by another kCheckpointPages without starting
  // over.
  const int copied = copied_log_.load(std::memory_order_relaxed);
  return pages >= kCheckpointPages && (pages < copied || pages >= copied + kCheckpointPages);
}

void Writer::Checkpoints() {
  Db::Options options;
  options.create = false;
  auto db = Db::Open(db_->path(), options);
  if (!db) {
    return;  // the writer's own fallback checkpoints keep the WAL bounded
  }
  std::uint64_t done = 0;
  std::unique_lock lock(mu_);
  while (!stopping_) {
    checkpoint_cv_.wait_for(lock, std::chrono::milliseconds(250));
    if (commits_ == done) {
      continue;
    }
    const bool full = CheckpointDue(wal_pages_.load(std::memory_order_relaxed));
    const bool idle = std::chrono::steady_clock::now() - last_commit_ >= kIdleCheckpoint;
    if (!full && !idle) {
      continue;
    }
    done = commits_;
    lock.unlock();
    // PASSIVE: copies what no reader still needs, never blocks the writer.
    int log = 0;
    int copied = 0;
    if (sqlite3_wal_checkpoint_v2((*db)->handle(), nullptr, SQLITE_CHECKPOINT_PASSIVE, &log,
                                  &copied) == SQLITE_OK) {
      copied_log_.store(copied >= log ? log : 0, std::memory_order_relaxed);
      tail_.store(copied >= log, std::memory_order_relaxed);
    }
    lock.lock();
  }
}

Writer::~Writer() { Stop(); }

void Writer::Submit(Work work, Done done) {
  {
    std::lock_guard lock(mu_);
    if (stopping_) {
      if (done) {
        done(Fail(Error::Unavailable("the store is shutting down")));
      }
      return;
    }
    queue_.emplace_back(std::move(work), std::move(done));
  }
  cv_.notify_one();
}

void Writer::Stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  checkpoint_cv_.notify_all();
  if (thread_.joinable()) {
    thread_.join();
  }
  if (checkpointer_.joinable()) {
    checkpointer_.join();
  }
}

void Writer::Run() {
  while (true) {
    std::vector<std::pair<Work, Done>> batch;
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) {
        return;  // stopping, everything written
      }
      while (!queue_.empty() && batch.size() < max_batch_) {
        batch.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
    }
    std::vector<Result<void>> results;
    results.reserve(batch.size());
    auto txn = gone_ ? Result<Txn>(Fail(*gone_)) : Txn::Begin(*db_);
    if (!txn) {
      for (auto& [work, done] : batch) {
        if (done) {
          done(Fail(txn.error()));
        }
      }
      continue;
    }
    std::optional<Error> lost;  // set when SQLite rolled the whole batch back
    for (auto& [work, done] : batch) {
      if (auto r = db_->ExecCached("SAVEPOINT request"); !r) {
        results.emplace_back(Fail(r.error()));
        continue;
      }
      Result<void> r = work(*db_);
      if (!r && !db_->InTransaction()) {
        lost = r.error();  // disk full, I/O error: nothing of this batch survives
        break;
      }
      if (!r) {
        (void)db_->ExecCached("ROLLBACK TO request");
      }
      (void)db_->ExecCached("RELEASE request");
      results.push_back(std::move(r));
    }
    if (!lost) {
      // Checked inside the transaction, just before it commits: an answer
      // never claims durability in a file that has been deleted.
      if (auto here = db_->CheckInPlace(); !here) {
        gone_ = here.error();
        lost = here.error();
      }
    }
    const auto start = std::chrono::steady_clock::now();
    Result<void> committed = lost ? Result<void>(Fail(*lost)) : txn->Commit();
    const std::chrono::duration<double> took = std::chrono::steady_clock::now() - start;
    if (observer_) {
      observer_(batch.size(), took.count());
    }
    for (std::size_t i = 0; i < batch.size(); ++i) {
      if (batch[i].second) {
        batch[i].second(committed ? results[i] : Result<void>(Fail(committed.error())));
      }
    }
    if (lost && !db_->InTransaction()) {
      txn->Abandon();  // already rolled back by SQLite
    }
    if (committed) {
      std::lock_guard lock(mu_);
      ++commits_;
      last_commit_ = std::chrono::steady_clock::now();
    }
    if (tail_.exchange(false, std::memory_order_relaxed)) {
      // Between two transactions nothing appends, so this copy reaches the
      // WAL's end; it copies only what came since the checkpointer's copy.
      sqlite3_wal_checkpoint_v2(db_->handle(), nullptr, SQLITE_CHECKPOINT_PASSIVE, nullptr,
                                nullptr);
    }
  }
}

}  // namespace rota::store
