#include "notify/compose.h"

#include <boost/json.hpp>
#include <cstdio>

#include "core/hash.h"
#include "core/time.h"

namespace rota::notify {
namespace {

namespace json = boost::json;

json::object AlertData(const engine::Alert& a, const std::string& ack_url) {
  json::object labels;
  for (const auto& [k, v] : a.labels.pairs()) {
    labels[k] = v;
  }
  json::object annotations;
  for (const auto& [k, v] : a.annotations) {
    annotations[k] = v;
  }
  return json::object{{"id", std::to_string(a.id)},
                      {"fingerprint", a.key},
                      {"status", engine::AlertStateName(a.state)},
                      {"labels", std::move(labels)},
                      {"annotations", std::move(annotations)},
                      {"starts_at", FormatRfc3339(a.starts_at)},
                      {"ack_url", ack_url}};
}

}  // namespace

std::vector<Outgoing> Compose(const engine::Notification& n, const config::Person& person,
                              const ComposeContext& ctx) {
  std::vector<Outgoing> out;
  json::array alerts;
  json::array resolved;
  std::string summary;
  std::string first_ack;
  const auto add = [&](engine::AlertId id, json::array& into) {
    const engine::Alert* a = ctx.find(id);
    if (a == nullptr) {
      return;
    }
    const std::string ack = ctx.ack_url(a->id, n.person);
    if (&into == &alerts && first_ack.empty()) {
      first_ack = ack;
    }
    into.push_back(AlertData(*a, ack));
    if (summary.size() < 200) {
      summary += (summary.empty() ? "" : "; ") + std::string(a->labels.Get("alertname"));
    }
  };
  for (engine::AlertId id : n.alerts) {
    add(id, alerts);
  }
  for (engine::AlertId id : n.resolved) {
    add(id, resolved);
  }
  const std::string kind(engine::NotificationKindName(n.kind));
  const auto decided_ms = n.at.time_since_epoch().count();
  for (std::size_t c = 0; c < person.contacts.size(); ++c) {
    const auto& contact = person.contacts[c];
    if (!ctx.has_channel(contact.channel)) {
      continue;
    }
    // A delayed contact is for pages and digests only: a resolved notice
    // goes to the contacts tried at once.
    if (contact.after > Duration(0) && (n.kind == engine::NotificationKind::kResolved ||
                                        n.kind == engine::NotificationKind::kAcknowledged)) {
      continue;
    }
    const std::int64_t not_before =
        contact.after > Duration(0)
            ? decided_ms +
                  std::chrono::duration_cast<std::chrono::milliseconds>(contact.after).count()
            : 0;
    const std::string base =
        std::to_string(decided_ms) + "-" + std::to_string(n.id) + "-" + std::to_string(c);
    const auto make = [&](std::string id, const json::array& firing, const json::array& gone,
                          std::vector<engine::AlertId> ids, const std::string& ack,
                          const std::string& k) {
      Message m;
      m.id = std::move(id);
      m.recipient = n.person;
      m.to = contact.to;
      m.created_ms = decided_ms;
      m.alert_ids = std::move(ids);
      m.not_before_ms = not_before;
      m.kind = k;
      m.summary = k + ": " + summary;
      const std::string thread = ctx.thread && !m.alert_ids.empty()
                                     ? ctx.thread(m.alert_ids.front(), contact.channel)
                                     : std::string();
      json::object data{
          {"notification_id", m.id},
          {"recipient", n.person},
          {"to", contact.to},
          {"kind", k},
          {"alerts", firing},
          {"resolved_alerts", gone},
          {"route", n.route},
          {"step", n.step},
          {"reason", n.reason},
          {"held_seconds", std::chrono::duration_cast<std::chrono::seconds>(n.held).count()},
          {"after_seconds",
           std::chrono::duration_cast<std::chrono::seconds>(contact.after).count()},
          {"ack_url", ack.empty() ? json::value(nullptr) : json::value(ack)}};
      if (!thread.empty()) {
        data["thread_ts"] = thread;  // a chat thread this alert already has (a Slack bot's)
      }
      m.body = MakeBody(std::move(data));
      out.push_back({std::move(m), contact.channel});
    };
    if (ctx.per_alert && ctx.per_alert(contact.channel)) {
      // An event per alert (PagerDuty, Opsgenie): the firing ones as they
      // are, the ones resolved while held as resolved.
      for (const auto& v : alerts) {
        const auto& a = v.as_object();
        const std::string id(a.at("id").as_string());
        make(base + "-a" + id, json::array{v}, json::array{}, {std::stoull(id)},
             std::string(a.at("ack_url").as_string()), kind);
      }
      for (const auto& v : resolved) {
        const std::string id(v.as_object().at("id").as_string());
        make(base + "-r" + id, json::array{v}, json::array{}, {std::stoull(id)}, "", "resolved");
      }
      continue;
    }
    std::vector<engine::AlertId> ids = n.alerts;
    ids.insert(ids.end(), n.resolved.begin(), n.resolved.end());
    make(base, alerts, resolved, std::move(ids), first_ack, kind);
  }
  return out;
}

ReviewDigest ComposeReview(const config::Config& config, const schedule::Roster& roster,
                           const config::Review& review, const json::object& review_data,
                           const json::object& report, TimePoint occurrence, TimePoint now,
                           const std::function<bool(const std::string&)>& has_channel) {
  ReviewDigest d;
  Fnv1a64 h;
  h.Update(review.key);
  char key_hex[17];
  std::snprintf(key_hex, sizeof key_hex, "%016llx", static_cast<unsigned long long>(h.Digest()));
  const std::string base = "review-" + std::string(key_hex) + "-" +
                           std::to_string(occurrence.time_since_epoch().count());
  const std::string summary =
      "review of " + review.team + " for the period ending " + FormatRfc3339(occurrence) + ": " +
      std::to_string(report.at("alerts").to_number<std::int64_t>()) + " alerts";
  const auto add = [&](const std::string& recipient, const std::string& channel,
                       const std::string& to, const std::string& id, TimePoint at) {
    Message m;
    m.id = id;
    m.recipient = recipient;
    m.to = to;
    m.kind = "review";
    m.created_ms = at.time_since_epoch().count();  // retry_max_age runs from the first attempt
    m.summary = summary;
    m.body = MakeBody(json::object{{"notification_id", m.id},
                                   {"recipient", recipient},
                                   {"to", to},
                                   {"kind", "review"},
                                   {"alerts", json::array()},
                                   {"review", review_data},
                                   {"report", report}});
    d.out.push_back({std::move(m), channel});
    d.at.push_back(at);
  };
  for (std::size_t i = 0; i < review.to.size(); ++i) {
    const std::string& target = review.to[i];
    const std::string id = target.substr(target.find(':') + 1);
    const std::string prefix = base + "-" + std::to_string(i);
    if (config::IsChannelRecipient(target)) {
      const config::Channel* ch = config.FindChannel(id);
      if (ch != nullptr && has_channel(id)) {
        add(target, id, ch->to, prefix, now);
      }
      continue;
    }
    const config::Person* person = config.FindPerson(id);
    if (person == nullptr) {
      continue;
    }
    TimePoint at = now;
    if (!roster.IsOnDuty(id, now)) {
      const auto next = roster.NextPersonOnDuty(id, now);
      if (!next || !next->has_value()) {
        d.unreachable.push_back(id);
        continue;
      }
      at = (*next)->at;
    }
    for (std::size_t c = 0; c < person->contacts.size(); ++c) {
      const auto& contact = person->contacts[c];
      const config::Channel* ch = config.FindChannel(contact.channel);
      if (has_channel(contact.channel) && ch != nullptr && !ch->PerAlert()) {
        add(id, contact.channel, contact.to, prefix + "-" + std::to_string(c), at);
      }
    }
  }
  return d;
}

}  // namespace rota::notify
