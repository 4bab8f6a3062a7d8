/**
 * The text `--help` prints, per command. Kept apart from the parsing so the whole user-facing
 * manual reads in one place.
 */

import { HARBOR_ACCOUNT_ADD_HELP } from './commands/harbor-account-args'
import { IBM_ACCOUNT_ADD_HELP } from './commands/ibm-account-args'
import { MSR_ACCOUNT_ADD_HELP } from './commands/msr-account-args'
import { NOTARY_ACCOUNT_ADD_HELP } from './commands/notary-account-args'
import { QUAY_ACCOUNT_ADD_HELP } from './commands/quay-account-args'

/** The filter options of `events` and `export`; only the zone's role and default differ. */
const filterOptions = (zoneRole: string, zoneDefault: string): string => `Filters (combine with each other and with QUERY; all must match):
  --account NAME       only this account (repeat for several)
  --since WHEN         on or after WHEN: 2026-01-31, 2026-01-31T10:00, 2026-01-31T10:00:00Z,
                       or a relative time: 15m, 24h, 7d, 2w (no --since/--until: all time)
  --until WHEN         before WHEN (a date means up to the end of that day)
  --include-pull       include pull events (left out by default, as in DTR/MSR)
  --sort FIELD[:asc|desc]
                       occurred_at (default, newest first), label, account, repository, tag,
                       digest, verb, activity, actor, outcome, client_ip; "time" is occurred_at.
                       Without a direction: desc for occurred_at, asc for the others.
  --tz ZONE            the time zone (UTC, local or an IANA name such as Europe/Berlin)
                       ${zoneRole}, and for dates in --since/--until and the QUERY
                       (default: ${zoneDefault})`

const QUERY_SYNTAX = `QUERY (one argument, or several joined with spaces):
  verb:DELETE activity:delete actor:alice repo:team/* tag:latest digest:sha256:4f1c
  account:hub outcome:failure since:7d until:2026-01-31 include:pull "free text"
  Put "-" before a qualifier to negate it: -actor:ci-bot. Repeat a qualifier for any of
  several values: verb:DELETE verb:UPDATE. Quote a value with spaces inside the query:
  'actor:"John Smith"'. A negated qualifier given alone as an argument (events -actor:ci-bot)
  is read as a query term, not an option.`

export const MAIN_HELP = `registry-audit — sync container registry audit events into a local archive and
investigate them offline.

Usage: registry-audit [--data-dir DIR] COMMAND [ARGS...]

Commands:
  account add NAME        add a registry account and store its token
  account list            list accounts, where their tokens are held and their last sync
  account remove NAME     remove an account (its events stay unless --purge-events)
  account test NAME       check an account's settings and token against the registry
  account set-token NAME  replace an account's token
  import --account NAME FILE...
                          import export files (JSON, NDJSON, CSV) into an account's history
  sync [NAME...]          fetch new events for the named accounts (all when none)
  events [QUERY]          list events matching a query
  show EVENT_ID           one event: every field and the raw record
  export --out FILE       write matching events to a CSV or NDJSON file
  serve                   open the app's interface in a web browser (browser mode)

Investigate:
  lineage DIGEST          every event of an image digest across accounts, in time order
  tags REPO[:TAG]         a repository's tags now, at a moment (--at), what changed (--diff),
                          or one tag's history and overwrites
  explain REPO:TAG|DIGEST why a tag or image was deleted: causes ranked by their evidence
  verify                  check the archive's integrity chain; exit 1 if it is broken
  evidence --out DIR      an evidence folder: events (CSV, NDJSON), query, sync state,
                          chain heads, case, SHA-256 manifest
  query save|list|run|delete|recent
                          named queries kept in the archive, and recent ones
  case create|list|show|pin|unpin|delete
                          pin events to a case with notes
  coverage                what the archive holds per account, gaps, retention warnings
  prune --account NAME --older-than DAYS
                          delete an account's old events (asks first; keeps the chain verifiable)

Archive file:
  archive check           SQLite's integrity check of the archive file; exit 1 if damaged
  archive recover --out FILE
                          copy what is readable from a damaged archive into a new archive

Global options:
  --data-dir DIR          the data folder (default: $REGISTRY_AUDIT_DATA_DIR, else the
                          desktop app's folder, so both use the same archive)
  -h, --help              help; "registry-audit COMMAND --help" for a command's options
  --version               print the version

Tokens live in the OS keychain. Where there is none, REGISTRY_AUDIT_TOKEN_<NAME> (account
name upper-cased, other characters as "_") supplies an account's token for one run.

Exit status: 0 success, 1 failure, 2 usage error. REGISTRY_AUDIT_DEBUG=1 adds error details.
`

export const COMMAND_HELP: Record<string, string> = {
  import: `Usage: registry-audit import --account NAME [--format FORMAT] [--json] FILE...

Imports export files into the history of the account NAME. What an account reads is decided by
its kind:
  dockerhub  Docker Hub audit log records: the API's page {"logs": [...]}, a JSON array, JSON
             lines, or CSV with the record's fields as columns (timestamp, action, account, name,
             actor, action_description; data as JSON or as data.tag, data.digest, ... columns)
  ibm        IBM Cloud Activity Tracker exports: JSON lines of activity tracking events (a JSON
             array or {"lines": [...]} too); other services' events are skipped
  harbor     Harbor / MSR 4 audit log records of either table: the API's JSON array, a page
             {"items": [...]}, JSON lines, or CSV with the record's fields as columns (id,
             op_time, operation, resource, resource_type, username, operation_description, ...)
  quay       Quay usage logs: Quay's log export {"logs": [..., {"terminator": true}]}, a saved
             API page, an array, JSON lines, or CSV (kind, datetime, ip; metadata and performer
             as JSON or as metadata.tag, performer.name, ... columns)
  msr        MSR/DTR events ({"events": [...]}, an array or JSON lines) and trust changefeed records
  notary     Notary changefeed records ({"records": [...]}, an array or JSON lines)
  file       any of these, each file read as the source its rows look like
and every kind reads registry-audit's own NDJSON export (export --format ndjson, or events
--format ndjson/json) of events of that kind, restoring them exactly.

Every row is checked: rows that cannot be read are listed with their line numbers and the
rest still imports. Events are identified as a sync identifies them, so importing a file
again, or files that overlap each other or what a sync already read, stores nothing twice.

  --account NAME   the account the events belong to
  --format FORMAT  auto (default: detected from the content), json, ndjson or csv
  --json           print the reports as JSON

Exit status: 0 when every row was read, 1 when some rows were rejected or a file failed.
`,

  account: `Usage: registry-audit account add|list|remove|test|set-token ...

  account add NAME --kind dockerhub --org ORG --username USER [--url URL] [--token-stdin]
  account add NAME --kind harbor --url URL --username USER [--ca-file FILE] [--token-stdin]
  account add NAME --kind ibm --region REGION --logs-endpoint URL [--iam-url URL] [--token-stdin]
  account add NAME --kind msr --url URL --username USER [--ca-file FILE] [--with-trust] [--token-stdin]
  account add NAME --kind notary --url URL [--auth none|token|bearer] [--username USER]
                   [--repositories GUN,...] [--ca-file FILE] [--token-stdin]
  account add NAME --kind quay --org ORG [--repositories NAME,...] [--backfill-days N]
                   [--url URL] [--ca-file FILE] [--token-stdin]
  account add NAME --kind file
  account list [--json]
  account remove NAME [--purge-events]
  account test NAME
  account set-token NAME [--token-stdin]

Run "registry-audit account SUBCOMMAND --help" for details.
`,

  'account add': `Usage: registry-audit account add NAME --kind dockerhub --org ORG --username USER
                                [--url URL] [--token-stdin]
       registry-audit account add NAME --kind harbor --url URL --username USER
                                [--ca-file FILE] [--token-stdin]
       registry-audit account add NAME --kind ibm --region REGION --logs-endpoint URL
                                [--iam-url URL] [--token-stdin]
       registry-audit account add NAME --kind msr --url URL --username USER
                                [--ca-file FILE] [--with-trust] [--token-stdin]
       registry-audit account add NAME --kind notary --url URL [--auth none|token|bearer]
                                [--username USER] [--repositories GUN,...] [--ca-file FILE]
                                [--token-realm URL] [--token-stdin]
       registry-audit account add NAME --kind quay --org ORG [--repositories NAME,...]
                                [--backfill-days N] [--url URL] [--ca-file FILE] [--token-stdin]
       registry-audit account add NAME --kind file

Adds a registry account named NAME (letters, digits, ".", "_", "-") and stores its token
(for ibm: an IAM API key, best a service ID's; for quay: an OAuth access token).

  --kind KIND          the source: dockerhub, harbor, msr, notary, quay, ibm, or file (an
                       account filled only by "registry-audit import": no URL, no token)
  --org ORG            Docker Hub: the organisation whose audit log is read
  --username USER      Docker Hub: your username for a personal access token, or the
                       organisation name for an organisation access token
  --url URL            the API's base URL (default https://hub.docker.com; http:// only for
                       loopback addresses)
${HARBOR_ACCOUNT_ADD_HELP}${IBM_ACCOUNT_ADD_HELP}${MSR_ACCOUNT_ADD_HELP}${NOTARY_ACCOUNT_ADD_HELP}${QUAY_ACCOUNT_ADD_HELP}  --token-stdin        read the token from standard input (for scripts)

Without --token-stdin the token is asked for at a prompt that does not echo it. With neither
a terminal nor --token-stdin, REGISTRY_AUDIT_TOKEN_<NAME> must be set; it then supplies the
token on every run and nothing is stored.

The token goes to the OS keychain. When no keychain is available it is kept for this run
only, and later runs need REGISTRY_AUDIT_TOKEN_<NAME>.
`,

  'account list': `Usage: registry-audit account list [--json]

Lists the accounts: kind, URL, settings, where the token is held (keychain, environment,
session, none) and the last sync.

  --json               a JSON array instead of a table
`,

  'account remove': `Usage: registry-audit account remove NAME [--purge-events]

Removes the account and its token from the OS keychain. Its events stay in the archive
(the registry may no longer have them) unless --purge-events is given.

  --purge-events       delete the account's events from the archive too
`,

  'account test': `Usage: registry-audit account test NAME

Authenticates with the account's token and reads one small page, to check the settings.
`,

  'account set-token': `Usage: registry-audit account set-token NAME [--token-stdin]

Replaces the account's token (in the OS keychain, or for this run only where there is none).

  --token-stdin        read the token from standard input; otherwise a prompt without echo
`,

  sync: `Usage: registry-audit sync [NAME...]

Fetches new events for the named accounts, or for every account when none is named, and
prints a summary per account (new, duplicate, pages, time). A progress line shows on a
terminal. Exit status 0 only if every account synced; 1 if any failed (the others go on).
Ctrl-C stops cleanly: what was fetched so far is kept.
`,

  events: `Usage: registry-audit events [QUERY] [OPTIONS]

Lists the events in the archive that match QUERY and the filters, newest first.

${QUERY_SYNTAX}

${filterOptions('for the times shown', 'local for table, UTC for csv')}

Output:
  --format FORMAT      table (default), json (an array), ndjson (one object per line) or csv
  --limit N|all        how many events; default 50 for table, all for json, ndjson and csv.
                       A table that was cut says so on stderr.

json and ndjson carry the normalised fields under the archive's column names, id, account
and raw (the source record, parsed), with occurred_at in ISO 8601 UTC whatever --tz says. csv is the format of "export".
The table fits the terminal's width; characters that could control the terminal are shown
as escapes (\\x1b, \\u202e).
`,

  show: `Usage: registry-audit show EVENT_ID [--json] [--tz ZONE]

Shows one event (ids are in the output of "events"): every normalised field and the raw
record as the registry sent it, pretty-printed.

  --json               the event as JSON (the shape of "events --format json")
  --tz ZONE            UTC, local (default) or an IANA name, for the time shown
`,

  export: `Usage: registry-audit export --out FILE [QUERY] [OPTIONS]

Writes every event that matches QUERY and the filters to FILE, streamed (any size).

  --out FILE           the file to write (replaced if it exists)
  --format FORMAT      csv (default; ndjson when FILE ends in .ndjson or .jsonl) or ndjson

${QUERY_SYNTAX}

${filterOptions('for the times written', 'UTC')}

CSV: RFC 4180 with a header row; times in ISO 8601 with their offset, the zone named in the
header; a cell starting with =, +, -, @, tab or carriage return gets a leading ' so that a
spreadsheet does not run it as a formula.
`,

  serve: `Usage: registry-audit serve [--port N] [--no-open] [--no-auto-sync]

Serves the desktop app's interface in a web browser, for machines without a desktop
session and for tests. It listens on 127.0.0.1 only and prints an address with a
per-launch access token (http://127.0.0.1:PORT/#token=…); only a page opened from that
address can use the archive. Stop it with Ctrl-C.

  --port N             the port to listen on (default: any free port)
  --no-open            do not open the address in the default browser
  --no-auto-sync       do not sync accounts on their schedules while serving

The interface is the built one (out/renderer): run "npm run build" first.
`,

  lineage: `Usage: registry-audit lineage DIGEST [--format table|json] [--no-pull] [--limit N] [--tz ZONE]

Every event of an image digest (or of a unique prefix of one, at least 10 characters) across
accounts and sources, oldest first: pushes and the tags they used, retags, pulls, scans,
promotions, mirrors and deletions; the tag deletions, overwrites and repository deletions that
removed the digest from a tag (found through the tag history when the event names no digest);
and Notary trust changes of the repository. The Notary changefeed names a GUN and a version but
neither tag nor digest: a trust update is linked when it came within 10 minutes after a push of
this digest to that repository with no other push between, and a trust deletion when a tag of
the repository pointed at the digest at the time. Linked rows are marked "~" and say how.

  --format FORMAT      table (default) or json
  --no-pull            leave pulls out of the timeline (they are still counted)
  --limit N            at most N events that name the digest (default 1000, at most 5000)
  --tz ZONE            UTC, local (default) or an IANA name, for the times shown
`,

  tags: `Usage: registry-audit tags REPO[:TAG] [--account NAME] [--at WHEN] [--diff WHEN] [--tag TAG]
                           [--format table|json] [--tz ZONE]

Which digest each tag of a repository pointed at, per account (the same repository name on
two registries is two repositories), from push, promotion, mirror, untag, manifest and
repository delete events.

  (no options)         the tags now and their digests
  --at WHEN            the tags at WHEN (a date alone: at the end of that day)
  --diff WHEN          what changed between WHEN and --at (default now): tags added, removed
                       and moved, with the events in between
  --tag TAG, REPO:TAG  that tag's history, and whether it was overwritten (pointed at one
                       digest, then another) with the events that did it
  --account NAME       only this account
  --format FORMAT      table (default) or json
  --tz ZONE            the zone of the times shown and of WHEN (default local)

WHEN: 2026-01-31, 2026-01-31T10:00, 2026-01-31T10:00:00Z, or 15m, 24h, 7d ago, or now.
`,

  explain: `Usage: registry-audit explain REPO:TAG|DIGEST [--format table|json] [--tz ZONE]

For a deleted tag or image digest: each recorded deletion, newest first, with its candidate
causes ranked by the strength of their evidence, and what the same actor did from 30 minutes
before to 30 minutes after. Causes: a user delete (actor, client IP, token), a retention or
pruning policy, a promotion or mirror policy, garbage collection or another system job, a
bulk delete (at least 5 deletes by one actor within 10 minutes). A cause is only listed with
evidence, and each piece of evidence names the event that shows it. Scores order the causes;
they are a heuristic, not a probability.

  --format FORMAT      table (default) or json
  --tz ZONE            UTC, local (default) or an IANA name
`,

  archive: `Usage: registry-audit archive check [--file FILE] [--json]
       registry-audit archive recover --out NEW_FILE [--file FILE] [--json]

For an archive that cannot be opened, or that reports damage. Both work on the data folder's
archive file (or --file FILE) without opening it as the other commands do.
`,

  'archive check': `Usage: registry-audit archive check [--file FILE] [--json]

Reads the whole archive file through a read-only connection: SQLite's integrity check, then
every table to its end. Reports what kind of file it is (an archive, another application's
database, an archive of a newer version, not SQLite), the rows per table, every problem found,
and the copies of a damaged archive kept beside it (archive.sqlite.damaged-<time>). Never
writes the archive; on a large archive it takes a while.

Exit status: 0 intact, 1 damaged or not an archive.
`,

  'archive recover': `Usage: registry-audit archive recover --out NEW_FILE [--file FILE] [--json]

Copies every row that can still be read from a damaged archive into NEW_FILE, a new archive
(never an existing file). The damaged archive is not written: a copy of it is kept first
(archive.sqlite.damaged-<time>, or an identical earlier copy), and that copy is what is read.
Where a page cannot be read, its rows are skipped and the rest of the table is still copied.
Reports events recovered and lost (against the archive's own chain heads), the unreadable
ranges, and accounts whose row was lost (their events are kept under a removed placeholder).

Sync cursors are not copied: the next sync reads each account from the start, bringing back
what the source still holds without storing anything twice. To use the new archive, stop the
app and every sync, move the damaged archive aside, and put NEW_FILE in its place.

Exit status: 0 when NEW_FILE was written, 1 when nothing could be recovered.
`,

  verify: `Usage: registry-audit verify [--format table|json]

Recomputes every account's integrity chain (each event's hash covers the one before it and its
raw record, in the order they were stored) and compares it with the recorded chain heads.
Reports, per account, whether it is intact, and where it is not: the first event whose link
fails (its record altered, or events before it removed or reordered), or missing events at the
end. Events removed by "prune" are accounted for by the checkpoints it leaves.

Exit status: 0 intact, 1 broken.
`,

  evidence: `Usage: registry-audit evidence --out DIR [QUERY] [OPTIONS] [--case NAME]

Writes an evidence folder for the events that match QUERY and the filters (the same as
"events" and "export"): events.csv and events.ndjson (raw records included, both from one
pass over the events), query.txt and query.json, sync-state.json (each account's cursors and
last sync), integrity.json (chain heads, checkpoints and a verification made now), case.json
(with --case NAME), export-info.json (app version, time zone, time of export) and
manifest.sha256 over every other file (check it with "sha256sum -c manifest.sha256").

DIR must be new or empty. Exit status 1 if the integrity chain is broken (the folder is still
written, and says so).

  --out DIR            the folder to create (or an empty one)
  --case NAME          add that case's pinned events and notes

${QUERY_SYNTAX}

${filterOptions('for the times in events.csv', 'UTC')}
`,

  query: `Usage: registry-audit query save|list|run|delete|recent ...

  query save NAME QUERY... [--sort FIELD[:asc|desc]] [--replace]
  query list [--format table|json]
  query run NAME [events options]
  query delete NAME
  query recent [--format table|json]

Saved queries live in the archive, so the desktop app shows them too. A saved query keeps its
text: relative times (since:7d) count from when it runs. "events" records each query it runs
among the recent queries (the last 50).
`,

  'query save': `Usage: registry-audit query save NAME QUERY... [--sort FIELD[:asc|desc]] [--replace]

Saves QUERY (in the syntax of "events") under NAME (letters, digits, ".", "_", "-", spaces).
An existing name is replaced only with --replace.
`,

  'query list': `Usage: registry-audit query list [--format table|json]

Lists the saved queries.
`,

  'query recent': `Usage: registry-audit query recent [--format table|json]

Lists the queries "events" ran most recently, newest first.
`,

  'query run': `Usage: registry-audit query run NAME [events options]

Runs the saved query NAME as "registry-audit events" would, with any of its options (--format,
--limit, --since, --tz…); a --sort given here wins over the saved one.
`,

  'query delete': `Usage: registry-audit query delete NAME

Forgets the saved query NAME.
`,

  case: `Usage: registry-audit case create|list|show|pin|unpin|delete ...

  case create NAME [--description TEXT]
  case list [--format table|json]
  case show NAME [--format table|json] [--tz ZONE]
  case pin NAME EVENT_ID [--note TEXT]
  case unpin NAME EVENT_ID
  case delete NAME

A case collects the events of an investigation with a note for each. A pinned event keeps a
copy, so the case still shows it after "prune" removed it, and "prune" keeps pinned events.
"evidence --case NAME" adds the case to an evidence folder.
`,

  'case create': `Usage: registry-audit case create NAME [--description TEXT]
`,
  'case list': `Usage: registry-audit case list [--format table|json]
`,
  'case show': `Usage: registry-audit case show NAME [--format table|json] [--tz ZONE]
`,
  'case pin': `Usage: registry-audit case pin NAME EVENT_ID [--note TEXT]

Pins the event (ids are in the output of "events") to the case; pinning it again replaces
the note.
`,
  'case unpin': `Usage: registry-audit case unpin NAME EVENT_ID
`,
  'case delete': `Usage: registry-audit case delete NAME

Deletes the case and its notes; the events stay in the archive.
`,

  coverage: `Usage: registry-audit coverage [--format table|json] [--tz ZONE]

Per account: the events held (oldest, newest), the source's known retention (Docker Hub 30
days, Quay 30 days, DTR/MSR configurable auto-delete, Harbor configurable, IBM Cloud Logs by
plan, Notary keeps everything), the last successful sync, gaps between sync runs (a run that
started after the source would already have dropped what came after the run before it), and
a warning when an account has not synced within its source's retention, or its last sync failed.
`,

  prune: `Usage: registry-audit prune --account NAME --older-than DAYS [--yes]

Deletes the account's events that happened more than DAYS days ago from the archive (the
archive keeps everything unless you do this). It shows how many first and asks for
confirmation on a terminal; without a terminal, --yes is required. Events pinned to a case
stay. The integrity chain stays verifiable: a checkpoint records the chain hash and the count
of each removed stretch. An account whose chain is broken is not pruned (that would remove the
evidence of the break).

  --account NAME       the account
  --older-than DAYS    a whole number of days, at least 1
  -y, --yes            do not ask
`
}
