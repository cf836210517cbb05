-- 0001: rota's state on PostgreSQL, the same tables as SQLite's migrations
-- 0001-0004 end with (times are Unix milliseconds), plus what several
-- instances on one database need: the leader's lease and the inbox.

CREATE TABLE alerts (
  id          BIGINT PRIMARY KEY,     -- the engine's alert id
  key         TEXT   NOT NULL,        -- fingerprint or dedup key
  state       TEXT   NOT NULL,        -- firing | acknowledged | resolved
  updated_at  BIGINT NOT NULL,
  ends_at     BIGINT,
  resolved_at BIGINT,
  doc         TEXT   NOT NULL,        -- the engine's compact state, JSON
  rev         BIGINT NOT NULL         -- alert_rev at the last write: standbys follow by it
);
CREATE INDEX alerts_resolved_at ON alerts(resolved_at) WHERE resolved_at IS NOT NULL;
CREATE INDEX alerts_rev ON alerts(rev);
CREATE SEQUENCE alert_rev;

-- A re-send's last-seen and endsAt; authoritative over the alert's columns
-- while present; a full write deletes it.
CREATE TABLE alert_seen (
  id         BIGINT PRIMARY KEY,
  updated_at BIGINT NOT NULL,
  ends_at    BIGINT,
  rev        BIGINT NOT NULL   -- alert_rev at the last touch
);
CREATE INDEX alert_seen_rev ON alert_seen(rev);

-- Notifications, written with the decision that made them. A delivered
-- one's row is deleted; failed ones stay until retention.
CREATE TABLE outbox (
  id              BIGSERIAL PRIMARY KEY,
  idempotency_key TEXT    NOT NULL UNIQUE,
  channel         TEXT    NOT NULL,
  recipient       TEXT    NOT NULL,
  kind            TEXT    NOT NULL,
  payload         TEXT    NOT NULL,
  created_at      BIGINT  NOT NULL,
  next_attempt_at BIGINT  NOT NULL,
  attempts        INTEGER NOT NULL DEFAULT 0,
  state           TEXT    NOT NULL DEFAULT 'pending',  -- pending | delivered | failed
  last_error      TEXT,
  claimed_epoch   BIGINT                               -- the leader that last claimed it
);
CREATE INDEX outbox_pending ON outbox(next_attempt_at) WHERE state = 'pending';
CREATE INDEX outbox_finished ON outbox(created_at) WHERE state != 'pending';

CREATE TABLE silences (
  id      TEXT   PRIMARY KEY,
  ends_at BIGINT NOT NULL,
  doc     TEXT   NOT NULL
);
CREATE TABLE overrides (
  id     TEXT   PRIMARY KEY,
  end_at BIGINT NOT NULL,
  doc    TEXT   NOT NULL
);

CREATE TABLE meta (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
);

-- The one leader: a lease with a fencing epoch that rises at every change
-- of holder. Times are the database's clock, so instances' clocks need not agree.
CREATE TABLE leader (
  id         INTEGER PRIMARY KEY CHECK (id = 1),
  holder     TEXT,
  epoch      BIGINT      NOT NULL,
  expires_at TIMESTAMPTZ NOT NULL
);
INSERT INTO leader(id, holder, epoch, expires_at) VALUES (1, NULL, 0, '-infinity');

-- Requests that change state, accepted by an instance that does not lead:
-- durable here before their answer, applied by the leader in id order.
CREATE TABLE inbox (
  id          BIGSERIAL PRIMARY KEY,
  ref         TEXT   NOT NULL UNIQUE,   -- the accepting instance's reference, for its answer
  instance    TEXT   NOT NULL,
  method      TEXT   NOT NULL,
  target      TEXT   NOT NULL,
  body        TEXT   NOT NULL,
  received_at BIGINT NOT NULL
);
-- The leader's answers to inbox requests, for the instance that waits on
-- them (a few seconds at most; pruned). Unlogged: losing them in a crash
-- costs only the answer's detail, never the request.
CREATE UNLOGGED TABLE inbox_answers (
  ref        TEXT PRIMARY KEY,
  status     INTEGER NOT NULL,
  body       TEXT    NOT NULL,
  created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
