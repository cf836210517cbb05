#include "ingest/decode.h"

#include <doctest/doctest.h>

#include "../test_util.h"

using namespace rota::ingest;
using rota::engine::Action;
using rota::testing::At;
using namespace std::chrono_literals;

namespace {

std::string ErrorOf(const auto& r) {
  REQUIRE_FALSE(r.has_value());
  return r.error().message();
}

}  // namespace

TEST_CASE("Alertmanager webhook v4: firing and resolved alerts") {
  const std::string body = R"({"version":"4","status":"firing","receiver":"rota","groupKey":"{}:{}",
    "alerts":[
      {"status":"firing","labels":{"alertname":"Down","instance":"db1"},"annotations":{"summary":"db1 down"},
       "startsAt":"2026-11-23T09:00:00.123456789Z","endsAt":"0001-01-01T00:00:00Z","generatorURL":"http://prom/graph"},
      {"status":"resolved","labels":{"alertname":"Down","instance":"db2"},
       "startsAt":"2026-11-23T08:00:00Z","endsAt":"2026-11-23T08:30:00Z"}]})";
  auto events = DecodeAlertmanagerWebhook(body, {});
  REQUIRE(events.has_value());
  REQUIRE(events->size() == 2);
  const auto& a = (*events)[0];
  CHECK(a.source == "alertmanager");
  CHECK(a.labels.Get("instance") == "db1");
  CHECK(a.annotations.at(0).second == "db1 down");
  CHECK(*a.starts_at == At("2026-11-23T09:00:00.123Z"));
  CHECK_FALSE(a.ends_at.has_value());
  CHECK(a.generator_url == "http://prom/graph");
  CHECK(*(*events)[1].ends_at == At("2026-11-23T08:30:00Z"));
}

TEST_CASE("Alertmanager webhook: bad input says what and where") {
  CHECK(ErrorOf(DecodeAlertmanagerWebhook("{", {})).starts_with("invalid JSON"));
  CHECK(ErrorOf(DecodeAlertmanagerWebhook(R"({"version":"3","alerts":[]})", {})) ==
        "version: only webhook payload version \"4\" is supported");
  CHECK(ErrorOf(DecodeAlertmanagerWebhook(R"({"alerts":{}})", {})) == "alerts: expected an array");
  CHECK(ErrorOf(DecodeAlertmanagerWebhook(R"({"alerts":[{"status":"firing","labels":{}}]})", {})) ==
        "alerts[0].labels: at least one label pair required");
  CHECK(
      ErrorOf(
          DecodeAlertmanagerWebhook(
              R"({"alerts":[{"status":"firing","labels":{"a":"b"}},{"status":"firing","labels":{"":"b"}}]})",
              {}))
          .starts_with("alerts[1].labels: label name \"\" is not valid (non-empty UTF-8"));
  // Prometheus 3 and Alertmanager >= 0.27 allow any UTF-8 label name.
  auto utf8 = DecodeAlertmanagerWebhook(
      R"({"alerts":[{"status":"firing","labels":{"service.name":"api","1x":"b","höhe":"c"}}]})",
      {});
  REQUIRE(utf8.has_value());
  CHECK((*utf8)[0].labels.Get("service.name") == "api");
  CHECK((*utf8)[0].labels.Get("1x") == "b");
  CHECK(ErrorOf(DecodeAlertmanagerWebhook(R"({"alerts":[{"status":"gone","labels":{"a":"b"}}]})",
                                          {})) ==
        "alerts[0].status: expected \"firing\" or \"resolved\"");
  CHECK(ErrorOf(DecodeAlertmanagerWebhook(
            R"({"alerts":[{"status":"resolved","labels":{"a":"b"}}]})", {})) ==
        "alerts[0]: a resolved alert needs endsAt");
  CHECK(ErrorOf(DecodeAlertmanagerWebhook(
                    R"({"alerts":[{"status":"firing","labels":{"a":"b"},"startsAt":"yesterday"}]})",
                    {}))
            .starts_with("alerts[0].startsAt: not an RFC 3339 instant"));
}

TEST_CASE("invalid UTF-8 is refused") {
  const std::string bad = "[{\"labels\":{\"a\":\"\xff\xfe\"}}]";
  CHECK(ErrorOf(DecodeAlertsV2(bad, {}, 5min, At("2026-11-23T09:00:00Z")))
            .starts_with("invalid JSON"));
}

TEST_CASE("Alertmanager API v2: defaulting of startsAt and endsAt") {
  const auto now = At("2026-11-23T09:00:00Z");
  auto events = DecodeAlertsV2(R"([
      {"labels":{"alertname":"A"}},
      {"labels":{"alertname":"B"},"startsAt":"2026-11-23T08:00:00Z","endsAt":"2026-11-23T09:04:00Z"},
      {"labels":{"alertname":"C"},"endsAt":"2026-11-23T08:50:00Z"}])",
                               {}, 5min, now);
  REQUIRE(events.has_value());
  CHECK(*(*events)[0].starts_at == now);
  CHECK(*(*events)[0].ends_at == now + 5min);  // resolve_timeout
  CHECK(*(*events)[1].ends_at == At("2026-11-23T09:04:00Z"));
  CHECK(*(*events)[2].starts_at == At("2026-11-23T08:50:00Z"));  // falls back to endsAt
  CHECK((*events)[0].source == "prometheus");
  CHECK(ErrorOf(DecodeAlertsV2(R"({"labels":{}})", {}, 5min, now)) ==
        "expected a JSON array of alerts");
  CHECK(
      ErrorOf(DecodeAlertsV2(
          R"([{"labels":{"a":"b"},"startsAt":"2026-11-23T09:00:00Z","endsAt":"2026-11-23T08:00:00Z"}])",
          {}, 5min, now)) == "[0]: endsAt is before startsAt");
}

TEST_CASE("limits: alerts per request, labels per alert, value sizes") {
  Limits small;
  small.max_alerts = 2;
  small.max_labels = 2;
  small.max_label_value_bytes = 8;
  const auto now = At("2026-11-23T09:00:00Z");
  CHECK(
      ErrorOf(DecodeAlertsV2(R"([{"labels":{"a":"b"}},{"labels":{"a":"c"}},{"labels":{"a":"d"}}])",
                             small, 5min, now)) ==
      "3 alerts in one request, more than the limit of 2 (ingest.max_alerts_per_request)");
  CHECK(ErrorOf(DecodeAlertsV2(R"([{"labels":{"a":"b","c":"d","e":"f"}}])", small, 5min, now)) ==
        "[0].labels: 3 labels, more than the limit of 2");
  CHECK(ErrorOf(DecodeAlertsV2(R"([{"labels":{"a":"123456789"}}])", small, 5min, now)) ==
        "[0].labels.a: value longer than 8 bytes");
}

TEST_CASE("PagerDuty v2: trigger, acknowledge, resolve, with routing-key labels") {
  PagerDutyKeys keys;
  keys.labels_by_key["k123"] = {{"team", "payments"}};
  auto r = DecodePagerDuty(R"({"routing_key":"k123","event_action":"trigger","dedup_key":"disk-1",
      "payload":{"summary":"Disk full on db1","source":"db1","severity":"critical","component":"postgres",
                 "custom_details":{"free":"0%"},"timestamp":"2026-11-23T09:00:00.000+0100"}})",
                           {}, keys);
  // PagerDuty allows +0100; rota needs RFC 3339 (+01:00): reported, not guessed.
  CHECK(ErrorOf(r).find("'payload.timestamp'") != std::string::npos);
  r = DecodePagerDuty(R"({"routing_key":"k123","event_action":"trigger","dedup_key":"disk-1",
      "payload":{"summary":"Disk full on db1","source":"db1","severity":"critical","component":"postgres",
                 "custom_details":{"free":"0%"}}})",
                      {}, keys);
  REQUIRE(r.has_value());
  CHECK(r->dedup_key == "disk-1");
  CHECK(r->event.dedup_key == "disk-1");
  CHECK(r->event.labels.Get("team") == "payments");
  CHECK(r->event.labels.Get("severity") == "critical");
  CHECK(r->event.labels.Get("component") == "postgres");
  CHECK(r->event.labels.Get("alertname") == "Disk full on db1");
  CHECK(r->event.annotations.at(1).second == R"({"free":"0%"})");
  auto ack = DecodePagerDuty(
      R"({"routing_key":"k123","event_action":"acknowledge","dedup_key":"disk-1"})", {}, keys);
  REQUIRE(ack.has_value());
  CHECK(ack->event.action == Action::kAcknowledge);
  auto generated = DecodePagerDuty(R"({"routing_key":"k123","event_action":"trigger",
      "payload":{"summary":"s","source":"x","severity":"info"}})",
                                   {}, keys);
  REQUIRE(generated.has_value());
  CHECK(generated->dedup_key.size() == 16);  // the fingerprint of its labels
}

TEST_CASE("PagerDuty v2: every problem listed") {
  PagerDutyKeys keys;
  keys.labels_by_key["k"] = {};
  const auto msg = ErrorOf(DecodePagerDuty(
      R"({"routing_key":"nope","event_action":"trigger","payload":{"severity":"bad"}})", {}, keys));
  CHECK(msg.find("'routing_key' is not a routing key rota knows") != std::string::npos);
  CHECK(msg.find("'payload.summary' is missing or blank") != std::string::npos);
  CHECK(msg.find("'payload.source' is missing or blank") != std::string::npos);
  CHECK(msg.find("'payload.severity' must be critical, error, warning or info") !=
        std::string::npos);
  CHECK(ErrorOf(DecodePagerDuty(R"({"routing_key":"k","event_action":"resolve"})", {}, keys)) ==
        "'dedup_key' is required for resolve");
  CHECK(ErrorOf(DecodePagerDuty(R"({"routing_key":"k","event_action":"explode","dedup_key":"x"})",
                                {}, keys)) ==
        "'event_action' must be trigger, acknowledge or resolve");
}

TEST_CASE("generic events: one or many, actions, unknown keys refused") {
  auto one = DecodeGeneric(
      R"({"labels":{"alertname":"Backup","job":"nightly"},"annotations":{"summary":"failed"}})",
      {});
  REQUIRE(one.has_value());
  REQUIRE(one->size() == 1);
  CHECK((*one)[0].action == Action::kTrigger);
  CHECK((*one)[0].source == "generic");
  auto many = DecodeGeneric(R"({"events":[{"action":"resolve","dedup_key":"backup-1"},
                                          {"action":"acknowledge","labels":{"alertname":"Backup"},"actor":"alice"}]})",
                            {});
  REQUIRE(many.has_value());
  CHECK((*many)[0].action == Action::kResolve);
  CHECK((*many)[1].actor == "alice");
  CHECK(ErrorOf(DecodeGeneric(R"({"labels":{"a":"b"},"severity":"x"})", {}))
            .starts_with("events[0]: unknown key \"severity\""));
  CHECK(ErrorOf(DecodeGeneric(R"({"action":"resolve"})", {})) ==
        "events[0]: resolve needs the alert's dedup_key or labels");
  CHECK(ErrorOf(DecodeGeneric(R"({"action":"trigger"})", {})) ==
        "events[0].labels: a trigger needs at least one label");
  CHECK(ErrorOf(DecodeGeneric("[1]", {})) == "expected an event object or {\"events\": [...]}");
}

TEST_CASE("every string field is held to the label value limit, naming the field") {
  Limits small;
  small.max_label_value_bytes = 8;
  const std::string big = "123456789";
  PagerDutyKeys keys;
  keys.labels_by_key["k"] = {};
  const auto trigger = [&](const std::string& field, const std::string& where) {
    std::string payload = R"("summary":"s","severity":"info")";
    if (field != "source") {
      payload += R"(,"source":"x")";
    }
    std::string top;
    if (where == "payload") {
      payload += ",\"" + field + "\":\"" + big + "\"";
    } else {
      top = ",\"" + field + "\":\"" + big + "\"";
    }
    return DecodePagerDuty(
        R"({"routing_key":"k","event_action":"trigger")" + top + R"(,"payload":{)" + payload + "}}",
        small, keys);
  };
  CHECK(ErrorOf(trigger("source", "payload")) == "'payload.source' must be at most 8 bytes");
  CHECK(ErrorOf(trigger("component", "payload")) == "'payload.component' must be at most 8 bytes");
  CHECK(ErrorOf(trigger("class", "payload")) == "'payload.class' must be at most 8 bytes");
  CHECK(ErrorOf(trigger("group", "payload")) == "'payload.group' must be at most 8 bytes");
  CHECK(ErrorOf(trigger("client", "top")) == "'client' must be at most 8 bytes");
  // A summary becomes the alertname when there is no class: then it is a label value too.
  const std::string long_summary =
      R"({"routing_key":"k","event_action":"trigger","payload":{"summary":"0123456789","source":"x","severity":"info")";
  CHECK(ErrorOf(DecodePagerDuty(long_summary + "}}", small, keys)) ==
        "'payload.summary' must be at most 8 bytes without 'payload.class' (it becomes the "
        "alertname label)");
  CHECK(DecodePagerDuty(long_summary + R"(,"class":"c"}})", small, keys).has_value());
  // ... and it is an annotation: never over that limit either.
  Limits tiny_annotations;
  tiny_annotations.max_annotation_bytes = 4;
  CHECK(ErrorOf(DecodePagerDuty(long_summary + R"(,"class":"c"}})", tiny_annotations, keys)) ==
        "'payload.summary' must be at most 4 bytes");
  // dedup_key keeps PagerDuty's own limit of 255.
  CHECK(ErrorOf(DecodePagerDuty(R"({"routing_key":"k","event_action":"resolve","dedup_key":")" +
                                    std::string(256, 'd') + "\"}",
                                {}, keys)) == "'dedup_key' must be at most 255 bytes");
  for (const char* field : {"dedup_key", "actor", "url"}) {
    CHECK(ErrorOf(DecodeGeneric(
              std::string(R"({"labels":{"a":"b"},")") + field + "\":\"" + big + "\"}", small)) ==
          std::string("events[0].") + field + ": longer than 8 bytes");
  }
  CHECK(ErrorOf(DecodeAlertsV2(R"([{"labels":{"a":"b"},"generatorURL":")" + big + "\"}]", small,
                               5min, At("2026-11-23T09:00:00Z"))) ==
        "[0].generatorURL: longer than 8 bytes");
}

TEST_CASE("generic events refuse ends_at before starts_at, as API v2 does") {
  CHECK(
      ErrorOf(DecodeGeneric(
          R"({"labels":{"a":"b"},"starts_at":"2026-11-23T10:00:00Z","ends_at":"2026-11-23T09:00:00Z"})",
          {})) == "events[0]: ends_at is before starts_at");
  CHECK(
      DecodeGeneric(
          R"({"labels":{"a":"b"},"starts_at":"2026-11-23T09:00:00Z","ends_at":"2026-11-23T09:00:00Z"})",
          {})
          .has_value());
}
