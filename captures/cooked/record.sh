#!/bin/sh
# Records the `tcpdump -i any` captures in this folder on the real kernel
# (run as root; needs iproute2, tcpdump, iputils ping and node). Two
# namespaces nlM-x and nlM-h joined by one veth pair, with the MACs the
# scenario contract gives x:eth0 and h:eth0 in scenarios/x-replay-cooked.yaml
# (02:00:00:00:02:01, 02:00:00:00:03:01). x pings h twice; two tcpdumps on
# x's "any" pseudo-interface record what x sent (-Q out): one in libpcap's
# default for "any", Linux cooked v2 (SLL2, link type 276), one in Linux
# cooked v1 (-y LINUX_SLL, link type 113). make-raw.mjs then derives the raw
# IPv4 (link type 101) file from the SLL one. Everything is deleted at the
# end, even on failure.
set -eu
cd "$(dirname "$0")"
P=nlM-
PIDS=""
cleanup() {
  for p in $PIDS; do kill "$p" 2>/dev/null || true; done
  sleep 0.2
  for n in x h; do ip netns del "$P$n" 2>/dev/null || true; done
}
trap cleanup EXIT INT TERM
for n in x h; do
  ip netns add "$P$n"
  ip netns exec "$P$n" sysctl -qw net.ipv4.igmp_link_local_mcast_reports=0
  ip netns exec "$P$n" sysctl -qw net.ipv6.conf.all.disable_ipv6=1
  ip netns exec "$P$n" sysctl -qw net.ipv6.conf.default.disable_ipv6=1
  ip -n "$P$n" link set lo up
done
ip link add tmpM0 type veth peer name tmpM1
ip link set tmpM0 netns "${P}x"; ip -n "${P}x" link set tmpM0 name eth0 address 02:00:00:00:02:01 up
ip link set tmpM1 netns "${P}h"; ip -n "${P}h" link set tmpM1 name eth0 address 02:00:00:00:03:01 up
ip -n "${P}x" addr add 10.0.0.9/24 dev eth0
ip -n "${P}h" addr add 10.0.0.2/24 dev eth0
ip netns exec "${P}x" tcpdump -p --immediate-mode -U -Q out -i any -w x-any-sll2.pcap 2>/dev/null &
PIDS="$PIDS $!"
ip netns exec "${P}x" tcpdump -p --immediate-mode -U -Q out -i any -y LINUX_SLL -w x-any-sll.pcap 2>/dev/null &
PIDS="$PIDS $!"
sleep 1
ip netns exec "${P}x" ping -c 2 -i 0.3 -W 1 10.0.0.2 > x-ping.txt
sleep 0.5
node make-raw.mjs
