/** Versioned protocol ids and gossip topics. Bump the version on any incompatible change. */

/** Gossip topic every peer publishes its {@link Announcement} on. */
export const ANNOUNCE_TOPIC = '/shoal/announce/1.0.0'

/**
 * Echo protocol on one long-lived stream: measures request/response round
 * trips between two peers without the cost of opening a stream per request.
 */
export const PROBE_PROTOCOL = '/shoal/probe/1.0.0'

/** Path, on the relay's HTTP server, of the JSON that tells a page how to dial the relay. */
export const BOOTSTRAP_PATH = '/shoal/bootstrap.json'

/** The software name and version peers put in their announcements. */
export const AGENT = 'shoal/0.1.0'

/**
 * Chat with a verifier: one stream per chat. The client writes a
 * `ChatRequest` (then any `ChatControl`), the verifier streams `ChatEvent`s.
 * See `chat.ts`.
 */
export const CHAT_PROTOCOL = '/shoal/chat/1.0.0'

/**
 * Draft for a verifier: ONE long-lived stream per drafter and verifier,
 * opened by the drafter, carrying every job between them. See `draft.ts`.
 * 1.1.0 added `drafted` receipts, which a 1.0.0 drafter could not read.
 */
export const DRAFT_PROTOCOL = '/shoal/draft/1.1.0'

/**
 * One HTTP exchange carried over the mesh: the relay's gateway forwards a
 * `/v1/*` or `/api/*` request to a verifier it holds a connection to (its
 * reservation's), the verifier answers it with its own HTTP API. One stream
 * per request. See `http-tunnel.ts`.
 */
export const HTTP_TUNNEL_PROTOCOL = '/shoal/http/1.0.0'
