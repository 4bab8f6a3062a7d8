import { copyFileSync, mkdirSync, mkdtempSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { launchChromium } from '../../test/e2e/support/browser'
import { startServe } from '../../test/e2e/support/serve'
const dir = mkdtempSync(path.join(os.tmpdir(), 'rend-'))
mkdirSync(path.join(dir, 'd'))
copyFileSync(process.argv[2]!, path.join(dir, 'd', 'archive.sqlite'))
const serve = await startServe({ dataDir: path.join(dir, 'd') })
const browser = await launchChromium()
const page = await browser.newPage({ viewport: { width: 1400, height: 900 } })
page.on('console', (m) => console.log('console:', m.text()))
await page.addInitScript(() => {
  const w = window as any
  w.__log = []
  const check = (): void => {
    if (document.querySelector('[data-testid="event-row"]') !== null) { requestAnimationFrame(() => { w.__firstRow = performance.now() }); return }
    requestAnimationFrame(check)
  }
  w.__log.push('init ' + performance.now())
  requestAnimationFrame(check)
})
await page.goto(serve.url)
await new Promise((r) => setTimeout(r, 15000))
console.log(await page.evaluate(() => [(window as any).__firstRow, (window as any).__log]))
console.log((await page.content()).slice(0, 3000))
console.log(serve.output().slice(-2000))
await browser.close(); await serve.stop()
