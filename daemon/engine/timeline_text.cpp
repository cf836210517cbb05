#include "engine/timeline_text.h"

#include "core/time.h"

namespace rota::engine {
namespace {

std::string Joined(const Timeline::Entry& e, Field f) {
  std::string out;
  for (auto v : e.All(f)) {
    out += out.empty() ? "" : ", ";
    out += v;
    if (v.starts_with("channel:")) {
      out += " (a channel: no hours)";  // the one exception to "hours are law"
    }
  }
  return out;
}

std::string Instant(const Timeline::Entry& e, Field f) {
  const auto t = e.Time(f);
  return t ? FormatRfc3339(*t) : std::string("?");
}

std::string S(std::string_view v) { return std::string(v); }

// "; skipped alice: outside hours until ..." for each person skipped.
std::string Skipped(const Timeline::Entry& e) {
  const auto who = e.All(Field::kSkipped);
  const auto why = e.All(Field::kSkippedWhy);
  std::string out;
  for (std::size_t i = 0; i < who.size(); ++i) {
    out += "; skipped " + S(who[i]) + ": " + (i < why.size() ? S(why[i]) : std::string());
  }
  return out;
}

std::string StepLabel(const Timeline::Entry& e) {
  return "step " + S(e.Get(Field::kStep)) + " (" + S(e.Get(Field::kTargets)) + ")";
}

std::string Delivery(const Timeline::Entry& e, std::string_view outcome) {
  const std::int64_t n = e.Number(Field::kAttempts);
  std::string out = S(outcome) + " to " + S(e.Get(Field::kPerson)) + " via " +
                    S(e.Get(Field::kChannel)) + " (" + S(e.Get(Field::kDetail)) + ", " +
                    std::to_string(n) + (n == 1 ? " attempt)" : " attempts)");
  if (e.Has(Field::kReason)) {
    out += "; " + S(e.Get(Field::kReason));
  }
  return out;
}

}  // namespace

std::string Describe(const Timeline::Entry& e) {
  switch (e.kind()) {
    case EntryKind::kNote:
      return S(e.Get(Field::kText));
    case EntryKind::kReceived:
      return "received from " + S(e.Get(Field::kSource)) + " " + S(e.Get(Field::kLabels));
    case EntryKind::kUnrouted:
      return "no route matches: unrouted (add a last route without matchers to catch all)";
    case EntryKind::kMatched:
      return "matched route " + S(e.Get(Field::kRoute)) + " (escalation " +
             S(e.Get(Field::kEscalation)) + ")";
    case EntryKind::kSilenced:
      return "silenced by " + S(e.Get(Field::kSilence)) + " until " + Instant(e, Field::kUntil);
    case EntryKind::kInhibited:
      return "inhibited by alert " + S(e.Get(Field::kAlert)) + " " + S(e.Get(Field::kLabels));
    case EntryKind::kMuted:
      return "route " + S(e.Get(Field::kRoute)) + " muted (mute_time_intervals) until " +
             Instant(e, Field::kUntil);
    case EntryKind::kInactive:
      return "route " + S(e.Get(Field::kRoute)) + " not active (active_time_intervals)" +
             (e.Has(Field::kUntil) ? " until " + Instant(e, Field::kUntil) : std::string());
    case EntryKind::kJoinedGroup:
      return "joined group " + S(e.Get(Field::kGroup)) + ", notified at " +
             Instant(e, Field::kUntil);
    case EntryKind::kGrouped:
      return "grouped by " + S(e.Get(Field::kGroup)) + "; group notifies at " +
             Instant(e, Field::kUntil) + " (" + S(e.Get(Field::kReason)) + ")";
    case EntryKind::kContactSkipped:
      return "not sent to " + S(e.Get(Field::kPerson)) + " via " + S(e.Get(Field::kChannel)) +
             ": acknowledged or resolved before this contact's turn (after:)";
    case EntryKind::kReplanned:
      return "plan made again: " + S(e.Get(Field::kReason));
    case EntryKind::kRetrying:
      return "not delivered to " + S(e.Get(Field::kPerson)) + " via " + S(e.Get(Field::kChannel)) +
             " (" + S(e.Get(Field::kDetail)) + "); retrying, next at " + Instant(e, Field::kUntil);
    case EntryKind::kSuperseded:
      return "resolved notice not sent to " + S(e.Get(Field::kPerson)) + " via " +
             S(e.Get(Field::kChannel)) + ": the alert notice before it was never delivered there";
    case EntryKind::kRerouted:
      return "rerouted by " + S(e.Get(Field::kReroute)) + ": route " + S(e.Get(Field::kRoute)) +
             " uses escalation " + S(e.Get(Field::kEscalation)) + " (" + S(e.Get(Field::kReason)) +
             ")" + (e.Has(Field::kUntil) ? " until " + Instant(e, Field::kUntil) : std::string());
    case EntryKind::kNotified:
      return StepLabel(e) + ": notified " + Joined(e, Field::kPeople) + Skipped(e);
    case EntryKind::kDigest:
      return StepLabel(e) + ": digest to " + Joined(e, Field::kPeople) + Skipped(e);
    case EntryKind::kNobodyOnDuty:
      return StepLabel(e) + ": nobody on duty" + Skipped(e);
    case EntryKind::kDropped:
      return "dropped (when_nobody_on_duty: drop)";
    case EntryKind::kNoneWithinYear:
      return "nobody in " + StepLabel(e) + " is on duty within a year";
    case EntryKind::kHeld:
      return "held until " + Instant(e, Field::kUntil) + " for " + Joined(e, Field::kPeople) +
             (e.Has(Field::kWake) ? "; max_hold moves on at " + Instant(e, Field::kWake)
                                  : std::string());
    case EntryKind::kRepeating:
      return "repeating the escalation (round " + S(e.Get(Field::kRound)) + " of " +
             S(e.Get(Field::kOf)) + ")";
    case EntryKind::kExhausted:
      return "escalation exhausted: " + S(e.Get(Field::kReason)) + "; reminding step " +
             S(e.Get(Field::kStep)) + " every repeat_interval, next at " +
             Instant(e, Field::kUntil);
    case EntryKind::kEscalated:
      return "escalated to step " + S(e.Get(Field::kStep)) + ": " + S(e.Get(Field::kReason));
    case EntryKind::kListedResolved:
      return "listed as resolved while held in the digest to " + Joined(e, Field::kPeople);
    case EntryKind::kResolved:
      return S(e.Get(Field::kReason));
    case EntryKind::kResolvedNotice:
      return "resolved notice to " + Joined(e, Field::kPeople);
    case EntryKind::kAcknowledged:
      return "acknowledged by " + S(e.Get(Field::kBy)) +
             (e.Has(Field::kComment) ? ": " + S(e.Get(Field::kComment)) : std::string());
    case EntryKind::kHandoverPlanned:
      return "hands over at " + Instant(e, Field::kUntil) + " when " + S(e.Get(Field::kBy)) +
             "'s hours end, if still unresolved";
    case EntryKind::kNoHandover:
      return S(e.Get(Field::kBy)) + " is not on duty: no handover scheduled";
    case EntryKind::kHandedOver:
      return "handed over: " + S(e.Get(Field::kBy)) + "'s hours ended with the alert unresolved";
    case EntryKind::kDelivered:
      return Delivery(e, "delivered");
    case EntryKind::kRejected:
      return Delivery(e, "rejected");
    case EntryKind::kFailed:
      return Delivery(e, "failed");
    case EntryKind::kHoursEnded:
      return "not delivered to " + S(e.Get(Field::kPerson)) + ": their hours ended before " +
             S(e.Get(Field::kChannel)) + " answered";
  }
  return S(e.Get(Field::kText));
}

}  // namespace rota::engine
