import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

/**
 * Throw-away certificates made with the openssl CLI in a temporary folder: a test CA; a leaf for
 * localhost/127.0.0.1 signed by it; a leaf for another host name; an expired leaf; a self-signed
 * leaf. PEM texts only; the folder is removed before returning.
 */
export interface TestCertificates {
  caCert: string
  leaf: { key: string; cert: string }
  otherHost: { key: string; cert: string }
  expired: { key: string; cert: string }
  selfSigned: { key: string; cert: string }
}

export function makeTestCertificates(): TestCertificates {
  const dir = mkdtempSync(join(tmpdir(), 'rav-tls-'))
  const run = (...args: string[]): void => {
    execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] })
  }
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes']
  try {
    run('req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=Registry Audit Test CA')
    const signed = (name: string, san: string, days: string): void => {
      run('req', ...ec, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${name}`)
      writeFileSync(join(dir, `${name}.ext`), `subjectAltName=${san}\n`)
      run('x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', `${name}.pem`, '-days', days, '-extfile', `${name}.ext`)
    }
    signed('leaf', 'DNS:localhost,IP:127.0.0.1', '2')
    signed('other', 'DNS:registry.other.example', '2')
    signed('expired', 'DNS:localhost,IP:127.0.0.1', '-1')
    writeFileSync(join(dir, 'self.ext'), 'subjectAltName=DNS:localhost,IP:127.0.0.1\n')
    run('req', '-x509', ...ec, '-keyout', 'self.key', '-out', 'self.pem', '-days', '2', '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1')
    const read = (file: string): string => readFileSync(join(dir, file), 'utf8')
    const pair = (name: string): { key: string; cert: string } => ({ key: read(`${name}.key`), cert: read(`${name}.pem`) })
    return {
      caCert: read('ca.pem'),
      leaf: pair('leaf'),
      otherHost: pair('other'),
      expired: pair('expired'),
      selfSigned: pair('self')
    }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}
