#!/bin/sh
# Records the captures in this folder on the real kernel (run as root; needs
# iproute2, iptables, tcpdump, ethtool and netcat-openbsd): the topology of
# scenarios/x-replay-nat-icmp.yaml, namespaces nlM-router, nlM-inside,
# nlM-outside with its MACs (02:00:00:00:NN:II) and its run lines. inside
# sends one UDP datagram from port 40000 to 203.0.113.10:53 through the
# masquerading router; outside has no listener and answers with an ICMP
# port unreachable to 203.0.113.1. tcpdump keeps what each end sent (-Q
# out), tx checksum offload off so the UDP checksum is complete. Everything
# is deleted at the end, even on failure.
set -eu
cd "$(dirname "$0")"
P=nlM-
. ../ns-lib.sh
hosts router inside outside
wire router lan 02:00:00:00:01:01 inside eth0 02:00:00:00:02:01
wire router wan 02:00:00:00:01:02 outside eth0 02:00:00:00:03:01
# tx checksum offload off: the UDP checksum is complete in the capture
for e in "router lan" "inside eth0" "router wan" "outside eth0"; do
  set -- $e
  ip netns exec "$P$1" ethtool -K "$2" tx off >/dev/null
done
ip netns exec "${P}router" sysctl -qw net.ipv4.ip_forward=1
ip -n "${P}router" addr add 10.0.0.1/24 dev lan
ip -n "${P}router" addr add 203.0.113.1/24 dev wan
ip netns exec "${P}router" iptables -t nat -A POSTROUTING -o wan -j MASQUERADE
ip -n "${P}inside" addr add 10.0.0.10/24 dev eth0
ip -n "${P}inside" route add default via 10.0.0.1
ip -n "${P}outside" addr add 203.0.113.10/24 dev eth0
bg ip netns exec "${P}inside" tcpdump -p --immediate-mode -U -Q out -i eth0 -w inside-eth0-out.pcap 2>/dev/null
bg ip netns exec "${P}outside" tcpdump -p --immediate-mode -U -Q out -i eth0 -w outside-eth0-out.pcap 2>/dev/null
sleep 1
echo hello | ip netns exec "${P}inside" nc -u -w 1 -p 40000 203.0.113.10 53 > /dev/null 2>&1 || true
sleep 0.5
ip netns exec "${P}router" conntrack -L > router-conntrack.txt 2>&1
