/**
 * Hosts WebLLM's engine off the main thread, shared by every Shoal tab of
 * the origin: started as a SharedWorker, one `MLCEngine` (one copy of the
 * weights in GPU memory) answers all tabs. Where SharedWorker is missing
 * (Chrome on Android) or lacks WebGPU, the page starts this same file as a
 * dedicated Worker instead.
 *
 * WebLLM's `WebWorkerMLCEngineHandler` speaks to one peer through the
 * global `postMessage`; here each request's `uuid` remembers which tab's
 * port asked, so replies go back to that tab only, and load progress (which
 * has no uuid) goes to every tab. Each request also carries the model the tab
 * expects, so the handler reloads when another tab switched models.
 *
 * Besides WebLLM's messages the page sends `{ kind: 'shoal-ping', id }`
 * (answered with `shoal-pong` at once: the page's liveness check) and
 * `{ kind: 'shoal-bye' }` when it goes away.
 */
import { WebWorkerMLCEngineHandler } from '@mlc-ai/web-llm'
import { z } from 'zod'
import { WEBLLM_BYE, WEBLLM_PING, WEBLLM_PONG } from './webllm-messages.ts'
import type { WebllmPong } from './webllm-messages.ts'

interface ReplyPort {
  postMessage: (message: unknown) => void
}

/** WebLLM's request envelope (`WorkerRequest`): the content is WebLLM's to check. */
const webllmRequestSchema = z.object({ kind: z.string(), uuid: z.string(), content: z.unknown() })
const pingSchema = z.object({ kind: z.literal(WEBLLM_PING), id: z.number() })
const byeSchema = z.object({ kind: z.literal(WEBLLM_BYE) })
const replySchema = z.object({ kind: z.string(), uuid: z.string() })
/** WebLLM requests the handler never answers: remembering who sent them would leak. */
const UNANSWERED_KINDS: ReadonlySet<string> = new Set(['setAppConfig', 'setLogLevel', 'interruptGenerate', 'customRequest'])

class SharedEngineHandler extends WebWorkerMLCEngineHandler {
  readonly #ports = new Set<ReplyPort>()
  /** Which port asked each request still in flight. */
  readonly #askedBy = new Map<string, ReplyPort>()

  connect (port: ReplyPort): (data: unknown) => void {
    this.#ports.add(port)
    return (data) => { this.#receive(port, data) }
  }

  #receive (port: ReplyPort, data: unknown): void {
    const ping = pingSchema.safeParse(data)
    if (ping.success) {
      const pong: WebllmPong = { kind: WEBLLM_PONG, id: ping.data.id, webgpu: 'gpu' in navigator, tabs: this.#ports.size }
      port.postMessage(pong)
      return
    }
    if (byeSchema.safeParse(data).success) {
      this.#ports.delete(port)
      for (const [uuid, asker] of this.#askedBy) {
        if (asker === port) this.#askedBy.delete(uuid)
      }
      return
    }
    const request = webllmRequestSchema.safeParse(data)
    if (!request.success) return
    if (!UNANSWERED_KINDS.has(request.data.kind)) this.#askedBy.set(request.data.uuid, port)
    this.onmessage(request.data)
  }

  // WebLLM declares `postMessage(msg: any)`; replies are its own `WorkerResponse`s.
  override postMessage (message: unknown): void {
    const reply = replySchema.safeParse(message)
    if (!reply.success || reply.data.uuid === '') {
      for (const port of this.#ports) port.postMessage(message)
      return
    }
    const port = this.#askedBy.get(reply.data.uuid)
    if (port === undefined) return
    if (reply.data.kind === 'return' || reply.data.kind === 'throw') this.#askedBy.delete(reply.data.uuid)
    port.postMessage(message)
  }
}

const handler = new SharedEngineHandler()

// SharedWorker: one port per tab.
globalThis.addEventListener('connect', (event) => {
  if (!(event instanceof MessageEvent)) return
  for (const port of event.ports) {
    const receive = handler.connect({ postMessage: (message) => { port.postMessage(message) } })
    port.addEventListener('message', (message) => { receive(message.data) })
    port.start()
  }
})

// Dedicated Worker fallback: the page is the only peer. (A SharedWorker's global has no postMessage.)
if (!('onconnect' in globalThis)) {
  const receiveFromPage = handler.connect({ postMessage: (message) => { globalThis.postMessage(message, { transfer: [] }) } })
  globalThis.addEventListener('message', (event) => { receiveFromPage(event.data) })
}
