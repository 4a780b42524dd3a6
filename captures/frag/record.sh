#!/bin/sh
# Records outside-eth0-out.pcap on the real kernel (run as root; needs
# iproute2, tcpdump, iputils ping and node): outside (203.0.113.10, MAC
# 02:00:00:00:03:01, as scenarios/x-replay-fragments.yaml names it) pings
# 203.0.113.1 (a stand-in for the router's wan, MAC 02:00:00:00:01:02) twice
# with 3000 bytes of data over a 1500-byte MTU: each echo request leaves as
# three fragments (1500 + 1500 + 68 bytes of IP). tcpdump keeps what
# outside sent (-Q out). make-reordered.mjs then writes the replayed file.
# The namespaces nlM-outside and nlM-wan are deleted at the end, even on
# failure.
set -eu
cd "$(dirname "$0")"
P=nlM-
PIDS=""
cleanup() {
  for p in $PIDS; do kill "$p" 2>/dev/null || true; done
  sleep 0.2
  for n in outside wan; do ip netns del "$P$n" 2>/dev/null || true; done
}
trap cleanup EXIT INT TERM
for n in outside wan; do
  ip netns add "$P$n"
  ip netns exec "$P$n" sysctl -qw net.ipv4.igmp_link_local_mcast_reports=0
  ip netns exec "$P$n" sysctl -qw net.ipv6.conf.all.disable_ipv6=1
  ip netns exec "$P$n" sysctl -qw net.ipv6.conf.default.disable_ipv6=1
  ip -n "$P$n" link set lo up
done
ip link add tmpM0 type veth peer name tmpM1
ip link set tmpM0 netns "${P}outside"; ip -n "${P}outside" link set tmpM0 name eth0 address 02:00:00:00:03:01 up
ip link set tmpM1 netns "${P}wan"; ip -n "${P}wan" link set tmpM1 name wan address 02:00:00:00:01:02 up
ip -n "${P}outside" addr add 203.0.113.10/24 dev eth0
ip -n "${P}wan" addr add 203.0.113.1/24 dev wan
ip netns exec "${P}outside" tcpdump -p --immediate-mode -U -Q out -i eth0 -w outside-eth0-out.pcap 2>/dev/null &
PIDS="$PIDS $!"
sleep 1
ip netns exec "${P}outside" ping -c 2 -i 0.3 -W 1 -s 3000 203.0.113.1 > outside-ping.txt
sleep 0.5
node make-reordered.mjs
