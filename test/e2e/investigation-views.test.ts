import { createHash } from 'node:crypto'
import fs from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import Database from 'better-sqlite3'
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { archivePath } from '../../src/main/core/paths'
import type { AuditEvent } from '../../src/shared/event'
import type { EventQuery } from '../../src/shared/query'
import {
  D1,
  D2,
  D3,
  DW,
  hubRecords,
  LIB_GUN,
  msrRecords,
  playSignedRelease,
  T,
  WEB_GUN,
  type SignedRelease
} from '../integration/fixtures/investigation-archive'
import { startNotaryStack, type NotaryStack } from '../integration/notary-stack'
import { startDockerHubSim, type DockerHubSim } from '../sim/dockerhub'
import { startMsrSim, type MsrSim } from '../sim/msr'
import { AppPage } from './page-models/app-page'
import { launchChromium } from './support/browser'
import { ensureRendererBuilt } from './support/renderer-build'
import { startServe, type ServeProcess } from './support/serve'

/**
 * The investigation features (issue 7) in the browser, against a mixed archive synced through the
 * real Docker Hub, MSR and notary connectors: from the Docker Hub and MSR simulators, each serving
 * the scripted incident of test/integration/fixtures/investigation-archive.ts, and from a real
 * notary-server on which the signed release of acme/web (playSignedRelease) was played: digest
 * lineage (with the server's signatures and trust deletion linked by repository and time), tag
 * history at a moment and between two, the deletion explainer, the integrity badge (intact, then
 * broken where a record was altered), evidence export, saved and recent queries, cases with pinned
 * notes, coverage, and local retention with its confirmation. The tests run in order and build on
 * each other.
 */

// Names unique to this file: tokens go to the keychain, which the e2e files share.
const HUB = 'e2e-inv-hub'
const MSR = 'e2e-inv-msr'
const TRUST = 'e2e-inv-trust'
const DAY = 24 * 60 * 60_000

let dir: string
let dataDir: string
let hubSim: DockerHubSim
let msrSim: MsrSim
let notary: NotaryStack
let release: SignedRelease
/** The notary-server's own changefeed, read after the sync: what the archive must hold of TRUST. */
let feed: Array<Record<string, unknown>>
let serve: ServeProcess
let browser: Browser
let context: BrowserContext
let page: Page
let app: AppPage

async function events(query: EventQuery): Promise<AuditEvent[]> {
  const page = await serve.apiValue('queryEvents', { query: { includePull: true, ...query }, sort: { key: 'occurred_at', dir: 'asc' }, limit: 500 })
  return page.rows
}

/** One changefeed record of the real notary-server and the event the archive made of it. */
interface TrustChange {
  record: Record<string, unknown>
  event: AuditEvent
}

/** The server's changefeed records for a GUN, in feed order, each with its archived event (found by the record's ID). */
async function trustChanges(gun: string): Promise<TrustChange[]> {
  const archived = new Map((await events({ account: { any: [TRUST] } })).map((event) => [event.source_event_id, event]))
  return feed
    .filter((record) => record['GUN'] === gun)
    .map((record) => {
      const event = archived.get(String(record['ID']))
      if (event === undefined) throw new Error(`the archive holds no event for changefeed record ${String(record['ID'])} (${gun})`)
      return { record, event }
    })
}

/** Every file the evidence folder's manifest names has the hash it gives, and the manifest names every other file. */
function expectManifestHolds(folder: string, files: string[]): void {
  expect(files.at(-1)).toBe('manifest.sha256')
  const manifest = fs.readFileSync(path.join(folder, 'manifest.sha256'), 'utf8').trim().split('\n')
  expect(manifest.length).toBe(files.length - 1)
  for (const line of manifest) {
    const [hash, name] = line.split(/\s+\*?/)
    expect(createHash('sha256').update(fs.readFileSync(path.join(folder, name!))).digest('hex')).toBe(hash)
  }
}

/** Runs the evidence dialog on the current view (with a case) and returns the folder and the files it lists. */
async function exportEvidence(caseName: string, rows: number): Promise<{ folder: string; files: string[] }> {
  await page.getByTestId('evidence-open').click()
  const dialog = app.investigation.dialog('evidence')
  await dialog.waitFor()
  await dialog.getByTestId('evidence-case').selectOption(caseName)
  await dialog.getByTestId('evidence-start').click()
  const status = dialog.locator('[data-testid="evidence-status"][data-phase="done"]')
  await status.waitFor({ timeout: 30_000 })
  const folder = (await dialog.getByTestId('evidence-dir').textContent()) ?? ''
  expect(path.dirname(folder)).toBe(path.join(dataDir, 'evidence'))
  expect(await status.getAttribute('data-rows')).toBe(String(rows))
  const files = await dialog.getByTestId('evidence-files').locator('li').allTextContents()
  expect(files).toContain('case.json')
  expectManifestHolds(folder, files)
  return { folder, files }
}

/** Syncs the accounts and waits for their runs to end well (readiness, not a sleep; beforeAll has no expect.poll). */
async function waitForSync(names: string[]): Promise<void> {
  await serve.apiValue('startSync', { names })
  const deadline = Date.now() + 60_000
  for (;;) {
    const states = await serve.apiValue('syncStatus')
    const done = names.map((name) => states.find((candidate) => candidate.account === name)).filter((state) => state !== undefined && !state.running && state.lastRun !== null)
    if (done.length === names.length) {
      const failed = done.filter((state) => state?.lastRun?.status !== 'ok')
      if (failed.length > 0) throw new Error(`sync failed: ${JSON.stringify(failed.map((state) => state?.lastRun))}`)
      return
    }
    if (Date.now() > deadline) throw new Error(`the syncs of ${names.join(', ')} did not end within 60 s`)
    await new Promise((resolve) => setTimeout(resolve, 200))
  }
}

beforeAll(async () => {
  await ensureRendererBuilt()
  dir = fs.mkdtempSync(path.join(tmpdir(), 'e2e-investigation-'))
  dataDir = path.join(dir, 'data')
  hubSim = await startDockerHubSim({ records: hubRecords() })
  msrSim = await startMsrSim({ records: msrRecords() })
  msrSim.trust.add(msrSim.gun('payments/api'), 'update', T + 30_000)
  notary = await startNotaryStack()
  // In real time, before the first sync: the server stamps its changefeed itself.
  release = await playSignedRelease(hubSim, notary)
  serve = await startServe({ dataDir })
  const off = { enabled: false, intervalMinutes: 60 }
  await serve.apiValue('addAccount', {
    name: HUB,
    kind: 'dockerhub',
    url: hubSim.url,
    options: { org: hubSim.org, username: hubSim.identifier },
    token: hubSim.secret,
    autoSync: off
  })
  await serve.apiValue('addAccount', {
    name: MSR,
    kind: 'msr',
    url: msrSim.url,
    options: { username: msrSim.admin.username, withTrust: true },
    token: msrSim.admin.secret,
    autoSync: off
  })
  // The stack's server needs no token, only its private CA.
  await serve.apiValue('addAccount', { name: TRUST, kind: 'notary', url: notary.url, options: { caFile: notary.caFile }, autoSync: off })
  await waitForSync([HUB, MSR, TRUST])
  feed = await notary.feed()
  // The fields below are typed and read in UTC, whatever zone this machine is in.
  await serve.apiValue('setSettings', { timeZone: 'UTC' })
  browser = await launchChromium()
  context = await browser.newContext({ viewport: { width: 1440, height: 900 } })
  page = await context.newPage()
  app = new AppPage(page)
  await app.open(serve.url)
  await app.grid.waitReady()
})

afterAll(async () => {
  await context?.close()
  await browser?.close()
  await serve?.stop()
  await hubSim?.close()
  await msrSim?.close()
  await notary?.stop()
  if (dir !== undefined) fs.rmSync(dir, { recursive: true, force: true })
})

describe('investigating a mixed archive in the browser', () => {
  it('shows the archive intact in the header, every account’s chain verified, the notary-server’s too', async () => {
    const badge = app.investigation.integrityBadge()
    await page.locator('[data-testid="integrity-badge"][data-state="intact"]').waitFor({ timeout: 20_000 })
    expect(await badge.textContent()).toContain('Intact')
    await badge.click()
    const dialog = app.investigation.dialog('integrity')
    await dialog.getByTestId('integrity-summary').waitFor()
    expect(await dialog.getByTestId('integrity-summary').getAttribute('data-intact')).toBe('true')
    expect(await app.investigation.attributes(dialog, 'integrity-account', 'data-account')).toEqual([HUB, MSR, TRUST])
    expect(await app.investigation.attributes(dialog, 'integrity-account', 'data-intact')).toEqual(['true', 'true', 'true'])
    // The notary account's chain covers every record the server's changefeed holds.
    expect(await dialog.locator(`[data-testid="integrity-account"][data-account="${TRUST}"]`).textContent()).toContain(`${feed.length} events`)
    await page.keyboard.press('Escape')
    await dialog.waitFor({ state: 'detached' })
  })

  it('draws a digest’s lineage in the drawer: pushes, the retag, the overwrite and the tag delete', async () => {
    await app.search(`digest:${D1}`)
    await app.grid.row(0).locator('[data-column="label"]').click()
    await app.drawer.waitReady()
    await app.drawer.root.getByTestId('action-lineage').click()
    const view = await app.investigation.waitView('lineage')
    expect(await app.investigation.attributes(view, 'lineage-entry', 'data-role')).toEqual(['push', 'retag', 'overwritten', 'untag'])
    // bob's delete names no digest: it is here through the tag history, and the view says how.
    const untag = view.locator('[data-testid="lineage-entry"][data-role="untag"]')
    expect(await untag.getAttribute('data-link')).toBe('tag')
    expect(await untag.textContent()).toContain('acme/app:1.0 pointed at this digest')
    expect(await app.investigation.attributes(view, 'lineage-tag-span', 'data-ended-by')).toEqual(['untag', 'overwritten'])
    expect(await view.getByTestId('lineage-tagged').textContent()).toBe('No tag points at it')
    await app.screenshot('lineage')

    // An entry opens its event; the lineage of a digest typed into the palette follows it across repositories.
    const overwrite = view.locator('[data-testid="lineage-entry"][data-role="overwritten"]')
    const overwriteId = await overwrite.getAttribute('data-event-id')
    await overwrite.click()
    await app.drawer.waitReady()
    expect(await app.drawer.field('id').textContent()).toBe(overwriteId)
    expect(await app.drawer.field('digest').textContent()).toContain(D2)
    await app.runCommand(D3, `lineage-${D3}`)
    const other = await app.investigation.waitView('lineage')
    await expect.poll(() => app.investigation.attributes(other, 'lineage-entry', 'data-role')).toEqual(['push', 'push', 'untag', 'repository-delete'])
    expect(await other.getByTestId('lineage-repository').allTextContents()).toEqual(['acme/app', 'acme/tmp'])
  })

  it('links the real notary-server’s signatures and trust deletion to the signed digest, and never acme/lib’s', async () => {
    const web = await trustChanges(WEB_GUN)
    const lib = await trustChanges(LIB_GUN)
    const signs = web.filter((change) => change.record['Category'] === 'update')
    const trustDelete = web.filter((change) => change.record['Category'] === 'deletion')
    // What the server recorded: init and two signatures of acme/web, then its deletion; init and one of acme/lib.
    expect([signs.length, trustDelete.length, lib.length]).toEqual([3, 1, 2])
    expect(lib.every((change) => change.record['Category'] === 'update')).toBe(true)
    const [push] = await events({ digest: { any: [DW] } })
    expect(push).toMatchObject({ account: HUB, actor: 'alice', activity: 'push', repository: 'acme/web', tag: '1.0', occurred_at: release.pushedAt })
    const [untag] = await events({ account: { any: [HUB] }, repository: { any: ['acme/web'] }, activity: { any: ['delete'] } })
    expect(untag).toMatchObject({ actor: 'mallory', tag: '1.0', digest: null, occurred_at: release.deletedAt })

    await page.keyboard.press('Escape')
    await app.search(`digest:${DW}`)
    await app.grid.row(0).locator('[data-column="label"]').click()
    await app.drawer.waitReady()
    expect(await app.drawer.field('id').textContent()).toBe(String(push!.id))
    await app.drawer.root.getByTestId('action-lineage').click()
    const view = await app.investigation.waitView('lineage')
    const expected = [push!, ...signs.map((change) => change.event), trustDelete[0]!.event, untag!]
    expect(await app.investigation.attributes(view, 'lineage-entry', 'data-event-id')).toEqual(expected.map((event) => String(event.id)))
    expect(await app.investigation.attributes(view, 'lineage-entry', 'data-role')).toEqual(['push', 'sign', 'sign', 'sign', 'trust-delete', 'untag'])
    expect(await app.investigation.attributes(view, 'lineage-entry', 'data-link')).toEqual(['digest', 'trust', 'trust', 'trust', 'trust', 'tag'])
    const entry = (id: number) => view.locator(`[data-testid="lineage-entry"][data-event-id="${id}"]`)

    // Each signature: the notary account's record of the GUN at its timestamp version, linked to alice's push by repository and time.
    for (const { record, event } of signs) {
      const label = (await entry(event.id).locator('.timeline-label').textContent()) ?? ''
      expect(label).toContain(WEB_GUN)
      expect(label).toContain(`timestamp version ${String(record['Version'])}`)
      expect(await entry(event.id).locator('.timeline-meta').textContent()).toBe(`${TRUST} · unknown actor · acme/web`)
      const how = (await entry(event.id).locator('.timeline-how').textContent()) ?? ''
      expect(how).toContain(
        `${Math.round((event.occurred_at - push!.occurred_at) / 1000)} s after this digest was pushed to acme/web as :1.0 (event ${push!.id}, ${HUB})`
      )
      expect(how).toContain('by repository and time')
    }
    const deletion = entry(trustDelete[0]!.event.id)
    expect(await deletion.locator('.timeline-label').textContent()).toContain(`${WEB_GUN} deleted`)
    expect(await deletion.locator('.timeline-meta').textContent()).toBe(`${TRUST} · unknown actor · acme/web`)
    expect(await deletion.locator('.timeline-how').textContent()).toContain(`while acme/web:1.0 (${HUB}) pointed at this digest; linked by repository and time`)
    expect(await entry(untag!.id).locator('.timeline-meta').textContent()).toBe(`${HUB} · mallory · acme/web:1.0`)
    expect(await entry(untag!.id).locator('.timeline-how').textContent()).toContain('acme/web:1.0 pointed at this digest')
    // acme/lib was signed too, but nothing of it was pushed: none of its records is this digest's.
    const shown = new Set(await app.investigation.attributes(view, 'lineage-entry', 'data-event-id'))
    expect(lib.filter((change) => shown.has(String(change.event.id)))).toEqual([])
    expect(await view.textContent()).not.toContain('acme/lib')
    expect(await app.investigation.attributes(view, 'lineage-tag-span', 'data-ended-by')).toEqual(['untag'])
    expect(await view.getByTestId('lineage-tagged').textContent()).toBe('No tag points at it')
    await entry(untag!.id).scrollIntoViewIfNeeded()
    await app.screenshot('lineage-notary')

    // A signature opens the notary account's event: the changefeed record as the server gave it.
    const [first] = signs
    await entry(first!.event.id).click()
    await app.drawer.waitReady()
    expect(await app.drawer.field('account').textContent()).toBe(TRUST)
    expect(await app.drawer.field('source_event_id').textContent()).toBe(String(first!.record['ID']))
    expect(await app.drawer.field('target').textContent()).toBe(`timestamp sha256:${String(first!.record['SHA256']).toLowerCase()}`)
    expect(await app.drawer.field('digest').textContent()).toBe('—')
    expect(await app.drawer.rawJson().textContent()).toContain(WEB_GUN)
  })

  it('answers “was :latest overwritten?” and shows the tags at a moment and what changed between two', async () => {
    await app.runCommand('acme/app:latest', 'tags-acme/app:latest')
    const view = await app.investigation.waitView('tags')
    expect(await view.getByTestId('overwrite-answer').getAttribute('data-answer')).toBe('yes')
    expect(await view.getByTestId('overwrite-answer').textContent()).toContain('overwritten once')
    const overwrite = view.getByTestId('overwrite-event')
    expect(await overwrite.count()).toBe(1)
    expect(await overwrite.textContent()).toContain(`latest moved from ${D1.slice(7, 19)} to ${D2.slice(7, 19)} by ci-bot`)

    await view.getByTestId('tags-at').fill('2025-05-20T10:45')
    await view.getByTestId('tags-compare').fill('2025-05-20T15:00')
    await view.getByTestId('tags-show').click()
    const state = view.getByTestId('tags-state')
    await state.waitFor()
    const hubRows = state.locator(`table[data-account="${HUB}"] [data-testid="tags-state-row"]`)
    expect(await hubRows.evaluateAll((rows) => rows.map((row) => row.getAttribute('data-tag')))).toEqual(['1.0', '2.0', 'latest'])
    const diff = view.getByTestId('tags-diff')
    expect(await diff.locator(`[data-account="${HUB}"] [data-testid="diff-removed"]`).evaluateAll((rows) => rows.map((row) => row.getAttribute('data-tag')))).toEqual([
      '1.0',
      '2.0'
    ])
    expect(await diff.locator(`[data-account="${HUB}"] [data-testid="diff-moved"]`).textContent()).toContain(
      `latest: ${D1.slice(7, 19)} → ${D2.slice(7, 19)}`
    )
    expect(await diff.locator(`[data-account="${MSR}"] [data-testid="diff-added"]`).getAttribute('data-tag')).toBe('latest')
    await diff.scrollIntoViewIfNeeded()
    await app.screenshot('tag-history')
  })

  it('explains a bulk delete with ranked causes, each with its evidence, and the actor’s hour around it', async () => {
    await page.keyboard.press('Escape')
    await app.search('repo:acme/old tag:v3 activity:delete')
    await app.grid.row(0).locator('[data-column="label"]').click()
    await app.drawer.waitReady()
    await app.drawer.root.getByTestId('action-explain-deletion').click()
    const view = await app.investigation.waitView('deletion')
    const causes = view.getByTestId('cause')
    expect(await app.investigation.attributes(view, 'cause', 'data-kind')).toEqual(['user-delete', 'bulk-delete'])
    expect(await app.investigation.attributes(view, 'cause', 'data-rank')).toEqual(['1', '2'])
    // No cause is shown without evidence, and the bulk delete cites all six deletes.
    for (let i = 0; i < (await causes.count()); i += 1) expect(await causes.nth(i).getByTestId('evidence').count()).toBeGreaterThan(0)
    expect(await view.locator('[data-testid="cause"][data-kind="bulk-delete"] [data-testid="evidence"]').count()).toBe(6)
    const around = await view.getByTestId('actor-event').allTextContents()
    expect(around).toHaveLength(6)
    expect(around.every((text) => text.includes('dave'))).toBe(true)
    await app.screenshot('deletion-explainer')
  })

  it('explains mallory’s delete of the signed tag as her user delete, with its evidence, after the trust deletion', async () => {
    const [deletion] = await events({ account: { any: [HUB] }, repository: { any: ['acme/web'] }, activity: { any: ['delete'] } })
    expect(deletion).toMatchObject({ actor: 'mallory', actor_kind: 'user', tag: '1.0' })
    await page.keyboard.press('Escape')
    await app.search('repo:acme/web tag:1.0 activity:delete')
    expect(await app.grid.waitForCount()).toBe(1)
    await app.grid.row(0).locator('[data-column="label"]').click()
    await app.drawer.waitReady()
    expect(await app.drawer.field('id').textContent()).toBe(String(deletion!.id))
    await app.drawer.root.getByTestId('action-explain-deletion').click()
    const view = await app.investigation.waitView('deletion')
    expect(await app.investigation.attributes(view, 'deletion', 'data-event-id')).toEqual([String(deletion!.id)])
    const item = view.getByTestId('deletion')
    expect(await item.textContent()).toContain(`${HUB} · by mallory · pointed at ${DW.slice(7, 19)}`)
    expect(await app.investigation.attributes(view, 'cause', 'data-kind')).toEqual(['user-delete'])
    expect(await app.investigation.attributes(view, 'cause', 'data-rank')).toEqual(['1'])
    // The cause rests on the deletion's own record, which names mallory as a user.
    const evidence = view.locator('[data-testid="cause"][data-kind="user-delete"] [data-testid="evidence"]')
    expect(await evidence.allTextContents()).toContain('deleted by the user mallory (actor kind user)')
    expect(await evidence.locator('button').evaluateAll((buttons) => buttons.map((button) => button.getAttribute('data-event-id')))).toEqual(
      Array(await evidence.count()).fill(String(deletion!.id))
    )
    // mallory did nothing else in the hour around it; the notary account's changes have no actor to count.
    expect(await app.investigation.attributes(view, 'actor-event', 'data-event-id')).toEqual([String(deletion!.id)])
    expect(await view.getByTestId('actor-event').textContent()).toContain('this deletion')
    // The notary-server's deletion of acme/web's trust data just before is context, never a cause: it names no actor.
    const [trustDelete] = (await trustChanges(WEB_GUN)).filter((change) => change.record['Category'] === 'deletion')
    const notes = await view.getByTestId('deletion-notes').locator('li').allTextContents()
    const trustNotes = notes.filter((note) => note.includes(`(event ${trustDelete!.event.id}, ${TRUST})`))
    expect(trustNotes).toHaveLength(1)
    expect(trustNotes[0]).toContain(trustDelete!.event.label)
    expect(trustNotes[0]).toContain(`${Math.round((deletion!.occurred_at - trustDelete!.event.occurred_at) / 1000)} s before the deletion in event ${deletion!.id}`)
    expect(trustNotes[0]).toContain('does not say who deleted it')
    await app.screenshot('deletion-explainer-notary')
  })

  /**
   * Pins the drawer's event to a new case with a note, then opens the case and checks the pin is
   * there with its note. With no case yet the dialog offers a new one directly; after that, "New
   * case…" must be chosen. Leaves the cases dialog open.
   */
  async function pinToNewCase(eventId: number, name: string, note: string, options: { first: boolean }): Promise<{ cases: Locator }> {
    await app.drawer.root.getByTestId('action-pin').click()
    const pin = app.investigation.dialog('pin')
    await pin.waitFor()
    if (!options.first) await pin.getByTestId('pin-case').selectOption({ label: 'New case…' })
    await pin.getByTestId('pin-new-case').fill(name)
    await pin.getByTestId('pin-note').fill(note)
    await pin.getByTestId('pin-save').click()
    await pin.waitFor({ state: 'detached' })

    await page.getByTestId('open-cases').click()
    const cases = app.investigation.dialog('cases')
    await cases.locator(`[data-testid="case-item"][data-name="${name}"]`).click()
    const pinned = cases.locator(`[data-testid="case-pin"][data-event-id="${eventId}"]`)
    await pinned.waitFor()
    expect(await pinned.getByTestId('case-pin-note').textContent()).toBe(note)
    return { cases }
  }

  it('pins the drawer’s event to a new case with a note, and shows the case', async () => {
    const bobDelete = (await events({ repository: { any: ['acme/app'] }, tag: { any: ['1.0'] }, activity: { any: ['delete'] } }))[0]!
    await app.search('repo:acme/app tag:1.0 activity:delete')
    await app.grid.row(0).locator('[data-column="label"]').click()
    await app.drawer.waitReady()
    expect(await app.drawer.field('id').textContent()).toBe(String(bobDelete.id))
    const { cases } = await pinToNewCase(bobDelete.id, 'INC-1 latest overwritten', 'bob removed 1.0 an hour after ci-bot overwrote latest', { first: true })
    await app.screenshot('case')
    await page.keyboard.press('Escape')
    await cases.waitFor({ state: 'detached' })
  })

  it('pins the notary-server’s trust deletion to a second case', async () => {
    const [trustDelete] = (await trustChanges(WEB_GUN)).filter((change) => change.record['Category'] === 'deletion')
    await page.keyboard.press('Escape')
    await app.search(`account:${TRUST} activity:trust-delete`)
    expect(await app.grid.waitForCount()).toBe(1)
    await app.grid.row(0).locator('[data-column="label"]').click()
    await app.drawer.waitReady()
    expect(await app.drawer.field('id').textContent()).toBe(String(trustDelete!.event.id))
    expect(await app.drawer.field('source_event_id').textContent()).toBe(String(trustDelete!.record['ID']))
    const { cases } = await pinToNewCase(
      trustDelete!.event.id,
      'INC-2 web trust deleted',
      'trust data of acme/web deleted a second before mallory removed the tag',
      { first: false }
    )
    expect(await cases.getByTestId('case-pin').count()).toBe(1)
    await page.keyboard.press('Escape')
    await cases.waitFor({ state: 'detached' })
  })

  it('saves the current view as a query, reopens it, lists it among the recent ones and deletes it', async () => {
    await page.keyboard.press('Escape')
    await app.search('repo:acme/app activity:delete')
    const deletes = (await serve.apiValue('countEvents', { query: { repository: { any: ['acme/app'] }, activity: { any: ['delete'] } } })).count
    await expect.poll(() => app.grid.resultCount()).toBe(deletes)
    await page.getByTestId('open-queries').click()
    // The bar shows the query as the parser prints it; that text is what is saved.
    const text = await app.queryInput.inputValue()
    expect(text.split(' ').sort()).toEqual(['activity:delete', 'repo:acme/app'])
    const dialog = app.investigation.dialog('queries')
    await dialog.waitFor()
    expect(await dialog.getByTestId('queries-current').textContent()).toBe(text)
    await dialog.getByTestId('query-name').fill('acme app deletes')
    await dialog.getByTestId('query-save').click()
    await dialog.locator('[data-testid="saved-query"][data-name="acme app deletes"]').waitFor()
    // The view was remembered as a recent query too (kept in the archive).
    await expect.poll(async () => (await serve.apiValue('listRecentQueries')).map((query) => query.query), { timeout: 10_000 }).toContain(text)
    await app.screenshot('saved-queries')
    await page.keyboard.press('Escape')

    await app.grid.waitReload(() => page.getByTestId('reset-filters').click())
    expect(await app.queryInput.inputValue()).toBe('')
    await page.getByTestId('open-queries').click()
    await dialog.waitFor()
    await app.grid.waitReload(() => dialog.locator('[data-testid="saved-query"][data-name="acme app deletes"] [data-testid="saved-query-open"]').click())
    expect(await app.queryInput.inputValue()).toBe(text)
    expect(await app.grid.waitForCount()).toBe(deletes)

    await page.getByTestId('open-queries').click()
    await dialog.waitFor()
    expect(await dialog.getByTestId('recent-query').allTextContents()).toEqual(
      expect.arrayContaining([expect.stringContaining(text)])
    )
    await dialog.locator('[data-testid="saved-query"][data-name="acme app deletes"] [data-testid="saved-query-delete"]').click()
    await dialog.getByTestId('saved-empty').waitFor()
    expect(await serve.apiValue('listSavedQueries')).toEqual([])
    await page.keyboard.press('Escape')
  })

  it('exports the view as evidence into a folder with a SHA-256 manifest of every file', async () => {
    const deletes = (await serve.apiValue('countEvents', { query: { repository: { any: ['acme/app'] }, activity: { any: ['delete'] } } })).count
    const { folder } = await exportEvidence('INC-1 latest overwritten', deletes)
    // Each account's sync state goes in, whatever the view holds.
    const syncState = JSON.parse(fs.readFileSync(path.join(folder, 'sync-state.json'), 'utf8')) as Array<{ account: string }>
    expect(syncState.map((entry) => entry.account)).toEqual([HUB, MSR, TRUST])
    await app.screenshot('evidence')
    await page.keyboard.press('Escape')
  })

  it('exports the signed release as evidence: the notary-server’s records raw, its cursor and chain head, and its case', async () => {
    const [trustDelete] = (await trustChanges(WEB_GUN)).filter((change) => change.record['Category'] === 'deletion')
    await app.search('repo:acme/web')
    const rows = (await serve.apiValue('countEvents', { query: { repository: { any: ['acme/web'] } } })).count
    expect(await app.grid.waitForCount()).toBe(rows)
    const { folder } = await exportEvidence('INC-2 web trust deleted', rows)
    await page.keyboard.press('Escape')

    // The view's notary rows carry the server's changefeed records unchanged; nothing of acme/lib is in it.
    const lines = fs.readFileSync(path.join(folder, 'events.ndjson'), 'utf8').trim().split('\n')
    const exported = lines.map((line) => JSON.parse(line) as { id: number; account: string; actor: string | null; activity: string; raw: Record<string, unknown> })
    expect(exported).toHaveLength(rows)
    const byId = (a: Record<string, unknown>, b: Record<string, unknown>): number => Number(a['ID']) - Number(b['ID'])
    expect(exported.filter((row) => row.account === TRUST).map((row) => row.raw).sort(byId)).toEqual(feed.filter((record) => record['GUN'] === WEB_GUN).sort(byId))
    expect(exported.filter((row) => row.account === HUB).map((row) => `${row.actor ?? ''} ${row.activity}`).sort()).toEqual(['alice push', 'mallory delete'])
    expect(lines.some((line) => line.includes(LIB_GUN))).toBe(false)

    // The notary account's cursor is the last record of the server's feed, and its chain covers all of the feed.
    const syncState = JSON.parse(fs.readFileSync(path.join(folder, 'sync-state.json'), 'utf8')) as Array<Record<string, unknown>>
    expect(syncState.find((entry) => entry['account'] === TRUST)).toMatchObject({
      kind: 'notary',
      cursors: [{ stream: 'changefeed', cursor: { v: 1, feed: 'global', lastId: String(feed.at(-1)!['ID']) } }],
      lastSync: { status: 'ok', inserted: feed.length }
    })
    const integrity = JSON.parse(fs.readFileSync(path.join(folder, 'integrity.json'), 'utf8')) as {
      chainHeads: Array<{ account: string; count: number }>
      verification: { intact: boolean; accounts: Array<{ account: string; intact: boolean; events: number }> }
    }
    expect(integrity.chainHeads.find((head) => head.account === TRUST)?.count).toBe(feed.length)
    expect(integrity.verification.accounts.find((account) => account.account === TRUST)).toMatchObject({ intact: true, events: feed.length })
    const theCase = JSON.parse(fs.readFileSync(path.join(folder, 'case.json'), 'utf8')) as { pins_list: Array<{ eventId: number; event: { raw: string } }> }
    expect(theCase.pins_list.map((item) => item.eventId)).toEqual([trustDelete!.event.id])
    expect(JSON.parse(theCase.pins_list[0]!.event.raw)).toEqual(trustDelete!.record)
  })

  it('shows each account’s coverage in the sync panel as the core reports it', async () => {
    await app.syncPanel.open()
    const report = await serve.apiValue('coverage')
    for (const name of [HUB, MSR, TRUST]) {
      const expected = report.accounts.find((entry) => entry.account === name)!
      const coverage = app.syncPanel.card(name).getByTestId('coverage')
      await coverage.waitFor()
      expect(await coverage.getByTestId('coverage-gaps').getAttribute('data-count')).toBe(String(expected.gaps.length))
      expect(await coverage.getByTestId('coverage-warning').allTextContents()).toEqual(expected.warnings)
    }
    expect(await app.syncPanel.card(HUB).getByTestId('coverage-retention').textContent()).toMatch(/^30 days — /)
    expect(await app.syncPanel.card(MSR).getByTestId('coverage-retention').textContent()).toMatch(/^Not known — /)
    // The notary-server's changefeed keeps every change: the archive is complete from its beginning, all of the feed held.
    const trust = app.syncPanel.card(TRUST)
    expect(await trust.getByTestId('coverage-retention').textContent()).toMatch(/^Keeps everything — /)
    expect(await trust.getByTestId('coverage-start').textContent()).toBe('the beginning (the source keeps everything)')
    expect(report.accounts.find((entry) => entry.account === TRUST)?.events).toBe(feed.length)
  })

  it('prunes an account’s old events only after showing the count and a confirmation, keeping pinned ones', async () => {
    const card = app.syncPanel.card(HUB)
    const held = (await serve.apiValue('countEvents', { query: { account: { any: [HUB] }, includePull: true } })).count
    // The scripted hub events are from May 2025, more than a year ago; the signed release of acme/web is from today.
    const recent = await events({ account: { any: [HUB] }, since: Date.now() - 365 * DAY })
    expect(recent.map((event) => event.occurred_at)).toEqual([release.pushedAt, release.deletedAt])
    const pinned = (await events({ account: { any: [HUB] }, repository: { any: ['acme/app'] }, tag: { any: ['1.0'] }, activity: { any: ['delete'] } }))[0]!
    const old = held - recent.length
    await card.getByTestId('prune-open').click()
    await card.getByTestId('prune-days').fill('365')
    await card.getByTestId('prune-count').click()
    const preview = card.getByTestId('prune-preview')
    await preview.waitFor()
    // Every old one goes but the pinned one.
    expect(await preview.getAttribute('data-count')).toBe(String(old - 1))
    expect(await preview.textContent()).toContain('1 pinned to cases are kept')
    // Nothing is deleted before the confirmation.
    expect((await serve.apiValue('countEvents', { query: { account: { any: [HUB] }, includePull: true } })).count).toBe(held)
    await card.getByTestId('prune-confirm').scrollIntoViewIfNeeded()
    await app.screenshot('retention-confirm')
    await card.getByTestId('prune-confirm-delete').click()
    const result = card.getByTestId('prune-result')
    await result.waitFor()
    expect(await result.getAttribute('data-deleted')).toBe(String(old - 1))
    // What is left: the pinned delete and today's release.
    const left = await events({ account: { any: [HUB] } })
    expect(left.map((event) => event.id)).toEqual([pinned.id, ...recent.map((event) => event.id)])
    await expect.poll(() => card.getByTestId('coverage-pruned').textContent(), { timeout: 10_000 }).toContain(`${old - 1} events`)
    await expect.poll(() => card.getByTestId('sync-held').textContent(), { timeout: 10_000 }).toMatch(new RegExp(`^${left.length} events\\b`))
    // The chain stays verifiable across the pruned range.
    await page.locator('[data-testid="integrity-badge"][data-state="intact"]').waitFor({ timeout: 20_000 })
  })

  it('reports a chain break in the header, and where it is', async () => {
    const scan = (await events({ account: { any: [MSR] }, activity: { any: ['scan'] } }))[0]!
    const db = new Database(archivePath(dataDir))
    try {
      db.prepare("UPDATE events SET raw = json_set(raw, '$.actor', 'mallory') WHERE id = ?").run(scan.id)
    } finally {
      db.close()
    }
    await app.investigation.integrityBadge().click()
    const dialog = app.investigation.dialog('integrity')
    await dialog.getByTestId('integrity-verify').click()
    await page.locator('[data-testid="integrity-badge"][data-state="broken"]').waitFor({ timeout: 20_000 })
    expect(await dialog.getByTestId('integrity-summary').getAttribute('data-intact')).toBe('false')
    const broken = dialog.locator(`[data-testid="integrity-account"][data-account="${MSR}"]`)
    expect(await broken.getAttribute('data-intact')).toBe('false')
    expect(await dialog.locator(`[data-testid="integrity-account"][data-account="${HUB}"]`).getAttribute('data-intact')).toBe('true')
    expect(await dialog.locator(`[data-testid="integrity-account"][data-account="${TRUST}"]`).getAttribute('data-intact')).toBe('true')
    const where = broken.getByTestId('integrity-break').first()
    expect(await where.getAttribute('data-reason')).toBe('hash-mismatch')
    expect(await where.getAttribute('data-event-id')).toBe(String(scan.id))
    await app.screenshot('integrity-broken')
    await where.getByTestId('integrity-break-open').click()
    await app.drawer.waitReady()
    expect(await app.drawer.field('id').textContent()).toBe(String(scan.id))
  })
})
