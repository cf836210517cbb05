-- 0001: rota's durable state (issue 5). Times are Unix milliseconds.

-- One row per alert: the engine's compact state of it, as JSON, plus the
-- columns queries and retention need.
CREATE TABLE alerts (
  id          INTEGER PRIMARY KEY,    -- the engine's alert id
  key         TEXT    NOT NULL,       -- fingerprint or dedup key
  state       TEXT    NOT NULL,       -- firing | acknowledged | resolved
  updated_at  INTEGER NOT NULL,
  resolved_at INTEGER,
  doc         TEXT    NOT NULL
);
CREATE INDEX alerts_open_by_key ON alerts(key) WHERE state != 'resolved';
CREATE INDEX alerts_resolved_at ON alerts(resolved_at) WHERE resolved_at IS NOT NULL;

-- Notifications are written here in the same transaction as the decision
-- that made them, sent, then marked. idempotency_key is sent to receivers.
CREATE TABLE outbox (
  id              INTEGER PRIMARY KEY,
  idempotency_key TEXT    NOT NULL UNIQUE,
  channel         TEXT    NOT NULL,
  recipient       TEXT    NOT NULL,
  kind            TEXT    NOT NULL,
  payload         TEXT    NOT NULL,
  created_at      INTEGER NOT NULL,
  next_attempt_at INTEGER NOT NULL,
  attempts        INTEGER NOT NULL DEFAULT 0,
  state           TEXT    NOT NULL DEFAULT 'pending',  -- pending | delivered | failed
  last_error      TEXT
);
CREATE INDEX outbox_pending ON outbox(next_attempt_at) WHERE state = 'pending';

-- Run-time silences and overrides (the config's own live in the config).
CREATE TABLE silences (
  id      TEXT    PRIMARY KEY,
  ends_at INTEGER NOT NULL,
  doc     TEXT    NOT NULL
);
CREATE TABLE overrides (
  id     TEXT    PRIMARY KEY,
  end_at INTEGER NOT NULL,
  doc    TEXT    NOT NULL
);

CREATE TABLE meta (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
);
