import { expect } from '@playwright/test'
import type { Page } from '@playwright/test'
import { startGpuNode, startRelay } from './processes.ts'
import type { ShoalProcess } from './processes.ts'

export interface MeshVerifier {
  process: ShoalProcess
  peerId: string
}

/**
 * A relay, two verifiers on the demo model (started with `verifierArgs`),
 * and a page on the chat that has reached both over direct WebRTC: what a
 * hand-over or a routing choice between two verifiers needs. Every process
 * goes into `processes`, for the spec's cleanup.
 */
export async function twoVerifierMesh (processes: ShoalProcess[], openProfile: () => Promise<Page>, verifierArgs: string[]): Promise<{ relay: ShoalProcess, verifiers: MeshVerifier[], page: Page }> {
  const relay = await startRelay()
  processes.push(relay)
  const verifiers: MeshVerifier[] = []
  for (let index = 0; index < 2; index++) {
    const process = await startGpuNode({ relayUrl: relay.url, extraArgs: verifierArgs })
    processes.push(process)
    const health = await (await fetch(`${process.url}/health`)).json() as { peerId: string }
    verifiers.push({ process, peerId: health.peerId })
  }
  const page = await openProfile()
  await page.goto(`${relay.url}/network`)
  for (const verifier of verifiers) {
    await expect(page.locator(`[data-testid="peer"][data-peer-id="${verifier.peerId}"]`)).toHaveAttribute('data-connection', 'webrtc', { timeout: 30_000 })
  }
  // Within the app, so the page's mesh node (and what it heard) stays.
  await page.getByRole('link', { name: 'Chat', exact: true }).click()
  return { relay, verifiers, page }
}
