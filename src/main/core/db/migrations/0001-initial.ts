/**
 * Migration 1: the initial archive schema. Never edit once shipped: the archive records a hash of
 * this text and refuses to open if it changes. Add a new numbered migration instead.
 *
 * Absent optional text is stored as '' (NOT NULL DEFAULT ''), so keyset pagination and NOT IN
 * filters never meet NULL's three-valued logic; reading maps '' back to null.
 *
 * Each sortable column has one index on (column, occurred_at): the implicit rowid makes it
 * (column, occurred_at, id), which serves both "sort by column" (ties newest first) and
 * "filter on column, sort by time", so one index per column does both jobs.
 *
 * Account and run ids never come back after a purge (AUTOINCREMENT): other tables and the UI
 * refer to them. Event ids skip AUTOINCREMENT to keep ingest lean; they still only grow, except
 * that purging the newest account's events lets later events take those ids again.
 */
export const sql = `
CREATE TABLE accounts (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  name TEXT NOT NULL UNIQUE,
  kind TEXT NOT NULL,
  url TEXT NOT NULL,
  options TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(options)),
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  removed_at INTEGER
) STRICT;

CREATE TABLE events (
  id INTEGER PRIMARY KEY,
  account_id INTEGER NOT NULL REFERENCES accounts (id),
  source_event_id TEXT NOT NULL,
  occurred_at INTEGER NOT NULL,
  action TEXT NOT NULL DEFAULT '',
  verb TEXT NOT NULL,
  activity TEXT NOT NULL,
  outcome TEXT NOT NULL,
  actor TEXT NOT NULL DEFAULT '',
  actor_kind TEXT NOT NULL,
  namespace TEXT NOT NULL DEFAULT '',
  repository TEXT NOT NULL DEFAULT '',
  tag TEXT NOT NULL DEFAULT '',
  digest TEXT NOT NULL DEFAULT '',
  target TEXT NOT NULL DEFAULT '',
  client_ip TEXT NOT NULL DEFAULT '',
  user_agent TEXT NOT NULL DEFAULT '',
  label TEXT NOT NULL DEFAULT '',
  raw TEXT NOT NULL,
  chain_hash TEXT NOT NULL,
  ingested_at INTEGER NOT NULL,
  UNIQUE (account_id, source_event_id)
) STRICT;

CREATE INDEX events_occurred_at ON events (occurred_at);
CREATE INDEX events_account ON events (account_id, occurred_at);
CREATE INDEX events_label ON events (label, occurred_at);
CREATE INDEX events_repository ON events (repository, occurred_at);
CREATE INDEX events_tag ON events (tag, occurred_at);
CREATE INDEX events_digest ON events (digest, occurred_at);
CREATE INDEX events_verb ON events (verb, occurred_at);
CREATE INDEX events_activity ON events (activity, occurred_at);
CREATE INDEX events_actor ON events (actor, occurred_at);
CREATE INDEX events_outcome ON events (outcome, occurred_at);
CREATE INDEX events_client_ip ON events (client_ip, occurred_at);

CREATE VIRTUAL TABLE events_fts USING fts5 (
  label, action, actor, repository, tag, digest, target, client_ip, user_agent,
  content = 'events', content_rowid = 'id', columnsize = 0
);

CREATE TRIGGER events_fts_insert AFTER INSERT ON events BEGIN
  INSERT INTO events_fts (rowid, label, action, actor, repository, tag, digest, target, client_ip, user_agent)
  VALUES (new.id, new.label, new.action, new.actor, new.repository, new.tag, new.digest, new.target, new.client_ip, new.user_agent);
END;

CREATE TRIGGER events_fts_delete AFTER DELETE ON events BEGIN
  INSERT INTO events_fts (events_fts, rowid, label, action, actor, repository, tag, digest, target, client_ip, user_agent)
  VALUES ('delete', old.id, old.label, old.action, old.actor, old.repository, old.tag, old.digest, old.target, old.client_ip, old.user_agent);
END;

CREATE TRIGGER events_fts_update AFTER UPDATE OF label, action, actor, repository, tag, digest, target, client_ip, user_agent ON events BEGIN
  INSERT INTO events_fts (events_fts, rowid, label, action, actor, repository, tag, digest, target, client_ip, user_agent)
  VALUES ('delete', old.id, old.label, old.action, old.actor, old.repository, old.tag, old.digest, old.target, old.client_ip, old.user_agent);
  INSERT INTO events_fts (rowid, label, action, actor, repository, tag, digest, target, client_ip, user_agent)
  VALUES (new.id, new.label, new.action, new.actor, new.repository, new.tag, new.digest, new.target, new.client_ip, new.user_agent);
END;

CREATE TABLE chain_heads (
  account_id INTEGER PRIMARY KEY REFERENCES accounts (id),
  head TEXT NOT NULL,
  count INTEGER NOT NULL
) STRICT;

CREATE TABLE sync_cursors (
  account_id INTEGER NOT NULL REFERENCES accounts (id),
  stream TEXT NOT NULL,
  cursor TEXT NOT NULL CHECK (json_valid(cursor)),
  updated_at INTEGER NOT NULL,
  PRIMARY KEY (account_id, stream)
) STRICT;

CREATE TABLE sync_runs (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  account_id INTEGER NOT NULL REFERENCES accounts (id),
  started_at INTEGER NOT NULL,
  finished_at INTEGER,
  status TEXT NOT NULL CHECK (status IN ('running', 'ok', 'failed', 'cancelled')),
  pages INTEGER NOT NULL DEFAULT 0,
  inserted INTEGER NOT NULL DEFAULT 0,
  duplicates INTEGER NOT NULL DEFAULT 0,
  error_code TEXT,
  error_message TEXT
) STRICT;
CREATE INDEX sync_runs_account ON sync_runs (account_id, id);

CREATE TABLE sync_locks (
  account_id INTEGER PRIMARY KEY REFERENCES accounts (id),
  pid INTEGER NOT NULL,
  host TEXT NOT NULL,
  acquired_at INTEGER NOT NULL,
  heartbeat_at INTEGER NOT NULL
) STRICT;
`
