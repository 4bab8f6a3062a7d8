/**
 * Migration 3: what the investigation features keep in the archive (issue 7). Never edit once
 * shipped: the archive records a hash of this text and refuses to open if it changes.
 *
 * No foreign keys to accounts or events: accounts and events are removed by the archive's own
 * code (a purge, local retention), which knows nothing of these tables, and with foreign_keys ON a
 * reference would make those deletes fail. Orphan rows are inert: account ids never come back,
 * and a case pin keeps a copy of its event and checks it against the live row.
 *
 * - `saved_queries`: named queries in the query syntax (relative times stay relative).
 * - `recent_queries`: the last queries run, one row per distinct text.
 * - `cases`, `case_pins`: events pinned to an investigation with a note, and a copy of each event
 *   taken when it was pinned, so a case still exports after the event is pruned.
 * - `chain_checkpoints`: local retention removes events from an account's integrity chain; each
 *   maximal run of removed events (in ingest order) leaves one checkpoint holding the chain hash of
 *   its last event and how many it held, anchored after the held event that precedes the run
 *   (0: the chain's start). Verification steps over the run with it. Anchoring to a held event,
 *   not to the removed ids, keeps this right when SQLite hands removed ids out again.
 * - `retention_runs`: what each prune removed, for coverage and the record.
 * - `pruned_events` and its trigger: a sync re-reads the newest events at its cursor's boundary
 *   (overlap makes that safe, DESIGN.md §5); a pruned event among them would come back. A prune
 *   records the source ids of the pruned events near the account's newest, and the trigger skips
 *   an insert of one of them (RAISE(IGNORE): the archive sees a duplicate, and the chain does not
 *   move). On an empty table the check costs one index probe per insert.
 */
export const sql = `
CREATE TABLE saved_queries (
  name TEXT PRIMARY KEY,
  query TEXT NOT NULL,
  sort TEXT CHECK (sort IS NULL OR json_valid(sort)),
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
) STRICT;

CREATE TABLE recent_queries (
  query TEXT PRIMARY KEY,
  sort TEXT CHECK (sort IS NULL OR json_valid(sort)),
  used_at INTEGER NOT NULL,
  uses INTEGER NOT NULL DEFAULT 1
) STRICT;
CREATE INDEX recent_queries_used ON recent_queries (used_at);

CREATE TABLE cases (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  name TEXT NOT NULL UNIQUE,
  description TEXT NOT NULL DEFAULT '',
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
) STRICT;

CREATE TABLE case_pins (
  case_id INTEGER NOT NULL,
  event_id INTEGER NOT NULL,
  note TEXT NOT NULL DEFAULT '',
  pinned_at INTEGER NOT NULL,
  event TEXT NOT NULL CHECK (json_valid(event)),
  PRIMARY KEY (case_id, event_id)
) STRICT;
CREATE INDEX case_pins_event ON case_pins (event_id);

CREATE TABLE chain_checkpoints (
  account_id INTEGER NOT NULL,
  after_event_id INTEGER NOT NULL,
  hash TEXT NOT NULL,
  count INTEGER NOT NULL CHECK (count > 0),
  created_at INTEGER NOT NULL,
  PRIMARY KEY (account_id, after_event_id)
) STRICT;

CREATE TABLE retention_runs (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  account_id INTEGER NOT NULL,
  ran_at INTEGER NOT NULL,
  cutoff INTEGER NOT NULL,
  deleted INTEGER NOT NULL,
  kept_pinned INTEGER NOT NULL
) STRICT;
CREATE INDEX retention_runs_account ON retention_runs (account_id, id);

CREATE TABLE pruned_events (
  account_id INTEGER NOT NULL,
  source_event_id TEXT NOT NULL,
  PRIMARY KEY (account_id, source_event_id)
) STRICT, WITHOUT ROWID;

CREATE TRIGGER events_skip_pruned BEFORE INSERT ON events
WHEN EXISTS (SELECT 1 FROM pruned_events WHERE account_id = new.account_id AND source_event_id = new.source_event_id)
BEGIN
  SELECT RAISE(IGNORE);
END;
`
