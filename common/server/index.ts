/**
 * Code shared by Shoal's Node processes (relay/ and gpu-node/): options from
 * argv and env, the persisted identity key, the process lifecycle, HTTP and
 * Prometheus helpers, limits on what one client may hold and the common libp2p stack. Server-only: it uses `node:`
 * modules, so the page must never import it.
 *
 * @example
 * ```ts
 * runMain({ program: 'shoal-relay' }, async ({ signal, log }) => {
 *   const parsed = parseOptions({ program: 'shoal-relay', summary, options, schema })
 *   if (parsed.help) { log.info(parsed.usage); return undefined }
 *   const privateKey = await loadOrCreateIdentityKey(parsed.options.keyFile, { signal })
 *   const node = await createShoalNode({ privateKey, transports: [webSockets()] })
 *   await node.start()
 *   return { stop: async () => { await node.stop() } }
 * })
 * ```
 */
export * from './errors.ts'
export * from './config.ts'
export * from './identity-key.ts'
export * from './log.ts'
export * from './run-main.ts'
export * from './http.ts'
export * from './connection-guard.ts'
export * from './prometheus.ts'
export * from './libp2p-node.ts'
export * from './services.ts'
export * from './relay-bootstrap.ts'
export * from './gossip-police.ts'
export * from './bounded-map.ts'
export * from './byte-budget.ts'
export * from './stream-budget.ts'
