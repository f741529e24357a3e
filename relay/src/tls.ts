import { readFile } from 'node:fs/promises'
import { createSecureContext } from 'node:tls'
import { ConfigError, errorMessage } from '#server'
import type { Log } from '#server'

/**
 * TLS on the relay's one port: with `--tls-cert` and `--tls-key` (PEM files)
 * the relay serves https and wss itself, no proxy in front. SIGHUP reads the
 * files again and swaps the certificate for new connections; connections
 * already open keep theirs, so renewing a certificate (certbot's deploy hook:
 * `systemctl reload shoal-relay`) drops nobody.
 *
 * @example
 * ```ts
 * const tls = await loadTlsFiles({ certFile, keyFile })
 * const server = createHttpsServer(tls, handler)
 * reloadTlsOnSighup(server, { certFile, keyFile }, log)
 * ```
 */
export interface TlsFiles {
  certFile: string
  keyFile: string
}

export interface TlsCredentials {
  cert: string
  key: string
}

/** What can swap its certificate in place: a node:https or node:tls server. */
export interface SecureContextTarget {
  setSecureContext: (options: TlsCredentials) => void
}

/**
 * Reads and checks a PEM certificate (chain) and its key.
 *
 * @throws {ConfigError} when a file cannot be read or the pair is not a usable certificate and key
 */
export async function loadTlsFiles (files: TlsFiles): Promise<TlsCredentials> {
  const read = async (file: string, what: string): Promise<string> => {
    try {
      return await readFile(file, 'utf8')
    } catch (err) {
      throw new ConfigError(`cannot read the TLS ${what} ${file}: ${errorMessage(err)}`)
    }
  }
  const credentials = { cert: await read(files.certFile, 'certificate'), key: await read(files.keyFile, 'key') }
  try {
    // Fails on malformed PEM and on a key that does not match the certificate.
    createSecureContext(credentials)
  } catch (err) {
    throw new ConfigError(`${files.certFile} and ${files.keyFile} are not a usable certificate and key: ${errorMessage(err)}`)
  }
  return credentials
}

/**
 * Swaps the server's certificate on each SIGHUP. A bad pair is logged and the
 * old certificate kept: a typo must not take the relay off the air. Returns a
 * function that stops listening for SIGHUP.
 */
export function reloadTlsOnSighup (server: SecureContextTarget, files: TlsFiles, log: Log, onReloaded?: () => void): () => void {
  const onSignal = (): void => {
    loadTlsFiles(files).then((credentials) => {
      server.setSecureContext(credentials)
      log.info(`TLS certificate reloaded from ${files.certFile}`)
      onReloaded?.()
    }).catch((err: unknown) => {
      log.warn(`TLS reload failed, keeping the old certificate: ${errorMessage(err)}`)
    })
  }
  process.on('SIGHUP', onSignal)
  return () => { process.off('SIGHUP', onSignal) }
}

/** The public WebSocket multiaddr made secure: `.../tcp/443/ws` → `.../tcp/443/tls/ws`. */
export function secureWebSocketMultiaddr (address: string): string {
  return address.replace(/\/ws$/, '/tls/ws')
}
