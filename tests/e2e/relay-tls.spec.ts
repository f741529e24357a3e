import { readFile, rename } from 'node:fs/promises'
import { join } from 'node:path'
import { chromium, expect, test } from '@playwright/test'
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../support/browser.ts'
import { e2eSession } from '../support/e2e-session.ts'
import { temporaryDirectory, waitFor } from '../support/processes.ts'
import { makeCertificate, requestOn, startTlsRelay, tlsConnect } from '../support/tls-relay.ts'

/**
 * TLS on the relay's one port (`--tls-cert`, `--tls-key`): https and wss,
 * with a self-signed certificate this test makes, and a SIGHUP that swaps it
 * without dropping the connections already open.
 */

const { processes, profiles } = e2eSession()

test('with --tls-cert and --tls-key the relay serves https and wss on its port, and a page on https reaches it over /tls/ws', async () => {
  test.setTimeout(120_000)
  const directory = await temporaryDirectory('shoal-tls-')
  const certFile = join(directory, 'cert.pem')
  const keyFile = join(directory, 'key.pem')
  await makeCertificate(certFile, keyFile, 'shoal-test-a')
  const relay = await startTlsRelay(certFile, keyFile, await readFile(certFile, 'utf8'))
  processes.push(relay)
  expect(relay.output()).toContain(`listening on ${relay.url}`)

  const profileDirectory = await temporaryDirectory('shoal-profile-')
  const profile = await chromium.launchPersistentContext(profileDirectory, {
    executablePath: CHROMIUM_PATH,
    // The test's own certificate: no CA vouches for it.
    args: [...CHROMIUM_ARGS, '--ignore-certificate-errors']
  })
  profiles.push(profile)
  const page = profile.pages()[0] ?? await profile.newPage()
  const bootstrap = page.waitForResponse((response) => response.url().endsWith('/shoal/bootstrap.json'))
  await page.goto(`${relay.url}/network`)
  const announced = await (await bootstrap).json() as { multiaddrs: string[] }
  expect(announced.multiaddrs.every((address) => address.includes('/tls/ws/p2p/')), JSON.stringify(announced)).toBe(true)
  // The page dialled the relay over wss (an https page may not open ws://) and holds a reservation.
  await expect(page.getByTestId('relay-status')).toHaveAttribute('data-state', 'reserved', { timeout: 30_000 })
})

test('SIGHUP swaps the certificate for new connections and keeps the open ones', async () => {
  test.setTimeout(60_000)
  const directory = await temporaryDirectory('shoal-tls-')
  const certFile = join(directory, 'cert.pem')
  const keyFile = join(directory, 'key.pem')
  const first = await makeCertificate(certFile, keyFile, 'shoal-test-a')
  const firstPem = await readFile(certFile, 'utf8')
  const relay = await startTlsRelay(certFile, keyFile, firstPem)
  processes.push(relay)
  const port = Number(new URL(relay.url).port)

  const kept = await tlsConnect(port, firstPem)
  expect(kept.getPeerX509Certificate()?.fingerprint256).toBe(first)
  expect(await requestOn(kept, '/health')).toContain(' 200 ')

  // A renewal writes new files and signals, as certbot's deploy hook does.
  const second = await makeCertificate(join(directory, 'next-cert.pem'), join(directory, 'next-key.pem'), 'shoal-test-b')
  expect(second).not.toBe(first)
  await rename(join(directory, 'next-cert.pem'), certFile)
  await rename(join(directory, 'next-key.pem'), keyFile)
  const secondPem = await readFile(certFile, 'utf8')
  relay.child.kill('SIGHUP')
  await waitFor('the relay to log the reload', () => relay.output().includes('TLS certificate reloaded') ? true : undefined, 10_000)

  const fresh = await tlsConnect(port, secondPem)
  expect(fresh.getPeerX509Certificate()?.fingerprint256).toBe(second)
  expect(await requestOn(fresh, '/health')).toContain(' 200 ')
  fresh.destroy()
  // The connection opened before the reload is still up and still answered.
  expect(kept.destroyed).toBe(false)
  expect(await requestOn(kept, '/health')).toContain(' 200 ')
  kept.destroy()

  // A broken pair on the next SIGHUP is refused and the relay keeps serving the last good one.
  await rename(join(directory, 'cert.pem'), join(directory, 'gone.pem'))
  relay.child.kill('SIGHUP')
  await waitFor('the relay to refuse the reload', () => relay.output().includes('TLS reload failed') ? true : undefined, 10_000)
  const after = await tlsConnect(port, secondPem)
  expect(after.getPeerX509Certificate()?.fingerprint256).toBe(second)
  after.destroy()
})
