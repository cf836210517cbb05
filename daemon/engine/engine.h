// Engine: rota's decisions, as a pure state machine.
//
// Input: events (trigger, acknowledge, resolve), human actions (ack,
// resolve, silences) and the current time, always passed in. Output: the
// answer for each ingested alert, and notifications as data (TakeNotifications).
// The engine never sends, stores or reads a clock; the shell does.
//
// Per alert and matched route, the flow is:
//   silence / inhibition / route mute?  → silenced | inhibited | muted (re-checked
//                                          when the silence or window ends)
//   group (route + group_by labels)      → flushed after group_wait, later
//                                          additions after group_interval
//   escalation step s                    → notify its targets who are on duty;
//                                          wait escalate_after for an ack; next
//                                          step; `repeat` rounds; then re-notify
//                                          the last step every repeat_interval
//   nobody on duty in the step           → hold until the first instant someone
//                                          is (then one digest per person), or
//                                          `next` step, or `drop`; max_hold caps
//                                          a hold
//   ack                                  → escalation stops; with on_shift_end:
//                                          handover, it restarts from step 1 when
//                                          the acker's duty ends
//   resolve                              → resolved notice to those told who are
//                                          on duty; a later trigger is a new alert
//   the roster changes (override added   → RosterChanged: every hold, pending
//   or removed, reload, a calendar, a      handover and step that found nobody,
//   cover accepted)                        among those the change can touch, is
//                                          planned again from the new roster
//
// Plans follow the roster: holds are indexed by the escalation step they
// wait on, pending handovers by the person who acked, so a roster change
// costs in proportion to the alerts it can affect, not to all alerts.
//
// All timers live in one deadline queue (a min-heap with generation numbers
// for cancellation); Tick(now) fires what is due. Hours are law: a person is
// notified only if the roster says they are on duty at that instant.
//
// Files: engine.cpp (ingest, evaluation, grouping, escalation, holds, acks),
// timers.cpp (the deadline queue: Tick, Fire), state.cpp (changes for the
// store, ids, retention, Restore, lookups), types.cpp (names, Model::Build),
// batch.h (notifications merged per person during one operation).
//
// Thread-safety: none. The engine belongs to one strand.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <queue>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "config/config.h"
#include "core/error.h"
#include "engine/timeline.h"
#include "engine/types.h"
#include "rules/routing.h"
#include "schedule/roster.h"

namespace rota::engine {

// What the engine decides with: the config, its roster, compiled rules.
struct Model {
  std::shared_ptr<const config::Config> config;
  std::shared_ptr<const schedule::Roster> roster;
  rules::RouteIndex routes;
  std::vector<rules::InhibitRule> inhibit_rules;
  std::vector<const config::Escalation*> route_escalation;  // per route
  // Per route: the teams its escalation pages (team targets, and the teams
  // of person targets), sorted. A reroute of one of them takes the route.
  std::vector<std::vector<std::string>> route_teams;

  // REQUIRES: roster built from config.
  static std::shared_ptr<const Model> Build(std::shared_ptr<const config::Config> config,
                                            std::shared_ptr<const schedule::Roster> roster);
};

// "The roster changed": what the change can touch. A person's duty changed
// (an override naming them, a calendar of theirs), a team's (an addition to
// it, its membership), or anything at all (a reload).
struct RosterChange {
  std::string reason;  // on each re-planned alert's timeline: "override o-3 added"
  std::vector<std::string> people;
  std::vector<std::string> teams;
  bool everything = false;
};

// One route an alert takes, with its escalation state.
struct Routing {
  int route = 0;
  std::uint64_t group = 0;
  Outcome status = Outcome::kGrouped;
  int step = 0;   // 0-based
  int round = 0;  // completed repeats
  bool escalating = false;
  bool exhausted = false;  // past the last step: repeat_interval re-notifies
  std::optional<TimePoint> held_until;
  std::optional<TimePoint> hold_started;
  std::optional<TimePoint> last_notified;
  std::vector<std::string> held_for;
  std::uint64_t gen = 0;  // bumped to cancel this routing's deadlines
  // Set when a reroute took this routing at its start: the escalation it
  // uses instead of the route's (by name), and the reroute's id.
  std::string escalation;
  std::string reroute;
};

// "Every new alert of this team's routes goes to another escalation until
// `until` (or until cleared)": a run-time switch (rotactl reroute).
struct Reroute {
  std::string id;  // "r-N"
  std::string team;
  std::string escalation;
  std::optional<TimePoint> until;
  std::string reason;
  std::string created_by;
  TimePoint created_at{};
  [[nodiscard]] bool ActiveAt(TimePoint t) const { return !until || t < *until; }
};

struct Alert {
  AlertId id = 0;
  std::string key;
  LabelSet labels;
  Annotations annotations;
  std::string source;
  std::string generator_url;
  AlertState state = AlertState::kFiring;
  TimePoint created_at{};
  TimePoint starts_at{};
  TimePoint updated_at{};
  std::optional<TimePoint> ends_at;
  std::optional<TimePoint> resolved_at;
  std::optional<TimePoint> first_notified_at;
  std::vector<Routing> routings;      // empty: unrouted
  std::vector<std::string> notified;  // everyone told, in order
  // Chat threads: per channel (a Slack bot), the first message's id, so
  // follow-ups (escalation, resolved) go into its thread.
  std::vector<std::pair<std::string, std::string>> threads;
  std::string acked_by;
  std::optional<TimePoint> handover_at;
  std::uint64_t handover_gen = 0;
  std::uint64_t expire_gen = 0;
  Timeline timeline;

  [[nodiscard]] Outcome Status() const;
};

class Engine {
 public:
  explicit Engine(std::shared_ptr<const Model> model);

  // A new config or roster (reload, run-time override): open alerts keep
  // their state; later decisions use the new model. Routes are matched by
  // name; an alert whose route disappeared keeps its last decision.
  void SetModel(std::shared_ptr<const Model> model);
  [[nodiscard]] const Model& model() const { return *model_; }
  [[nodiscard]] std::shared_ptr<const Model> shared_model() const { return model_; }

  // After SetModel with a new roster: plans again, from the roster and
  // `now`, every hold (delivered now if someone of its step is on duty, else
  // a new held_until and next_on_duty), every pending handover (now if the
  // acker is no longer on duty, else at the new end of their duty) and every
  // step that found nobody, among those `change` can touch. Each alert whose
  // plan changed gets a `replanned` entry with the reason. Returns how many
  // alerts were looked at.
  std::size_t RosterChanged(const RosterChange& change, TimePoint now);

  IngestResult Ingest(const Event& event, TimePoint now);
  Result<Outcome> Acknowledge(AlertId id, const std::string& who, const std::string& comment,
                              TimePoint now);
  Result<Outcome> Resolve(AlertId id, const std::string& who, const std::string& comment,
                          TimePoint now);

  // Fires every deadline due at or before `now`, in order.
  void Tick(TimePoint now);
  [[nodiscard]] std::optional<TimePoint> NextDeadline() const;

  // Decisions made since the last call, in order.
  std::vector<Notification> TakeNotifications();

  // Silences (run-time state; the config's own are in model().config).
  std::string AddSilence(rules::Silence silence, TimePoint now);
  Result<void> ExpireSilence(const std::string& id, TimePoint now);
  [[nodiscard]] const std::vector<rules::Silence>& silences() const { return silences_; }
  // Forgets run-time silences that ended at or before `cutoff`; their ids.
  std::vector<std::string> PruneSilences(TimePoint cutoff);
  // The id the next run-time silence gets ("s-N"): N.
  [[nodiscard]] std::uint64_t NextSilenceId() const { return next_silence_; }

  // Reroutes (run-time state): new alerts of the team's routes take the
  // reroute's escalation. Add checks the team and escalation exist (and
  // that `until`, when set, is after `now`) and assigns the id.
  Result<std::string> AddReroute(Reroute reroute, TimePoint now);
  Result<void> ClearReroute(const std::string& id);
  // Drops reroutes whose `until` has passed; returns them.
  std::vector<Reroute> EndReroutes(TimePoint now);
  // Drops reroutes whose team or escalation the model's config no longer
  // has (a reload removed it); returns them. Each open alert that one of
  // them routed gets a note that it ended and why (`now`): its routing falls
  // back to the route's own escalation.
  std::vector<Reroute> EndOrphanReroutes(TimePoint now);
  [[nodiscard]] const std::vector<Reroute>& reroutes() const { return reroutes_; }
  // The reroute in force for `team` at `now`, or null (the newest wins).
  [[nodiscard]] const Reroute* ActiveReroute(std::string_view team, TimePoint now) const;
  // At restore: the stored reroutes; ids below `next_id` are taken.
  void RestoreReroutes(std::vector<Reroute> reroutes, std::uint64_t next_id);

  // Facts the shell learns after a decision (a delivery succeeded or failed)
  // join the alert's timeline. Unknown ids are ignored.
  void Annotate(AlertId id, TimePoint at, const Note& note);
  // The thread of the alert's messages in a chat channel: set by the first
  // delivered message (later ones do not move it); "" when none.
  void SetThread(AlertId id, const std::string& channel, const std::string& ref);
  [[nodiscard]] std::string ThreadOf(AlertId id, const std::string& channel) const;
  // Whether a notification about the alert reached `channel` (a delivery
  // in its timeline, or a chat thread there): a chat button may act only
  // on what its channel was sent.
  [[nodiscard]] bool SentVia(AlertId id, const std::string& channel) const;
  // Forgets alerts resolved before `before`; returns how many.
  // `forgetting`, when set, sees each alert just before it goes (history).
  std::size_t PruneResolved(TimePoint before,
                            const std::function<void(const Alert&)>& forgetting = {});

  // Persistence. TakeChanges() returns the alerts changed since the last call
  // (to be written in full), those only seen again (a re-send moved
  // updated_at / ends_at: a small write), and the ids forgotten by
  // PruneResolved (to be deleted).
  struct Changes {
    std::vector<AlertId> changed;
    std::vector<AlertId> touched;  // not in `changed`
    std::vector<AlertId> forgotten;
  };
  Changes TakeChanges();
  // Marks alerts changed again (their write failed and must be retried).
  void MarkChanged(const std::vector<AlertId>& ids);
  // Ids below these are taken: the store knows ids of rows it could not
  // decode or has pruned, which must never be handed out again (an old ack
  // link would act on the new alert). Call after Restore.
  void ReserveIds(AlertId next_alert, std::uint64_t next_silence);
  [[nodiscard]] AlertId next_alert_id() const { return next_alert_id_; }
  // Rebuilds the state from stored alerts and silences: groups, and every
  // deadline from each alert's own fields; deadlines already past fire at
  // the next Tick. REQUIRES: a fresh engine.
  void Restore(std::vector<Alert> alerts, std::vector<rules::Silence> silences, TimePoint now);
  // The same from alerts loaded in parts (one per loading thread), taken in
  // order: no copy into one vector first.
  void Restore(std::vector<std::vector<Alert>> parts, std::vector<rules::Silence> silences,
               TimePoint now);

  [[nodiscard]] const Alert* Find(AlertId id) const;
  [[nodiscard]] const Alert* FindByKey(const std::string& key) const;  // open alerts
  void ForEachAlert(const std::function<void(const Alert&)>& fn) const;
  [[nodiscard]] std::size_t AlertCount() const { return alerts_.size(); }

  struct Counters {
    std::uint64_t escalations = 0;
    std::uint64_t holds = 0;
    std::uint64_t handovers = 0;
    std::uint64_t dropped = 0;
    std::uint64_t unrouted = 0;
    std::uint64_t rerouted = 0;
  };
  [[nodiscard]] const Counters& counters() const { return counters_; }

 private:
  enum class DeadlineKind : std::uint8_t {
    kGroupFlush,
    kEscalate,
    kRelease,
    kRecheck,
    kExpire,
    kHandover
  };
  struct Deadline {  // 40 bytes: one or two per open alert
    TimePoint at;
    std::uint64_t target;  // alert id, or group key
    std::uint64_t gen;
    std::uint64_t seq;  // FIFO among equal times
    std::int32_t slot;  // routing index
    DeadlineKind kind;
    bool operator>(const Deadline& o) const { return at != o.at ? at > o.at : seq > o.seq; }
  };
  struct Group {
    int route = 0;
    std::vector<std::pair<AlertId, int>> pending;  // (alert, slot)
    std::optional<TimePoint> flush_at;
    std::optional<TimePoint> last_flush;
    std::uint64_t gen = 0;
    std::size_t open = 0;  // alerts of this group not yet resolved
  };
  // Notifications collected during one operation, merged per person.
  struct Batch;

  IngestResult Refresh(AlertId id, const Event& event, TimePoint now, IngestResult result);
  IngestResult Open(const Event& event, TimePoint now, IngestResult result);
  void Schedule(TimePoint at, DeadlineKind kind, std::uint64_t target, int slot, std::uint64_t gen);
  void Evaluate(Alert& a, int slot, TimePoint now, Batch& batch);
  void AddToGroup(Alert& a, int slot, TimePoint now, Batch& batch);
  void FlushGroup(std::uint64_t key, TimePoint now, Batch& batch);
  void RunStep(Alert& a, int slot, TimePoint now, Batch& batch, const std::string& reason,
               bool digest);
  void NobodyOnDuty(Alert& a, int slot, TimePoint now, Batch& batch, const config::Escalation& esc,
                    const config::EscalationStep& step);
  void Advance(Alert& a, int slot, TimePoint now, Batch& batch, const std::string& why);
  void Release(Alert& a, int slot, TimePoint now, Batch& batch);
  void ResolveAlert(Alert& a, const std::string& why, TimePoint now, Batch& batch);
  void Fire(const Deadline& d, TimePoint now, Batch& batch);
  void Emit(Batch& batch);
  // People of the step who are on duty; with `skipped`, the others of the
  // step (person, reason code, reason) are added to that note.
  std::vector<std::string> OnDutyForStep(const config::EscalationStep& step, TimePoint now,
                                         Note* skipped) const;
  std::optional<schedule::NextDuty> NextForStep(const config::EscalationStep& step,
                                                TimePoint now) const;
  const config::Escalation* EscalationOf(const Alert& a, int slot) const;
  const config::Route* RouteOf(const Alert& a, int slot) const;
  void Record(Alert& a, TimePoint at, const Note& note);
  void SetOpen(const Alert& a);
  // The first silence, run-time or in the config, that mutes `labels` now.
  [[nodiscard]] const rules::Silence* MutedBy(const LabelSet& labels, TimePoint now) const;
  // Marks the routing silenced (and re-checked when the silence ends) if a
  // silence mutes the alert now.
  bool Silenced(Alert& a, int slot, TimePoint now);
  // The re-plan index: which alerts wait on which step, or on whose duty.
  void Reindex(const Alert& a);
  void Unindex(const Alert& a);
  void SyncIndex();
  void ReplanHold(Alert& a, int slot, TimePoint now, Batch& batch, const std::string& reason);
  void ReplanHandover(Alert& a, TimePoint now, Batch& batch, const std::string& reason);
  void HandOver(Alert& a, TimePoint now, Batch& batch);
  [[nodiscard]] bool StepTouched(const config::EscalationStep& step,
                                 const RosterChange& change) const;

  std::shared_ptr<const Model> model_;
  std::unordered_map<AlertId, Alert> alerts_;
  // Keys are views of the open alert's own `key` (alerts_ nodes never move):
  // a million open alerts need not hold each key twice. SetOpen keeps the
  // view and the id together.
  std::unordered_map<std::string_view, AlertId> open_by_key_;
  std::unordered_map<std::uint64_t, Group> groups_;
  std::priority_queue<Deadline, std::vector<Deadline>, std::greater<>> deadlines_;
  std::vector<rules::Silence> silences_;
  std::vector<Reroute> reroutes_;
  std::uint64_t next_reroute_id_ = 1;
  std::vector<Notification> out_;
  AlertId next_alert_id_ = 1;
  std::uint64_t next_notification_id_ = 1;
  std::uint64_t next_seq_ = 1;
  std::uint64_t next_silence_ = 1;
  Counters counters_;
  // Resolved alerts by resolution time, oldest on top, for PruneResolved.
  std::priority_queue<std::pair<TimePoint, AlertId>, std::vector<std::pair<TimePoint, AlertId>>,
                      std::greater<>>
      resolved_order_;
  // Holds (a firing routing held, or a resolved one whose release will list
  // it) by (escalation, step index); codes are alert id << 16 | slot.
  using HoldBuckets = std::map<std::pair<std::string, int>, std::unordered_set<std::uint64_t>>;
  HoldBuckets holds_;
  std::unordered_map<std::uint64_t, HoldBuckets::iterator> hold_of_;
  // Acked alerts with a handover planned, by the person who acked.
  std::unordered_map<std::string, std::unordered_set<AlertId>> handovers_;
  std::unordered_map<AlertId, std::string> handover_of_;
  std::vector<AlertId> reindex_;  // alerts whose plan may have changed in this operation
  std::unordered_set<AlertId> changed_;
  std::unordered_set<AlertId> touched_;
  std::vector<AlertId> forgotten_;
};

}  // namespace rota::engine
