-- What a review needs of each alert (review::AlertFacts as JSON), kept after
-- the alert itself is forgotten at storage.retention, for
-- storage.history_retention (issue 17, docs/reviews.md).
CREATE TABLE alert_history (
  id          INTEGER PRIMARY KEY,
  received_at INTEGER NOT NULL,  -- Unix ms
  doc         TEXT NOT NULL
);
CREATE INDEX alert_history_received ON alert_history(received_at);
