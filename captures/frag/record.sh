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
. ../ns-lib.sh
hosts outside wan
wire outside eth0 02:00:00:00:03:01 wan wan 02:00:00:00:01:02
ip -n "${P}outside" addr add 203.0.113.10/24 dev eth0
ip -n "${P}wan" addr add 203.0.113.1/24 dev wan
bg ip netns exec "${P}outside" tcpdump -p --immediate-mode -U -Q out -i eth0 -w outside-eth0-out.pcap 2>/dev/null
sleep 1
ip netns exec "${P}outside" ping -c 2 -i 0.3 -W 1 -s 3000 203.0.113.1 > outside-ping.txt
sleep 0.5
node make-reordered.mjs
