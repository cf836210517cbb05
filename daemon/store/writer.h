// Writer: group commit. One thread owns the database connection; requests
// queued while a commit is in progress are run together in the next
// transaction, each inside its own savepoint (one failing request does not
// sink the others), and every request's callback runs only after COMMIT has
// returned, i.e. after fsync (synchronous=FULL). Under load, throughput grows
// with the batch size instead of with the number of fsyncs.
//
// WAL checkpoints (copying committed pages into the database file, with its
// own fsync) run on a second thread with its own connection, so the writer
// only appends to the WAL: checkpointing inside commits took a tenth of the
// writer's time under load. They run when the WAL holds kCheckpointPages
// or the writer has been idle for kIdleCheckpoint, not after every commit:
// a checkpoint's fsync of the database file delays the commit fsyncs that
// land during it (end-to-end p99 went from ~4 to ~86 ms when checkpoints
// ran every 250 ms). After each complete copy the writer copies the few
// frames appended meanwhile itself, between two transactions, so that the
// next one starts the WAL over: otherwise, under steady load, it never does
// and the WAL grows without bound. The writer's connection still
// checkpoints by itself if the WAL grows past kFallbackCheckpointPages.
//
// Thread-safety: Submit from any thread; callbacks run on the writer thread
// and must be quick (post elsewhere for real work).
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>

#include "store/db.h"

namespace rota::store {

class Writer {
 public:
  using Work = std::function<Result<void>(Db&)>;
  using Done = std::function<void(const Result<void>&)>;
  // After each commit: requests in the batch, seconds spent in COMMIT.
  using CommitObserver = std::function<void(std::size_t batch, double seconds)>;

  Writer(std::unique_ptr<Db> db, std::size_t max_batch, CommitObserver observer);
  ~Writer();
  Writer(const Writer&) = delete;
  Writer& operator=(const Writer&) = delete;

  void Submit(Work work, Done done);
  // Runs what is queued, then stops the thread. Idempotent.
  void Stop();

 private:
  static constexpr int kCheckpointPages = 1000;           // ~4 MB of WAL
  static constexpr int kFallbackCheckpointPages = 20000;  // ~80 MB of WAL
  static constexpr std::chrono::milliseconds kIdleCheckpoint{1000};
  void Run();
  void Checkpoints();
  // Whether a WAL of `pages` pages wants the checkpointer (any thread).
  [[nodiscard]] bool CheckpointDue(int pages) const;
  // sqlite3_wal_hook: after each commit, with the WAL's size in pages.
  static int OnWal(void* self, struct sqlite3* db, const char* name, int pages);

  std::unique_ptr<Db> db_;
  std::size_t max_batch_;
  CommitObserver observer_;
  std::mutex mu_;
  std::condition_variable cv_;                         // the writer waits on it
  std::condition_variable checkpoint_cv_;              // the checkpointer waits on it
  std::deque<std::pair<Work, Done>> queue_;            // guarded by mu_
  bool stopping_ = false;                              // guarded by mu_
  std::uint64_t commits_ = 0;                          // guarded by mu_
  std::chrono::steady_clock::time_point last_commit_;  // guarded by mu_
  std::atomic<int> wal_pages_{0};                      // as of the last commit
  std::atomic<int> copied_log_{0};  // the WAL's pages at the last complete copy (0: none)
  std::atomic<bool> tail_{false};   // the checkpointer's copy is done: the writer copies the rest
  std::thread thread_;
  std::thread checkpointer_;
  // Set once the database file is found deleted or replaced: every later
  // batch fails with it (writer thread only).
  std::optional<Error> gone_;
};

}  // namespace rota::store
