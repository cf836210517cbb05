-- 0003: a re-send (an alert seen again, its endsAt moved) updates two columns
-- instead of rewriting the alert's document with its timeline. The columns
-- are authoritative for last-seen and endsAt; the document's copies are what
-- they were at its last full write.
ALTER TABLE alerts ADD COLUMN ends_at INTEGER;
UPDATE alerts SET ends_at = json_extract(doc, '$.ends');
-- meta 'next_alert_id' (written with the batches that hand out new ids)
-- keeps an id from being reused after its row was pruned; Load takes the
-- larger of it and max(id) + 1, so rows that do not decode keep theirs too.
-- The engine keeps open alerts by key in memory; nothing reads this index,
-- and every new or resolved alert paid a page write for it.
DROP INDEX IF EXISTS alerts_open_by_key;
