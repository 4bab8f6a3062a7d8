/**
 * Migration 2: what the desktop and browser UI keep in, and need from, the archive. Never edit
 * once shipped: the archive records a hash of this text and refuses to open if it changes.
 *
 * `settings` holds one JSON value per key (display time zone, the default auto-sync schedule);
 * `account_auto_sync` an account's own schedule, where it has one (otherwise the default applies).
 * No foreign key on account_id: accounts are removed by the archive's own code, which knows
 * nothing of this table; the UI's handler deletes the row itself, and an orphan row is inert.
 *
 * `events_repository_tag` serves the drawer's "Related" (same repository:tag, in time order):
 * `events_tag` alone would walk every `latest` of every repository to find one repository's.
 */
export const sql = `
CREATE TABLE settings (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL CHECK (json_valid(value)),
  updated_at INTEGER NOT NULL
) STRICT;

CREATE TABLE account_auto_sync (
  account_id INTEGER PRIMARY KEY,
  enabled INTEGER NOT NULL CHECK (enabled IN (0, 1)),
  interval_minutes INTEGER NOT NULL CHECK (interval_minutes > 0),
  updated_at INTEGER NOT NULL
) STRICT;

CREATE INDEX events_repository_tag ON events (repository, tag, occurred_at);
`
