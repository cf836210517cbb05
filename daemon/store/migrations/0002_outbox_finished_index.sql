-- 0002: retention finds finished notifications by an index instead of
-- scanning the whole outbox every 5 s (with a million delivered rows the scan
-- read the whole file each time; see docs/benchmarks.md).
CREATE INDEX outbox_finished ON outbox(created_at) WHERE state != 'pending';
