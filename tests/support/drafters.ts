/**
 * Drafters for tests and the bench, in this Node process: Shoal's own
 * `Drafter` (src/lib/drafting) over a real WebRTC connection to a gpu-node,
 * drafting with a real model through node-llama-cpp, or with engines that
 * misbehave on purpose (random tokens, slow, a stream cut mid-job).
 */
import { circuitRelayTransport } from '@libp2p/circuit-relay-v2'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { webRTC } from '@libp2p/webrtc'
import { webSockets } from '@libp2p/websockets'
import { multiaddr } from '@multiformats/multiaddr'
import { getLlama, LlamaLogLevel } from 'node-llama-cpp'
import { GpuNodeHealth } from '../../gpu-node/src/api-server.ts'
import { Drafter, draftTransport, ReprefillDraftEngine } from '../../src/lib/drafting/index.ts'
import { DRAFT_PROTOCOL } from '#protocol'
import { createShoalNode } from '#server'
import { waitFor } from './processes.ts'
import type { DraftEngine, DraftTransport, ReprefillStats } from '../../src/lib/drafting/index.ts'
import type { ReceiptGapRequest, SignedReceipt } from '#protocol'
import type { Connection, Libp2p, PrivateKey, Stream } from '@libp2p/interface'
import type { LlamaContextSequence, LlamaModel, Token } from 'node-llama-cpp'

export interface DisposableDraftEngine extends DraftEngine {
  dispose: () => Promise<void>
}

/** A draft engine on node-llama-cpp (CPU, one thread): greedy, with the probability of each token. */
export async function createLlamaDraftEngine (modelPath: string, options: { contextSize?: number } = {}): Promise<DisposableDraftEngine> {
  const llama = await getLlama({ gpu: false, build: 'never', maxThreads: 1, logLevel: LlamaLogLevel.error })
  const model: LlamaModel = await llama.loadModel({ modelPath, gpuLayers: 0 })
  const context = await model.createContext({ contextSize: options.contextSize ?? 2048, sequences: 1, threads: 1 })
  const sequence: LlamaContextSequence = context.getSequence()
  let next: { token: number, probability: number } | undefined
  const evaluate = async (tokens: readonly number[]): Promise<number> => {
    const last = tokens.length - 1
    const results = await sequence.controlledEvaluate(tokens.map((token, index) => index === last
      ? [token as Token, { generateNext: { token: true, probabilities: true, options: { temperature: 0 } } }]
      : token as Token))
    const result = results[last]?.next
    if (result?.token == null) {
      throw new Error('llama.cpp returned no token')
    }
    next = { token: result.token, probability: result.probabilities?.get(result.token) ?? 0 }
    return sequence.nextTokenIndex
  }
  return {
    evaluate,
    generateGreedy: async (count) => {
      const drafted: Array<{ token: number, probability: number }> = []
      for (let index = 0; index < count; index++) {
        if (next == null) {
          throw new Error('nothing evaluated to draft from')
        }
        const chosen = next
        drafted.push(chosen)
        await evaluate([chosen.token])
        if (model.isEogToken(chosen.token as Token)) {
          break
        }
      }
      return drafted
    },
    rewind: async (position) => {
      next = undefined
      await sequence.eraseContextTokenRanges([{ start: position, end: sequence.nextTokenIndex }])
      return sequence.nextTokenIndex
    },
    dispose: async () => {
      await context.dispose()
      await model.dispose()
    }
  }
}

/**
 * A draft engine shaped like WebLLM's: node-llama-cpp driven as a
 * forward-only core (`forwardTokensAndSample` appends and samples greedily,
 * `resetChat` empties the sequence; its KV cache is never truncated), behind
 * the same {@link ReprefillDraftEngine} the page's WebLLM drafter uses.
 */
export async function createReprefillLlamaDraftEngine (modelPath: string): Promise<DisposableDraftEngine & { readonly stats: ReprefillStats }> {
  const llama = await getLlama({ gpu: false, build: 'never', maxThreads: 1, logLevel: LlamaLogLevel.error })
  const model: LlamaModel = await llama.loadModel({ modelPath, gpuLayers: 0 })
  const context = await model.createContext({ contextSize: 2048, sequences: 1, threads: 1 })
  const sequence: LlamaContextSequence = context.getSequence()
  const engine = new ReprefillDraftEngine({
    core: {
      forwardTokensAndSample: async (tokens) => {
        const last = tokens.length - 1
        const results = await sequence.controlledEvaluate(tokens.map((token, index) => index === last
          ? [token as Token, { generateNext: { token: true, probabilities: true, options: { temperature: 0 } } }]
          : token as Token))
        const result = results[last]?.next
        if (result?.token == null) {
          throw new Error('llama.cpp returned no token')
        }
        return { token: result.token, probability: result.probabilities?.get(result.token) ?? 0 }
      },
      resetChat: async () => { await sequence.clearHistory() }
    },
    isEndOfGeneration: (token) => model.isEogToken(token as Token)
  })
  return {
    get stats () { return engine.stats },
    evaluate: async (tokens, options) => await engine.evaluate(tokens, options),
    generateGreedy: async (count, options) => await engine.generateGreedy(count, options),
    rewind: async (position) => await engine.rewind(position),
    dispose: async () => {
      await context.dispose()
      await model.dispose()
    }
  }
}

/** Drafts uniformly random tokens of a `vocabularySize`-token vocabulary: never worth verifying. */
export function garbageDraftEngine (vocabularySize: number, seed = 1): DisposableDraftEngine {
  let state = seed
  const random = (): number => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0
    return state / 2 ** 32
  }
  let length = 0
  return {
    evaluate: async (tokens) => (length += tokens.length),
    generateGreedy: async (count) => Array.from({ length: count }, () => {
      length++
      return { token: Math.floor(random() * vocabularySize), probability: random() }
    }),
    rewind: async (position) => (length = position),
    dispose: async () => {}
  }
}

/** `engine`, but every call first waits `delayMs`: a drafter too slow to keep ahead. */
export function slowDraftEngine (engine: DisposableDraftEngine, delayMs: number): DisposableDraftEngine {
  const pause = async (): Promise<void> => { await new Promise((resolve) => setTimeout(resolve, delayMs)) }
  return {
    evaluate: async (tokens) => { await pause(); return engine.evaluate(tokens) },
    generateGreedy: async (count) => { await pause(); return engine.generateGreedy(count) },
    rewind: async (position) => { await pause(); return engine.rewind(position) },
    dispose: async () => { await engine.dispose() }
  }
}

/** A transport that resets the stream after `batches` draft batches: a drafter vanishing mid-job. */
export function cutAfter (transport: DraftTransport, stream: Stream, batches: number): DraftTransport {
  let sent = 0
  return {
    ...transport,
    send: async (message) => {
      if (message.type === 'batch' && ++sent > batches) {
        stream.abort(new Error('drafter vanished'))
        throw new Error('drafter vanished')
      }
      await transport.send(message)
    }
  }
}

/** Every message a transport received, for privacy checks. */
export function recording (transport: DraftTransport, received: unknown[]): DraftTransport {
  return {
    ...transport,
    receive: async () => {
      const message = await transport.receive()
      received.push(message)
      return message
    }
  }
}

export interface NodeDrafter {
  node: Libp2p
  drafter: Drafter
  /** `drafted` receipts the verifier sent, as they arrived (unchecked). */
  receipts: SignedReceipt[]
  /** Settles when the drafter stops (stream ended, refused, cut). */
  running: Promise<void>
  stop: () => Promise<void>
}

/** A libp2p node in this process with a direct WebRTC connection to the gpu-node at `gpuNodeUrl`. */
export async function connectDirect (gpuNodeUrl: string, privateKey?: PrivateKey): Promise<{ node: Libp2p, connection: Connection, health: GpuNodeHealth }> {
  const health = GpuNodeHealth.parse(await (await fetch(`${gpuNodeUrl}/health`)).json())
  const address = health.addresses.find((candidate) => candidate.includes('/p2p-circuit/webrtc/'))
  if (address == null) {
    throw new Error('the gpu-node has no WebRTC address yet')
  }
  const node = await createShoalNode({
    privateKey: privateKey ?? await generateKeyPair('Ed25519'),
    transports: [webSockets(), circuitRelayTransport(), webRTC({ rtcConfiguration: { iceServers: [] } })],
    listen: ['/p2p-circuit', '/webrtc'],
    connectionGater: { denyDialMultiaddr: () => false }
  })
  await node.start()
  // As the page does (src/lib/mesh/direct-dialer.ts): retry a failed WebRTC dial after closing what it left.
  const connection: Connection = await waitFor('a direct WebRTC connection to the verifier', async () => {
    try {
      return await node.dial(multiaddr(address), { signal: AbortSignal.timeout(10_000), force: true })
    } catch (err) {
      await Promise.all(node.getConnections().filter((stale) => stale.limits == null).map(async (stale) => { await stale.close() }))
      throw err
    }
  }, 40_000)
  return { node, connection, health }
}

/** Connects to the gpu-node at `gpuNodeUrl` (see {@link connectDirect}) and runs a drafter on `engine`. */
export async function startNodeDrafter (gpuNodeUrl: string, engine: DisposableDraftEngine, options: {
  tokenizerFingerprint?: string
  wrap?: (transport: DraftTransport, stream: Stream) => DraftTransport
  maxJobs?: number
  /** What it holds of its receipt chain, to have the rest sent again (see {@link DrafterInit.receiptGaps}). */
  receiptGaps?: ReceiptGapRequest
  /** Draft as this key's peer (a new one when not given). */
  privateKey?: PrivateKey
} = {}): Promise<NodeDrafter> {
  const { node, connection, health } = await connectDirect(gpuNodeUrl, options.privateKey)
  const stream = await connection.newStream(DRAFT_PROTOCOL)
  const transport = draftTransport(stream)
  const receipts: SignedReceipt[] = []
  const drafter = new Drafter({
    engine,
    transport: options.wrap?.(transport, stream) ?? transport,
    model: 'test drafter',
    tokenizerFingerprint: options.tokenizerFingerprint ?? health.model.tokenizerFingerprint,
    contextLength: 2048,
    maxJobs: options.maxJobs ?? 1,
    receiptGaps: options.receiptGaps,
    onReceipt: (receipt) => { receipts.push(receipt) }
  })
  const controller = new AbortController()
  const running = drafter.run(controller.signal)
  running.catch(() => {})
  return {
    node,
    drafter,
    receipts,
    running,
    stop: async () => {
      controller.abort()
      await running.catch(() => {})
      await node.stop()
      await engine.dispose()
    }
  }
}
