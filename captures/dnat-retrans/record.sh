#!/bin/sh
# Records the capture in this folder on the real kernel (run as root; needs
# iproute2, iptables, tcpdump, ethtool and netcat-openbsd): the topology of
# scenarios/x-replay-dnat-retrans.yaml, namespaces nlM-router, nlM-server,
# nlM-outside with its MACs (02:00:00:00:NN:II) and its run lines. The
# router forwards 203.0.113.1:8080 to the server's port 80 (DNAT); the
# server drops the first SYN it sees (-m statistic --mode nth), so
# outside's nc retransmits it a second later, and the second one opens the
# connection: outside sends "hello" and closes (-N). tcpdump keeps what
# outside sent (-Q out), tx checksum offload off so the TCP checksums are
# complete. Everything is deleted at the end, even on failure.
set -eu
cd "$(dirname "$0")"
P=nlM-
. ../ns-lib.sh
hosts router server outside
wire router lan 02:00:00:00:01:01 server eth0 02:00:00:00:02:01
wire router wan 02:00:00:00:01:02 outside eth0 02:00:00:00:03:01
for e in "router lan" "server eth0" "router wan" "outside eth0"; do
  set -- $e
  ip netns exec "$P$1" ethtool -K "$2" tx off >/dev/null
done
ip netns exec "${P}router" sysctl -qw net.ipv4.ip_forward=1
ip -n "${P}router" addr add 10.0.0.1/24 dev lan
ip -n "${P}router" addr add 203.0.113.1/24 dev wan
ip netns exec "${P}router" iptables -t nat -A PREROUTING -i wan -p tcp --dport 8080 -j DNAT --to-destination 10.0.0.10:80
ip -n "${P}server" addr add 10.0.0.10/24 dev eth0
ip -n "${P}server" route add default via 10.0.0.1
ip netns exec "${P}server" iptables -A INPUT -p tcp --syn -m statistic --mode nth --every 1000 --packet 0 -j DROP
ip -n "${P}outside" addr add 203.0.113.10/24 dev eth0
bg ip netns exec "${P}outside" tcpdump -p --immediate-mode -U -Q out -i eth0 -w outside-eth0-out.pcap 2>/dev/null
bg ip netns exec "${P}server" nc -l -p 80 > server-nc.txt
sleep 1
echo hello | ip netns exec "${P}outside" nc -N -w 3 -p 40000 203.0.113.1 8080 > /dev/null 2>&1 || true
sleep 0.5
ip netns exec "${P}router" conntrack -L > router-conntrack.txt 2>&1
ip netns exec "${P}router" iptables-save -c -t nat > router-nat.txt
