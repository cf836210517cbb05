#include "config/config.h"

#include <algorithm>

namespace rota::config {
namespace {

template <typename T, typename Key>
const T* FindBy(const std::vector<T>& items, std::string_view key, Key T::*field) {
  auto it =
      std::find_if(items.begin(), items.end(), [&](const T& item) { return item.*field == key; });
  return it == items.end() ? nullptr : &*it;
}

}  // namespace

std::string_view ChannelTypeName(ChannelType t) {
  switch (t) {
    case ChannelType::kWebhook:
      return "webhook";
    case ChannelType::kSlack:
      return "slack";
    case ChannelType::kEmail:
      return "email";
    case ChannelType::kLog:
      return "log";
    case ChannelType::kMattermost:
      return "mattermost";
    case ChannelType::kMsTeams:
      return "msteams";
    case ChannelType::kTelegram:
      return "telegram";
    case ChannelType::kNtfy:
      return "ntfy";
    case ChannelType::kPagerDuty:
      return "pagerduty";
    case ChannelType::kOpsgenie:
      return "opsgenie";
  }
  return "log";
}

std::string_view NobodyOnDutyName(NobodyOnDuty p) {
  switch (p) {
    case NobodyOnDuty::kHold:
      return "hold";
    case NobodyOnDuty::kNext:
      return "next";
    case NobodyOnDuty::kDrop:
      return "drop";
  }
  return "hold";
}

const Channel* Config::FindChannel(std::string_view name) const {
  return FindBy(channels, name, &Channel::name);
}
const NamedInterval* Config::FindInterval(std::string_view name) const {
  return FindBy(time_intervals, name, &NamedInterval::name);
}
const Person* Config::FindPerson(std::string_view id) const {
  return FindBy(people, id, &Person::id);
}
const Team* Config::FindTeam(std::string_view id) const { return FindBy(teams, id, &Team::id); }

std::vector<std::string> TeamsPagedBy(const Config& config, const Escalation& escalation) {
  std::vector<std::string> teams;
  for (const auto& step : escalation.steps) {
    for (const auto& target : step.notify) {
      if (target.kind == Target::Kind::kTeam) {
        teams.push_back(target.id);
      } else if (target.kind == Target::Kind::kPerson) {
        for (const auto& t : config.teams) {
          if (std::find(t.members.begin(), t.members.end(), target.id) != t.members.end()) {
            teams.push_back(t.id);
          }
        }
      }
    }
  }
  std::sort(teams.begin(), teams.end());
  teams.erase(std::unique(teams.begin(), teams.end()), teams.end());
  return teams;
}

std::string_view EveryName(Review::Every e) {
  switch (e) {
    case Review::Every::kWeek:
      return "1w";
    case Review::Every::kFourWeeks:
      return "4w";
    case Review::Every::kMonth:
      return "1mo";
  }
  return "1w";
}
const Escalation* Config::FindEscalation(std::string_view name) const {
  return FindBy(escalations, name, &Escalation::name);
}

}  // namespace rota::config
