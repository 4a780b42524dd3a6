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
. ../ns-lib.sh
hosts x h
wire x eth0 02:00:00:00:02:01 h eth0 02:00:00:00:03:01
ip -n "${P}x" addr add 10.0.0.9/24 dev eth0
ip -n "${P}h" addr add 10.0.0.2/24 dev eth0
bg ip netns exec "${P}x" tcpdump -p --immediate-mode -U -Q out -i any -w x-any-sll2.pcap 2>/dev/null
bg ip netns exec "${P}x" tcpdump -p --immediate-mode -U -Q out -i any -y LINUX_SLL -w x-any-sll.pcap 2>/dev/null
sleep 1
ip netns exec "${P}x" ping -c 2 -i 0.3 -W 1 10.0.0.2 > x-ping.txt
sleep 0.5
node make-raw.mjs
