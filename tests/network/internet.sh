#!/usr/bin/env bash
# Builds (or tears down) a small internet inside the caller's network
# namespace, for tests that need real NATs between WebRTC peers:
#
#   caller's namespace = "the internet": bridge <p>br, 198.18.0.1 (relay) and
#   198.18.0.2 (coturn), test addresses (RFC 2544) that are never routed.
#     <p>-home-router    wan 198.18.0.10 ── NAT (MASQUERADE: port-restricted cone) ── lan 192.168.1.1
#     <p>-home           192.168.1.2 (the verifier)
#     <p>-mobile-router  wan 198.18.0.20 ── NAT (MASQUERADE --random: symmetric)    ── lan 192.168.2.1
#     <p>-mobile         192.168.2.2 (Chromium: only TURN gets through)
#     <p>-cafe-router    wan 198.18.0.30 ── NAT (MASQUERADE: port-restricted cone) ── lan 192.168.3.1
#     <p>-cafe           192.168.3.2 (Chromium: STUN hole punching gets through)
#
# Every router drops unsolicited inbound traffic, as home routers do, both
# what it would forward and what is addressed to itself. Without the first,
# Linux NAT lets a hole punched by one side in both ways. Without the second,
# a punching packet that arrives before this side's own has gone out is
# delivered to the router itself (nothing maps it to the LAN yet), and the
# conntrack entry it leaves holds the mapping's public port: the LAN host's
# own packet to that peer then gets another port, a symmetric NAT's
# behaviour. A dropped packet leaves no entry (conntrack confirms an entry
# only when its packet gets through). Every link is
# a veth pair between these namespaces and the caller's, so nothing reaches
# the machine's real network as long as the caller runs in a private
# namespace (scripts/private-network.sh). Needs root, iproute2 and iptables.
#
#   internet.sh up <prefix>             build it (<prefix>: a few letters and digits, unique per run)
#   internet.sh forward <prefix> <port>  forward TCP <port> on the home router to the verifier (its HTTP API, for test health checks)
#   internet.sh status <prefix>         print each router's rule counters (what its NAT and filter did)
#   internet.sh down <prefix>           remove the namespaces (the bridge goes with the caller's namespace)
set -euo pipefail

action=${1:?usage: internet.sh up|forward|status|down <prefix> [port]}
prefix=${2:?usage: internet.sh up|forward|status|down <prefix> [port]}
if ! [[ $prefix =~ ^[a-z][a-z0-9]{0,6}$ ]]; then
  echo "internet.sh: prefix must be 1-7 lowercase letters and digits" >&2
  exit 2
fi

# router <name> <wan octet> <lan /24 prefix> [extra MASQUERADE flags]
router () {
  local name=$1 octet=$2 lan=$3 masquerade=${4:-}
  local router_ns=$prefix-$name-router host_ns=$prefix-$name uplink=$prefix${name:0:1}w
  ip netns add "$router_ns"
  ip netns add "$host_ns"
  ip link add "$uplink" type veth peer name wan netns "$router_ns"
  ip link set "$uplink" master "${prefix}br" up
  ip -n "$router_ns" link set lo up
  ip -n "$router_ns" addr add "198.18.0.$octet/24" dev wan
  ip -n "$router_ns" link set wan up
  ip -n "$router_ns" link add lan type veth peer name eth0 netns "$host_ns"
  ip -n "$router_ns" addr add "$lan.1/24" dev lan
  ip -n "$router_ns" link set lan up
  ip -n "$host_ns" link set lo up
  ip -n "$host_ns" addr add "$lan.2/24" dev eth0
  ip -n "$host_ns" link set eth0 up
  ip -n "$host_ns" route add default via "$lan.1"
  ip netns exec "$router_ns" sysctl -qw net.ipv4.ip_forward=1
  # shellcheck disable=SC2086 # $masquerade is a list of flags
  ip netns exec "$router_ns" iptables -t nat -A POSTROUTING -o wan -j MASQUERADE $masquerade
  ip netns exec "$router_ns" iptables -A FORWARD -i wan -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT
  ip netns exec "$router_ns" iptables -A FORWARD -i wan -j DROP
  ip netns exec "$router_ns" iptables -A INPUT -i wan -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT
  ip netns exec "$router_ns" iptables -A INPUT -i wan -j DROP
}

case $action in
  up)
    ip link add "${prefix}br" type bridge
    ip addr add 198.18.0.1/24 dev "${prefix}br"
    ip addr add 198.18.0.2/24 dev "${prefix}br"
    ip link set "${prefix}br" up
    router home 10 192.168.1
    router mobile 20 192.168.2 --random
    router cafe 30 192.168.3
    ;;
  forward)
    port=${3:?usage: internet.sh forward <prefix> <port>}
    ip netns exec "$prefix-home-router" iptables -t nat -A PREROUTING -i wan -p tcp --dport "$port" -j DNAT --to-destination "192.168.1.2:$port"
    ip netns exec "$prefix-home-router" iptables -I FORWARD 1 -i wan -p tcp -d 192.168.1.2 --dport "$port" -j ACCEPT
    ;;
  status)
    # What each router's NAT and filter did: packet counters per rule.
    for name in home mobile cafe; do
      echo "== $prefix-$name-router"
      ip netns exec "$prefix-$name-router" iptables -L -v -n
      ip netns exec "$prefix-$name-router" iptables -t nat -L -v -n
    done
    ;;
  down)
    for namespace in home-router home mobile-router mobile cafe-router cafe; do
      ip netns delete "$prefix-$namespace" 2>/dev/null || true
    done
    ip link delete "${prefix}br" 2>/dev/null || true
    ;;
  *)
    echo "internet.sh: unknown action $action" >&2
    exit 2
    ;;
esac
