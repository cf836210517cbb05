// Time zone names as people write them: which name the tz database calls
// canonical, and what was probably meant by a name it does not know.
//
// `US/Eastern` is an alias of America/New_York (a link in the tz database);
// `EST` is a different zone, a fixed UTC-5 offset with no DST, which is an
// hour off in New York half the year. Both load; the loader warns and names
// the zone to use. `america/new_york` does not load; the error suggests the
// name it differs from only in case.
//
// The links come from the system's tzdata.zi ($TZDIR or /usr/share/zoneinfo),
// read once. Thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace rota::config {

// A warning for a zone name that loads but is not what its writer likely
// meant (an alias, or a fixed-offset or legacy zone), naming the canonical
// zone; nothing for a canonical name (and for UTC, GMT and Etc/UTC).
std::optional<std::string> ZoneAdvice(std::string_view name);

// For an unknown name: "; did you mean X?" when a zone or alias differs from
// it only in case (or in '-' vs '_' and ' ' vs '_'); "" otherwise.
std::string ZoneSuggestion(std::string_view name);

}  // namespace rota::config
