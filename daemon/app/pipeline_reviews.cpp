// Review digests (docs/reviews.md): each schedule in `reviews:`
// is checked on the leader every few seconds (the gauge loop) and when it
// starts to lead. A schedule seen for the first time records its latest
// occurrence without sending (adding a review does not mail last week's
// report at once). One whose last recorded period ends before its latest
// occurrence is due: its history is read off the strand, the report made,
// one message per recipient composed, and the messages are written with
// the schedule's new mark in one commit. Only after that commit do they go
// to the outbox, so a crash before it sends nothing (the next leader sends
// it) and a crash after it resumes the stored messages: sent once. Missed
// occurrences while nobody led collapse into one digest, for the latest.
#include <boost/asio/post.hpp>

#include "app/pipeline.h"
#include "app/pipeline_rows.h"
#include "core/time.h"
#include "http/router.h"
#include "log/log.h"
#include "notify/compose.h"
#include "review/digest.h"
#include "review/facts.h"

namespace rota::app {
namespace {

using pipeline_rows::Ms;

// After a history read fails, the digest is tried again this much later.
constexpr auto kReviewRetry = std::chrono::minutes(1);

}  // namespace

void Pipeline::CheckReviews(TimePoint now) {
  bool baseline = false;
  for (const config::Review& review : config_->reviews) {
    if (reviews_busy_.count(review.key) > 0) {
      continue;
    }
    if (auto r = reviews_retry_at_.find(review.key); r != reviews_retry_at_.end()) {
      if (now < r->second) {
        continue;
      }
      reviews_retry_at_.erase(r);
    }
    const TimePoint occurrence = review::LastOccurrence(review, now);
    const auto sent = reviews_sent_.find(review.key);
    if (sent == reviews_sent_.end()) {
      reviews_sent_[review.key] = Ms(occurrence);
      review_marks_.push_back({review.key, Ms(occurrence)});
      baseline = true;
      log::Info("review digest scheduled",
                {{"team", review.team},
                 {"every", std::string(config::EveryName(review.every))},
                 {"at", review.at},
                 {"timezone", review.timezone},
                 {"next", FormatRfc3339(review::NextOccurrence(review, now))}});
      continue;
    }
    if (sent->second >= Ms(occurrence)) {
      continue;
    }
    const TimePoint from = review::PreviousOccurrence(review, occurrence);
    reviews_busy_.insert(review.key);
    ReadHistory(Ms(from), Ms(occurrence),
                [this, review, from, occurrence](Result<std::vector<std::string>> history) {
                  boost::asio::post(
                      strand_, [this, review, from, occurrence, history = std::move(history)] {
                        reviews_busy_.erase(review.key);
                        if (!history) {
                          log::Warn("cannot read history for a review digest; will try again",
                                    {{"team", review.team}, {"error", history.error().message()}});
                          reviews_retry_at_[review.key] = clock_.Now() + kReviewRetry;
                          return;
                        }
                        SendReview(review, from, occurrence, *history);
                      });
                });
  }
  if (baseline) {
    Commit(nullptr);
  }
}

void Pipeline::SendReview(const config::Review& review, TimePoint from, TimePoint to,
                          const std::vector<std::string>& history) {
  if (stopped_ || !leading_) {
    return;
  }
  // The config may have been reloaded meanwhile: only a schedule still
  // configured is sent, and only once per occurrence.
  const auto current = std::find_if(config_->reviews.begin(), config_->reviews.end(),
                                    [&](const auto& r) { return r.key == review.key; });
  const auto sent = reviews_sent_.find(review.key);
  if (current == config_->reviews.end() ||
      (sent != reviews_sent_.end() && sent->second >= Ms(to))) {
    return;
  }
  const TimePoint now = clock_.Now();
  const auto facts = review::WithHistory(review::FactsReceivedIn(*engine_, from, to), history);
  const review::Report report =
      review::MakeReport(*config_, *roster_, facts, current->team, from, to, now);
  const std::string url = config_->global.external_url +
                          "/ui/report?team=" + http::PercentEncode(current->team) +
                          "&from=" + http::PercentEncode(FormatRfc3339(from)) +
                          "&to=" + http::PercentEncode(FormatRfc3339(to));
  auto digest = notify::ComposeReview(
      *config_, *roster_, *current, review::DigestData(*config_, report, url),
      review::ReportJson(report), to, now,
      [this](const std::string& channel) { return channels_.count(channel) > 0; });
  for (const auto& person : digest.unreachable) {
    log::Warn("review digest not sent to a person with no hours ahead",
              {{"team", current->team}, {"recipient", person}});
  }
  log::Info("review digest composed", {{"team", current->team},
                                       {"from", FormatRfc3339(from)},
                                       {"to", FormatRfc3339(to)},
                                       {"alerts", report.alerts},
                                       {"messages", digest.out.size()}});
  reviews_sent_[current->key] = Ms(to);
  review_marks_.push_back({current->key, Ms(to)});
  std::move(digest.out.begin(), digest.out.end(), std::back_inserter(review_outgoing_));
  std::move(digest.at.begin(), digest.at.end(), std::back_inserter(review_outgoing_at_));
  Commit(nullptr);
}

}  // namespace rota::app
