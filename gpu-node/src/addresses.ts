import type { GpuNodeLibp2p } from './gpu-node.ts'

/**
 * The addresses a browser can dial: WebRTC through a relay. WebSocket and
 * plain circuit addresses are left out: browsers would reach us only through
 * the relay's limited connection.
 */
export function browserDialableAddresses (node: GpuNodeLibp2p): string[] {
  return node.getMultiaddrs()
    .map((address) => address.toString())
    .filter((address) => address.includes('/p2p-circuit/webrtc') || address.includes('/webrtc/'))
}
