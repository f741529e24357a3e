#!/usr/bin/env bash
# Runs a command in a private network namespace, for tests and benchmarks that
# put real WebRTC between Chromium and Node processes.
#
# Chromium gathers no ICE candidates on loopback alone, so the namespace gets
# a veth pair whose two ends both stay inside it, and a default route: WebRTC
# then finds host candidates, and no packet can leave the namespace. HTTP and
# WebSocket traffic stays on 127.0.0.1.
#
# Needs root (CI runs as root). Elsewhere, or with SHOAL_HOST_NETWORK=1, the
# command runs on the host network, which works on a developer workstation.
set -euo pipefail

if [ "${SHOAL_IN_PRIVATE_NETWORK:-}" != 1 ] && [ -z "${SHOAL_HOST_NETWORK:-}" ] \
  && [ "$(id -u)" = 0 ] && command -v unshare >/dev/null && command -v ip >/dev/null; then
  exec unshare --net -- env SHOAL_IN_PRIVATE_NETWORK=1 bash "$0" "$@"
fi

if [ "${SHOAL_IN_PRIVATE_NETWORK:-}" = 1 ] && ! ip link show shoal0 >/dev/null 2>&1; then
  ip link set lo up
  ip link add shoal0 type veth peer name shoal1
  ip addr add 10.99.0.1/24 dev shoal0
  ip addr add 10.99.0.2/24 dev shoal1
  ip link set shoal0 up
  ip link set shoal1 up
  ip route add default dev shoal0
fi

exec "$@"
