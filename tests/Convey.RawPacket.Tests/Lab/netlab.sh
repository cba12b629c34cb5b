#!/bin/bash
# The packet engine's namespace lab (run as root): one L2 segment (bridge in "<prefix>sw"), four hosts on
# 198.19.0.0/23 (RFC 2544 benchmarking space) and on 2001:2::/64 (RFC 5180 benchmarking space):
#   <prefix>cl .0.10, 2001:2::a (client)   <prefix>lb .0.2, 2001:2::2 (balancer; its addresses are VIP and VIP6)
#   <prefix>b1 .1.11, 2001:2::1:b          <prefix>b2 .1.12, 2001:2::1:c (backends)
# Usage: [PREFIX=cvrp-] [OFFLOAD=on] [FW=off] [PORT=8080] netlab.sh up|down|dsr-on [VIP...]|dsr-off|l2dsr-on|routed-vip lo|dummy
#   OFFLOAD=on        keep veth offloads (TSO/GSO super-packets, CHECKSUM_PARTIAL packets)
#   FW=off            no manual DROP rules on the balancer (for a balancer that manages its own nftables table)
#   dsr-on [VIP...]   L3 DSR: backends rewrite the source of their replies to the client (own IP:PORT -> VIP) with an
#                     nftables egress rule, for IPv4 and IPv6; a VIP given (of either family) replaces that family's
#                     default, the balancer's address
#   l2dsr-on          L2 DSR: VIP2 (.0.100) and VIP6_2 (2001:2::100) on the balancer's eth0 and on the backends' lo, with
#                     arp_ignore/arp_announce (IPv6 neighbour discovery answers only for the interface's own addresses)
#   routed-vip lo     VIP3 (198.19.2.1) and VIP6_3 (2001:2:0:1::1) on the balancer's lo, the way network teams run a VIP
#                     (LVS-DR, anycast): off the segment, routed to the balancer (the client and the backends route
#                     VIP3/32 via .0.2 and VIP6_3/128 via 2001:2::2), so its packets arrive on the balancer's eth0
#                     addressed to an address eth0 does not hold
#   routed-vip dummy  the same with VIP3 on a dummy interface vip0; where the kernel has no dummy driver, an ifb device,
#                     which likewise holds an address, is up and carries no traffic
# Needs: iproute2, nftables, ethtool, iputils-ping.
set -euo pipefail
P=${PREFIX:-cvrp-}
HOSTS="cl lb b1 b2"
declare -A IP=([cl]=198.19.0.10 [lb]=198.19.0.2 [b1]=198.19.1.11 [b2]=198.19.1.12)
declare -A IP6=([cl]=2001:2::a [lb]=2001:2::2 [b1]=2001:2::1:b [b2]=2001:2::1:c)
declare -A MAC=([cl]=02:00:c6:13:00:0a [lb]=02:00:c6:13:00:02 [b1]=02:00:c6:13:01:0b [b2]=02:00:c6:13:01:0c)
VIP=${IP[lb]}; VIP2=198.19.0.100; VIP3=198.19.2.1; PORT=${PORT:-8080}
VIP6=${IP6[lb]}; VIP6_2=2001:2::100; VIP6_3=2001:2:0:1::1

down() {
  for n in $HOSTS sw; do ip netns del "$P$n" 2>/dev/null || true; done
}

up() {
  down
  ip netns add "${P}sw"
  ip -n "${P}sw" link add br0 type bridge
  ip -n "${P}sw" link set br0 up
  for h in $HOSTS; do
    ip netns add "$P$h"
    ip -n "$P$h" link set lo up
    ip link add eth0 netns "$P$h" address "${MAC[$h]}" type veth peer name "v$h" netns "${P}sw"
    ip -n "${P}sw" link set "v$h" master br0 up
    ip -n "$P$h" addr add "${IP[$h]}/23" dev eth0
    ip -n "$P$h" addr add "${IP6[$h]}/64" dev eth0 nodad
    ip -n "$P$h" link set eth0 up
    if [ "${OFFLOAD:-off}" = off ]; then
      ip netns exec "$P$h" ethtool -K eth0 tso off gso off gro off tx off rx off >/dev/null
      ip netns exec "${P}sw" ethtool -K "v$h" tso off gso off gro off tx off rx off >/dev/null
    fi
  done
  # The balancer's own connections (health checks) must not use the NAT port range.
  ip netns exec "${P}lb" sysctl -qw net.ipv4.ip_local_port_range="20000 32000"
  if [ "${FW:-on}" != off ]; then
    ip netns exec "${P}lb" nft -f - <<NFT
table inet lab {
  chain prerouting {
    type filter hook prerouting priority raw; policy accept;
    ip daddr $VIP tcp dport $PORT drop
    ip daddr $VIP tcp dport 32768-61000 drop
    ip6 daddr $VIP6 tcp dport $PORT drop
    ip6 daddr $VIP6 tcp dport 32768-61000 drop
  }
}
NFT
  fi
  for h in cl b1 b2; do ip netns exec "${P}lb" ping -c1 -W2 "${IP[$h]}" >/dev/null; done
  for h in cl b1 b2; do ip netns exec "${P}lb" ping -6 -c1 -W2 "${IP6[$h]}" >/dev/null; done
}

dsr_on() {
  local vip=$VIP vip6=$VIP6 a
  for a in "$@"; do
    case "$a" in *:*) vip6=$a ;; ?*) vip=$a ;; esac
  done
  # Replies to the balancer itself (health checks) keep their source.
  for b in b1 b2; do
    ip netns exec "$P$b" nft -f - <<NFT
table netdev dsr {
  chain egress {
    type filter hook egress device eth0 priority 0;
    ip saddr ${IP[$b]} tcp sport $PORT ip daddr != ${IP[lb]} ip saddr set $vip
    ip6 saddr ${IP6[$b]} tcp sport $PORT ip6 daddr != ${IP6[lb]} ip6 saddr set $vip6
  }
}
NFT
  done
}

routed_vip() {
  local dev
  case "${1:-}" in
    lo) dev=lo ;;
    dummy)
      dev=vip0
      ip -n "${P}lb" link add vip0 type dummy 2>/dev/null || ip -n "${P}lb" link add vip0 type ifb
      ip -n "${P}lb" link set vip0 up ;;
    *) echo "usage: $0 routed-vip lo|dummy" >&2; exit 2 ;;
  esac
  ip -n "${P}lb" addr add "$VIP3/32" dev "$dev"
  ip -n "${P}lb" addr add "$VIP6_3/128" dev "$dev" nodad
  for h in cl b1 b2; do
    ip -n "$P$h" route add "$VIP3/32" via "${IP[lb]}"
    ip -n "$P$h" route add "$VIP6_3/128" via "${IP6[lb]}"
  done
}

dsr_off() {
  for b in b1 b2; do ip netns exec "$P$b" nft delete table netdev dsr 2>/dev/null || true; done
}

l2dsr_on() {
  ip -n "${P}lb" addr add "$VIP2/32" dev eth0
  for b in b1 b2; do
    ip netns exec "$P$b" sysctl -qw net.ipv4.conf.all.arp_ignore=1 net.ipv4.conf.all.arp_announce=2
    ip -n "$P$b" addr add "$VIP2/32" dev lo
    ip -n "$P$b" addr add "$VIP6_2/128" dev lo
  done
  # As a /128 next to the backends, Linux prefers VIP6_2 as the source of the balancer's own connections to them
  # (RFC 6724 rule 8); Convey's health checks must leave from 2001:2::2 regardless.
  ip -n "${P}lb" addr add "$VIP6_2/128" dev eth0 nodad
}

case "${1:-}" in
  up) up ;; down) down ;; dsr-on) shift; dsr_on "$@" ;; dsr-off) dsr_off ;; l2dsr-on) l2dsr_on ;; routed-vip) routed_vip "${2:-}" ;;
  *) echo "usage: $0 up|down|dsr-on [VIP...]|dsr-off|l2dsr-on|routed-vip lo|dummy" >&2; exit 2 ;;
esac
