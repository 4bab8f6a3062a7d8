/**
 * Migration 4: what queries need at archive scale (issue 5, DESIGN.md §7). Never edit once
 * shipped: the archive records a hash of this text and refuses to open if it changes.
 *
 * 1. Every sort index of migration 1 becomes (column, occurred_at, id, then the other filter
 *    columns of INDEX_FILTER_COLUMNS), under the same name. The explicit `id` keeps each index's
 *    order exactly the keyset order (column, occurred_at, id), so the columns after it never
 *    change an order; what they add is that a filter on them (above all the default
 *    `activity <> 'pull'`, and actor and repository) is tested inside the index, and SQLite seeks
 *    the table row only for events that pass: walking an index past pulls or past another actor's
 *    events, counting matches and sorting one actor's or repository's events by another of these
 *    columns no longer read every row.
 *
 * 2. Facet counts, kept exact by triggers on events through every insert, delete (purge,
 *    retention) and update; a row that reaches 0 is removed. Each row counts the events of one
 *    combination of account, activity, verb and outcome:
 *    - `facet_counts_base`: per UTC day.
 *    - `facet_counts_actor_days`, `facet_counts_repository_days`: per day and actor (repository),
 *      day first, so a time range is one range of rows.
 *    - `facet_counts_actor`, `facet_counts_repository`: per actor (repository) over all time, value
 *      first, so counting by it reads the table in order and one value is a range of rows.
 *    The facet sidebar reads these rows instead of every matching event whenever its filter uses
 *    only these columns and time (facet-counts.ts): all time from the totals, a range from the
 *    days in it or as the totals less the days outside it, whichever reads fewer rows.
 *    A day is floor(occurred_at / 86,400,000), in integer arithmetic that floors times before 1970
 *    too.
 *
 * The SQL is written out in full (not generated) so the recorded hash can only change by an edit
 * here.
 */

/** The columns each sort index carries after (column, occurred_at, id), for filters to test in place. */
export const INDEX_FILTER_COLUMNS = ['activity', 'verb', 'outcome', 'account_id', 'actor', 'repository'] as const

/**
 * Recomputes the facet count tables from events: part of this migration (an archive with events
 * already), and what a bulk load that set the triggers aside runs afterwards (the benchmarks).
 */
export const FACET_COUNTS_REBUILD_SQL = `
DELETE FROM facet_counts_base;
INSERT INTO facet_counts_base (day, account_id, activity, verb, outcome, n)
  SELECT (occurred_at - ((occurred_at % 86400000) + 86400000) % 86400000) / 86400000 AS day, account_id, activity, verb, outcome, count(*) FROM events GROUP BY day, account_id, activity, verb, outcome;
DELETE FROM facet_counts_actor_days;
INSERT INTO facet_counts_actor_days (day, actor, account_id, activity, verb, outcome, n)
  SELECT (occurred_at - ((occurred_at % 86400000) + 86400000) % 86400000) / 86400000 AS day, actor, account_id, activity, verb, outcome, count(*) FROM events GROUP BY day, actor, account_id, activity, verb, outcome;
DELETE FROM facet_counts_actor;
INSERT INTO facet_counts_actor (actor, account_id, activity, verb, outcome, n)
  SELECT actor, account_id, activity, verb, outcome, count(*) FROM events GROUP BY actor, account_id, activity, verb, outcome;
DELETE FROM facet_counts_repository_days;
INSERT INTO facet_counts_repository_days (day, repository, account_id, activity, verb, outcome, n)
  SELECT (occurred_at - ((occurred_at % 86400000) + 86400000) % 86400000) / 86400000 AS day, repository, account_id, activity, verb, outcome, count(*) FROM events GROUP BY day, repository, account_id, activity, verb, outcome;
DELETE FROM facet_counts_repository;
INSERT INTO facet_counts_repository (repository, account_id, activity, verb, outcome, n)
  SELECT repository, account_id, activity, verb, outcome, count(*) FROM events GROUP BY repository, account_id, activity, verb, outcome;
`

export const sql = `
DROP INDEX events_occurred_at;
CREATE INDEX events_occurred_at ON events (occurred_at, id, activity, verb, outcome, account_id, actor, repository);
DROP INDEX events_account;
CREATE INDEX events_account ON events (account_id, occurred_at, id, activity, verb, outcome, actor, repository);
DROP INDEX events_label;
CREATE INDEX events_label ON events (label, occurred_at, id, activity, verb, outcome, account_id, actor, repository);
DROP INDEX events_repository;
CREATE INDEX events_repository ON events (repository, occurred_at, id, activity, verb, outcome, account_id, actor);
DROP INDEX events_tag;
CREATE INDEX events_tag ON events (tag, occurred_at, id, activity, verb, outcome, account_id, actor, repository);
DROP INDEX events_digest;
CREATE INDEX events_digest ON events (digest, occurred_at, id, activity, verb, outcome, account_id, actor, repository);
DROP INDEX events_verb;
CREATE INDEX events_verb ON events (verb, occurred_at, id, activity, outcome, account_id, actor, repository);
DROP INDEX events_activity;
CREATE INDEX events_activity ON events (activity, occurred_at, id, verb, outcome, account_id, actor, repository);
DROP INDEX events_actor;
CREATE INDEX events_actor ON events (actor, occurred_at, id, activity, verb, outcome, account_id, repository);
DROP INDEX events_outcome;
CREATE INDEX events_outcome ON events (outcome, occurred_at, id, activity, verb, account_id, actor, repository);
DROP INDEX events_client_ip;
CREATE INDEX events_client_ip ON events (client_ip, occurred_at, id, activity, verb, outcome, account_id, actor, repository);

CREATE TABLE facet_counts_base (
  day INTEGER NOT NULL,
  account_id INTEGER NOT NULL,
  activity TEXT NOT NULL,
  verb TEXT NOT NULL,
  outcome TEXT NOT NULL,
  n INTEGER NOT NULL,
  PRIMARY KEY (day, account_id, activity, verb, outcome)
) STRICT, WITHOUT ROWID;

CREATE TABLE facet_counts_actor_days (
  day INTEGER NOT NULL,
  actor TEXT NOT NULL,
  account_id INTEGER NOT NULL,
  activity TEXT NOT NULL,
  verb TEXT NOT NULL,
  outcome TEXT NOT NULL,
  n INTEGER NOT NULL,
  PRIMARY KEY (day, actor, account_id, activity, verb, outcome)
) STRICT, WITHOUT ROWID;

CREATE TABLE facet_counts_actor (
  actor TEXT NOT NULL,
  account_id INTEGER NOT NULL,
  activity TEXT NOT NULL,
  verb TEXT NOT NULL,
  outcome TEXT NOT NULL,
  n INTEGER NOT NULL,
  PRIMARY KEY (actor, account_id, activity, verb, outcome)
) STRICT, WITHOUT ROWID;

CREATE TABLE facet_counts_repository_days (
  day INTEGER NOT NULL,
  repository TEXT NOT NULL,
  account_id INTEGER NOT NULL,
  activity TEXT NOT NULL,
  verb TEXT NOT NULL,
  outcome TEXT NOT NULL,
  n INTEGER NOT NULL,
  PRIMARY KEY (day, repository, account_id, activity, verb, outcome)
) STRICT, WITHOUT ROWID;

CREATE TABLE facet_counts_repository (
  repository TEXT NOT NULL,
  account_id INTEGER NOT NULL,
  activity TEXT NOT NULL,
  verb TEXT NOT NULL,
  outcome TEXT NOT NULL,
  n INTEGER NOT NULL,
  PRIMARY KEY (repository, account_id, activity, verb, outcome)
) STRICT, WITHOUT ROWID;

CREATE TRIGGER events_facet_counts_insert AFTER INSERT ON events BEGIN
  INSERT INTO facet_counts_base (day, account_id, activity, verb, outcome, n) VALUES ((new.occurred_at - ((new.occurred_at % 86400000) + 86400000) % 86400000) / 86400000, new.account_id, new.activity, new.verb, new.outcome, 1)
    ON CONFLICT (day, account_id, activity, verb, outcome) DO UPDATE SET n = n + 1;
  INSERT INTO facet_counts_actor_days (day, actor, account_id, activity, verb, outcome, n) VALUES ((new.occurred_at - ((new.occurred_at % 86400000) + 86400000) % 86400000) / 86400000, new.actor, new.account_id, new.activity, new.verb, new.outcome, 1)
    ON CONFLICT (day, actor, account_id, activity, verb, outcome) DO UPDATE SET n = n + 1;
  INSERT INTO facet_counts_actor (actor, account_id, activity, verb, outcome, n) VALUES (new.actor, new.account_id, new.activity, new.verb, new.outcome, 1)
    ON CONFLICT (actor, account_id, activity, verb, outcome) DO UPDATE SET n = n + 1;
  INSERT INTO facet_counts_repository_days (day, repository, account_id, activity, verb, outcome, n) VALUES ((new.occurred_at - ((new.occurred_at % 86400000) + 86400000) % 86400000) / 86400000, new.repository, new.account_id, new.activity, new.verb, new.outcome, 1)
    ON CONFLICT (day, repository, account_id, activity, verb, outcome) DO UPDATE SET n = n + 1;
  INSERT INTO facet_counts_repository (repository, account_id, activity, verb, outcome, n) VALUES (new.repository, new.account_id, new.activity, new.verb, new.outcome, 1)
    ON CONFLICT (repository, account_id, activity, verb, outcome) DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER events_facet_counts_delete AFTER DELETE ON events BEGIN
  UPDATE facet_counts_base SET n = n - 1 WHERE day = (old.occurred_at - ((old.occurred_at % 86400000) + 86400000) % 86400000) / 86400000 AND account_id = old.account_id AND activity = old.activity AND verb = old.verb AND outcome = old.outcome;
  DELETE FROM facet_counts_base WHERE day = (old.occurred_at - ((old.occurred_at % 86400000) + 86400000) % 86400000) / 86400000 AND account_id = old.account_id AND activity = old.activity AND verb = old.verb AND outcome = old.outcome AND n <= 0;
  UPDATE facet_counts_actor_days SET n = n - 1 WHERE day = (old.occurred_at - ((old.occurred_at % 86400000) + 86400000) % 86400000) / 86400000 AND actor = old.actor AND account_id = old.account_id AND activity = old.activity AND verb = old.verb AND outcome = old.outcome;
  DELETE FROM facet_counts_actor_days WHERE day = (old.occurred_at - ((old.occurred_at % 86400000) + 86400000) % 86400000) / 86400000 AND actor = old.actor AND account_id = old.account_id AND activity = old.activity AND verb = old.verb AND outcome = old.outcome AND n <= 0;
  UPDATE facet_counts_actor SET n = n - 1 WHERE actor = old.actor AND account_id = old.account_id AND activity = old.activity AND verb = old.verb AND outcome = old.outcome;
  DELETE FROM facet_counts_actor WHERE actor = old.actor AND account_id = old.account_id AND activity = old.activity AND verb = old.verb AND outcome = old.outcome AND n <= 0;
  UPDATE facet_counts_repository_days SET n = n - 1 WHERE day = (old.occurred_at - ((old.occurred_at % 86400000) + 86400000) % 86400000) / 86400000 AND repository = old.repository AND account_id = old.account_id AND activity = old.activity AND verb = old.verb AND outcome = old.outcome;
  DELETE FROM facet_counts_repository_days WHERE day = (old.occurred_at - ((old.occurred_at % 86400000) + 86400000) % 86400000) / 86400000 AND repository = old.repository AND account_id = old.account_id AND activity = old.activity AND verb = old.verb AND outcome = old.outcome AND n <= 0;
  UPDATE facet_counts_repository SET n = n - 1 WHERE repository = old.repository AND account_id = old.account_id AND activity = old.activity AND verb = old.verb AND outcome = old.outcome;
  DELETE FROM facet_counts_repository WHERE repository = old.repository AND account_id = old.account_id AND activity = old.activity AND verb = old.verb AND outcome = old.outcome AND n <= 0;
END;

CREATE TRIGGER events_facet_counts_update AFTER UPDATE OF occurred_at, account_id, activity, verb, outcome, actor, repository ON events BEGIN
  UPDATE facet_counts_base SET n = n - 1 WHERE day = (old.occurred_at - ((old.occurred_at % 86400000) + 86400000) % 86400000) / 86400000 AND account_id = old.account_id AND activity = old.activity AND verb = old.verb AND outcome = old.outcome;
  DELETE FROM facet_counts_base WHERE day = (old.occurred_at - ((old.occurred_at % 86400000) + 86400000) % 86400000) / 86400000 AND account_id = old.account_id AND activity = old.activity AND verb = old.verb AND outcome = old.outcome AND n <= 0;
  UPDATE facet_counts_actor_days SET n = n - 1 WHERE day = (old.occurred_at - ((old.occurred_at % 86400000) + 86400000) % 86400000) / 86400000 AND actor = old.actor AND account_id = old.account_id AND activity = old.activity AND verb = old.verb AND outcome = old.outcome;
  DELETE FROM facet_counts_actor_days WHERE day = (old.occurred_at - ((old.occurred_at % 86400000) + 86400000) % 86400000) / 86400000 AND actor = old.actor AND account_id = old.account_id AND activity = old.activity AND verb = old.verb AND outcome = old.outcome AND n <= 0;
  UPDATE facet_counts_actor SET n = n - 1 WHERE actor = old.actor AND account_id = old.account_id AND activity = old.activity AND verb = old.verb AND outcome = old.outcome;
  DELETE FROM facet_counts_actor WHERE actor = old.actor AND account_id = old.account_id AND activity = old.activity AND verb = old.verb AND outcome = old.outcome AND n <= 0;
  UPDATE facet_counts_repository_days SET n = n - 1 WHERE day = (old.occurred_at - ((old.occurred_at % 86400000) + 86400000) % 86400000) / 86400000 AND repository = old.repository AND account_id = old.account_id AND activity = old.activity AND verb = old.verb AND outcome = old.outcome;
  DELETE FROM facet_counts_repository_days WHERE day = (old.occurred_at - ((old.occurred_at % 86400000) + 86400000) % 86400000) / 86400000 AND repository = old.repository AND account_id = old.account_id AND activity = old.activity AND verb = old.verb AND outcome = old.outcome AND n <= 0;
  UPDATE facet_counts_repository SET n = n - 1 WHERE repository = old.repository AND account_id = old.account_id AND activity = old.activity AND verb = old.verb AND outcome = old.outcome;
  DELETE FROM facet_counts_repository WHERE repository = old.repository AND account_id = old.account_id AND activity = old.activity AND verb = old.verb AND outcome = old.outcome AND n <= 0;
  INSERT INTO facet_counts_base (day, account_id, activity, verb, outcome, n) VALUES ((new.occurred_at - ((new.occurred_at % 86400000) + 86400000) % 86400000) / 86400000, new.account_id, new.activity, new.verb, new.outcome, 1)
    ON CONFLICT (day, account_id, activity, verb, outcome) DO UPDATE SET n = n + 1;
  INSERT INTO facet_counts_actor_days (day, actor, account_id, activity, verb, outcome, n) VALUES ((new.occurred_at - ((new.occurred_at % 86400000) + 86400000) % 86400000) / 86400000, new.actor, new.account_id, new.activity, new.verb, new.outcome, 1)
    ON CONFLICT (day, actor, account_id, activity, verb, outcome) DO UPDATE SET n = n + 1;
  INSERT INTO facet_counts_actor (actor, account_id, activity, verb, outcome, n) VALUES (new.actor, new.account_id, new.activity, new.verb, new.outcome, 1)
    ON CONFLICT (actor, account_id, activity, verb, outcome) DO UPDATE SET n = n + 1;
  INSERT INTO facet_counts_repository_days (day, repository, account_id, activity, verb, outcome, n) VALUES ((new.occurred_at - ((new.occurred_at % 86400000) + 86400000) % 86400000) / 86400000, new.repository, new.account_id, new.activity, new.verb, new.outcome, 1)
    ON CONFLICT (day, repository, account_id, activity, verb, outcome) DO UPDATE SET n = n + 1;
  INSERT INTO facet_counts_repository (repository, account_id, activity, verb, outcome, n) VALUES (new.repository, new.account_id, new.activity, new.verb, new.outcome, 1)
    ON CONFLICT (repository, account_id, activity, verb, outcome) DO UPDATE SET n = n + 1;
END;

${FACET_COUNTS_REBUILD_SQL}`
