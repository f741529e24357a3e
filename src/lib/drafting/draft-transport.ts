import { lpStream } from '@libp2p/utils'
import { MAX_DRAFT_TO_DRAFTER_BYTES, decodeDraftToDrafter, encodeDraftToVerifier } from '#protocol'
import type { DraftToDrafterMessage, DraftToVerifierMessage } from '#protocol'
import type { Stream } from '@libp2p/interface'

/** The drafter's end of a draft stream, as messages. */
export interface DraftTransport {
  /** Writes one message, waiting while the stream is backed up. */
  send: (message: DraftToVerifierMessage) => Promise<void>
  /**
   * The next message; rejects when the stream ends or a message is malformed
   * or oversized (decode errors from `protocol/draft.ts`).
   */
  receive: () => Promise<DraftToDrafterMessage>
  /** Closes the stream (resets it if the verifier does not take the close in time). */
  close: () => Promise<void>
}

const CLOSE_TIMEOUT_MS = 2_000

/** Wraps an open `/shoal/draft/1.1.0` stream. */
export function draftTransport (stream: Stream): DraftTransport {
  const messages = lpStream(stream, { maxDataLength: MAX_DRAFT_TO_DRAFTER_BYTES })
  return {
    send: async (message) => { await messages.write(encodeDraftToVerifier(message)) },
    receive: async () => decodeDraftToDrafter(await messages.read()),
    close: async () => {
      try {
        await stream.close({ signal: AbortSignal.timeout(CLOSE_TIMEOUT_MS) })
      } catch (err) {
        stream.abort(err instanceof Error ? err : new Error(String(err)))
      }
    }
  }
}
