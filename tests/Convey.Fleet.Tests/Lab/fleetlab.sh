#!/bin/bash
# The fleet lab (run as root): balancers behind a BGP router with ECMP, in network namespaces named with a prefix, so
# several runs (and other labs) never collide.
# Usage: [PREFIX=cvf-] [BFD=on] fleetlab.sh up|down|routes|status|announce N on|off|lose-node N|etcd-up PORT
#
#   <p>cl 198.18.2.10 (client) ── <p>rt (router 198.18.2.1 / 198.18.3.1: BIRD 2, kernel ECMP, L4 hash)
#      └── one segment 198.18.3.0/24 (bridge in <p>sw): <p>lb1 .21, <p>lb2 .22, <p>lb3 .23 (balancers, each with its
#          own BIRD), <p>b1 .11, <p>b2 .12 (backends)
#   VIP 198.18.4.1 (anycast) on lo of every balancer (proxy mode; the packet engine sees it arrive on eth1) and of every
#   backend (L2 DSR; no ARP for it): backends answer clients directly through the router.
#
# Each balancer's BIRD peers with the router (eBGP, AS 64513 -> AS 64512, hold time 3 s) and exports only the static
# route of protocol "vip" (VIP/32), which starts disabled: the balancer turns it on while it is fit to serve, through
# the control socket $RUN/lbN/bird.ctl (RUN defaults to /run/<p>fleet).
#   routes          the router's route to the VIP (one nexthop per announcing balancer)
#   announce N on   birdc enable vip on balancer N (off: disable), what an operator would do by hand
#   lose-node N     balancer N is lost as a machine: frames to and from it vanish and everything running in it is killed
#   etcd-up PORT    an etcd on the router's segment address 198.18.3.1:PORT (data in $RUN/etcd), reachable from
#                   every balancer
# Needs: iproute2, nftables, ethtool, iputils-ping, bird2 (bird, birdc); etcd-server and curl for etcd-up.
set -euo pipefail
P=${PREFIX:-cvf-}
RUN=${RUN:-/run/${P}fleet}
HOSTS="rt cl lb1 lb2 lb3 b1 b2"
VIP=198.18.4.1
# BFD=on: the BGP sessions also run BFD (100 ms intervals, 3 missed: a lost node is noticed in 0.3 s, not the hold time).
BFD_BGP=""; BFD_PROTOCOL=""
if [ "${BFD:-off}" = on ]; then
  BFD_BGP=" bfd on;"
  BFD_PROTOCOL="protocol bfd { interface \"eth1\" { min rx interval 100 ms; min tx interval 100 ms; multiplier 3; }; }"
fi
declare -A IP=([lb1]=198.18.3.21 [lb2]=198.18.3.22 [lb3]=198.18.3.23 [b1]=198.18.3.11 [b2]=198.18.3.12)

down() {
  for n in $HOSTS sw; do
    if ip netns list | grep -qw "$P$n"; then
      for p in $(ip netns pids "$P$n" 2>/dev/null); do kill -9 "$p" 2>/dev/null || true; done
      ip netns del "$P$n" 2>/dev/null || true
    fi
  done
  rm -rf "$RUN"
}

offload_off() { ip netns exec "$1" ethtool -K "$2" tso off gso off gro off tx off rx off >/dev/null 2>&1 || true; }

birdc_in() { local h=$1; shift; ip netns exec "$P$h" birdc -s "$RUN/$h/bird.ctl" "$@"; }

bird_lb() { # host
  local h=$1
  mkdir -p "$RUN/$h"
  cat > "$RUN/$h/bird.conf" <<B
router id ${IP[$h]};
protocol device {}
protocol static vip { disabled; ipv4; route $VIP/32 blackhole; }
protocol bgp uplink {
  local ${IP[$h]} as 64513; neighbor 198.18.3.1 as 64512;
  hold time 3; keepalive time 1; connect retry time 1;$BFD_BGP
  ipv4 { import none; export where proto = "vip"; next hop self; };
}
$BFD_PROTOCOL
B
  ip netns exec "$P$h" bird -c "$RUN/$h/bird.conf" -s "$RUN/$h/bird.ctl" -P "$RUN/$h/bird.pid"
}

up() {
  down
  mkdir -p "$RUN"
  for n in sw $HOSTS; do ip netns add "$P$n"; ip -n "$P$n" link set lo up; done
  ip -n "${P}sw" link add br0 type bridge; ip -n "${P}sw" link set br0 up
  # client <-> router
  ip link add eth0 netns "${P}cl" type veth peer name eth0 netns "${P}rt"
  ip -n "${P}cl" addr add 198.18.2.10/24 dev eth0; ip -n "${P}cl" link set eth0 up
  ip -n "${P}cl" route add default via 198.18.2.1
  # The router's ECMP hash takes a packet's existing flow hash when it has one, and over veth that is the client
  # socket's random hash, which TCP draws anew on every retransmission timeout: a stalled flow would hop to another
  # balancer at its first timeout. A router hashes the headers, which never change within a flow: keep the hash.
  ip netns exec "${P}cl" sysctl -qw net.core.txrehash=0
  ip -n "${P}rt" addr add 198.18.2.1/24 dev eth0; ip -n "${P}rt" link set eth0 up
  offload_off "${P}cl" eth0; offload_off "${P}rt" eth0
  # router, balancers and backends on one segment
  for h in rt lb1 lb2 lb3 b1 b2; do
    ip link add eth1 netns "$P$h" type veth peer name "v$h" netns "${P}sw"
    ip -n "${P}sw" link set "v$h" master br0 up
    ip -n "$P$h" link set eth1 up
    offload_off "$P$h" eth1; offload_off "${P}sw" "v$h"
  done
  ip -n "${P}rt" addr add 198.18.3.1/24 dev eth1
  ip netns exec "${P}rt" sysctl -qw net.ipv4.ip_forward=1 net.ipv4.fib_multipath_hash_policy=1 \
    net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.eth1.rp_filter=0 net.ipv4.conf.eth0.rp_filter=0
  for h in lb1 lb2 lb3 b1 b2; do
    ip -n "$P$h" addr add "${IP[$h]}/24" dev eth1
    ip -n "$P$h" route add default via 198.18.3.1
    ip -n "$P$h" addr add "$VIP/32" dev lo
    ip netns exec "$P$h" sysctl -qw net.ipv4.conf.all.arp_ignore=1 net.ipv4.conf.all.arp_announce=2 \
      net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.eth1.rp_filter=0
  done
  # The balancers' own connections (health checks) stay out of the packet engine's NAT port range.
  for h in lb1 lb2 lb3; do ip netns exec "$P$h" sysctl -qw net.ipv4.ip_local_port_range="20000 32000"; done
  # router BIRD: a session per balancer, ECMP into the kernel
  mkdir -p "$RUN/rt"
  { echo "router id 198.18.3.1;"
    echo "protocol device {}"
    echo "protocol kernel { ipv4 { import none; export all; }; merge paths on; }"
    for h in lb1 lb2 lb3; do
      echo "protocol bgp $h { local 198.18.3.1 as 64512; neighbor ${IP[$h]} as 64513; hold time 3; keepalive time 1; connect retry time 1;$BFD_BGP"
      echo "  ipv4 { import all; export none; }; }"
    done
    echo "$BFD_PROTOCOL"; } > "$RUN/rt/bird.conf"
  ip netns exec "${P}rt" bird -c "$RUN/rt/bird.conf" -s "$RUN/rt/bird.ctl" -P "$RUN/rt/bird.pid"
  for h in lb1 lb2 lb3; do bird_lb "$h"; done
  ip netns exec "${P}cl" ping -c1 -W2 -q 198.18.3.1 >/dev/null
  for h in lb1 lb2 lb3 b1 b2; do ip netns exec "$P$h" ping -c1 -W2 -q 198.18.3.1 >/dev/null; done
  for _ in $(seq 100); do
    [ "$(birdc_in rt show protocols | grep -c Established)" = 3 ] && return 0
    sleep 0.1
  done
  echo "the BGP sessions between the router and the balancers did not come up:" >&2
  birdc_in rt show protocols >&2
  return 1
}

announce() { # N on|off
  case "$2" in
    on) birdc_in "lb$1" enable vip >/dev/null ;;
    off) birdc_in "lb$1" disable vip >/dev/null ;;
    *) echo "announce N on|off" >&2; return 2 ;;
  esac
}

lose_node() { # N
  # Frames to the lost machine vanish, as they do on a real segment: the bridge drops them rather than flooding them to
  # the other balancers (which is what it does once a port is down and its address forgotten).
  local mac
  mac=$(ip -n "${P}lb$1" link show eth1 | awk '/link\/ether/ { print $2 }')
  ip netns exec "${P}sw" nft -f - <<NFT
table bridge lost$1 {
  chain forward { type filter hook forward priority 0; policy accept; ether daddr $mac drop; ether saddr $mac drop; }
}
NFT
  for p in $(ip netns pids "${P}lb$1"); do kill -9 "$p" 2>/dev/null || true; done
}

etcd_up() { # PORT
  mkdir -p "$RUN/etcd"
  ip netns exec "${P}rt" etcd --name "${P}etcd" --data-dir "$RUN/etcd" \
    --listen-client-urls "http://198.18.3.1:$1" --advertise-client-urls "http://198.18.3.1:$1" \
    --listen-peer-urls "http://127.0.0.1:$(($1 + 1))" --initial-advertise-peer-urls "http://127.0.0.1:$(($1 + 1))" \
    --initial-cluster "${P}etcd=http://127.0.0.1:$(($1 + 1))" >"$RUN/etcd.log" 2>&1 &
  for _ in $(seq 100); do
    ip netns exec "${P}rt" curl -sf "http://198.18.3.1:$1/health" >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  echo "etcd did not come up:" >&2; cat "$RUN/etcd.log" >&2; return 1
}

case "${1:-}" in
  up) up ;;
  down) down ;;
  routes) ip -n "${P}rt" route show "$VIP" ;;
  status) birdc_in rt show protocols ;;
  announce) announce "$2" "$3" ;;
  lose-node) lose_node "$2" ;;
  etcd-up) etcd_up "$2" ;;
  *) echo "usage: [PREFIX=cvf-] $0 up|down|routes|status|announce N on|off|lose-node N|etcd-up PORT" >&2; exit 2 ;;
esac
