-- 0004: a re-send moves last-seen (updated_at) and endsAt in a narrow table
-- of its own. In `alerts` those two columns share pages with the documents
-- (a few alerts per 4 KB page), so a batch of 64 re-sends dirtied a page
-- per few alerts and the commit wrote them all to the WAL; here a page holds
-- a couple of hundred rows. A row here is authoritative over the alert's own
-- columns; a full write of the alert deletes it.
CREATE TABLE alert_seen (
  id         INTEGER PRIMARY KEY,  -- alerts.id
  updated_at INTEGER NOT NULL,
  ends_at    INTEGER
);
