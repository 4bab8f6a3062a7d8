// TEMPORARY dev script for helper G2.
import { chromium } from 'playwright-core'
const [url, out, actions] = [process.argv[2], process.argv[3], process.argv[4] ?? '']
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless','--no-sandbox','--disable-gpu','--disable-background-networking','--disable-component-update','--disable-sync','--no-first-run','--disable-quic'] })
const page = await browser.newPage({ viewport: { width: 1440, height: 900 }, colorScheme: process.env.SCHEME ?? 'light' })
page.on('console', (m) => console.log('console:', m.type(), m.text()))
page.on('pageerror', (e) => console.log('pageerror:', e.message))
await page.goto(url)
await page.waitForTimeout(1500)
for (const step of actions.split(';').filter(Boolean)) {
  const [kind, ...rest] = step.split('=')
  const arg = rest.join('=')
  if (kind === 'click') await page.click(arg)
  else if (kind === 'wait') await page.waitForTimeout(Number(arg))
  else if (kind === 'type') { const [sel, text] = arg.split('|'); await page.fill(sel, text) }
  else if (kind === 'press') await page.keyboard.press(arg)
}
await page.waitForTimeout(800)
await page.screenshot({ path: out })
console.log(await page.evaluate(() => location.href))
await browser.close()
