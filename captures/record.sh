#!/bin/sh
# Records the captures in this folder on the real kernel (run as root; needs
# iproute2, iptables, tcpdump, netcat-openbsd and ethtool).
# Every host is a network namespace nlK-<node>, wired with veth pairs named
# and addressed as the scenarios say (MACs 02:00:00:00:NN:II, the scenario
# contract), configured with the scenarios' own run lines. tcpdump runs
# non-promiscuous, immediate, unbuffered (-p --immediate-mode -U) and
# direction-filtered (-Q out: only what that end sent), so a capture can be
# replayed from the same end. Everything is deleted at the end, even on
# failure.
set -eu
cd "$(dirname "$0")"
P=nlK-
PIDS=""
cleanup() {
  for p in $PIDS; do kill "$p" 2>/dev/null || true; done
  sleep 0.2
  for n in router upstream web client inet outside server; do ip netns del "$P$n" 2>/dev/null || true; done
}
trap cleanup EXIT INT TERM

node() { # name
  ip netns add "$P$1"
  ip netns exec "$P$1" sysctl -qw net.ipv4.igmp_link_local_mcast_reports=0
  ip netns exec "$P$1" sysctl -qw net.ipv6.conf.all.disable_ipv6=1
  ip netns exec "$P$1" sysctl -qw net.ipv6.conf.default.disable_ipv6=1
  ip -n "$P$1" link set lo up
}
wire() { # nodeA ifA macA nodeB ifB macB
  ip link add tmpK0 type veth peer name tmpK1
  ip link set tmpK0 netns "$P$1"; ip -n "$P$1" link set tmpK0 name "$2" address "$3" up
  ip link set tmpK1 netns "$P$4"; ip -n "$P$4" link set tmpK1 name "$5" address "$6" up
  # complete checksums in the captures: with tx offload on, a veth capture holds only the
  # pseudo-header sum of TCP/UDP, and a replay of it would be dropped as a bad checksum
  ip netns exec "$P$1" ethtool -K "$2" tx off >/dev/null
  ip netns exec "$P$4" ethtool -K "$5" tx off >/dev/null
}
x() { ip netns exec "$P$1" sh -c "$2"; }
capture() { # node iface file
  ip netns exec "$P$1" tcpdump -p --immediate-mode -U -Q out -i "$2" -w "$3" 2>/dev/null &
  PIDS="$PIDS $!"
}

# 1. bridged-server-ping (scenarios/bridged-server-ping.yaml): web pings its
#    gateway and an Internet host through the router's bridge with the bug.
mkdir -p bridged-server-ping
for n in router upstream web client inet; do node $n; done
wire router uplink 02:00:00:00:01:01 upstream lan0 02:00:00:00:02:01
wire router webport 02:00:00:00:01:02 web eth0 02:00:00:00:03:01
wire router natport 02:00:00:00:01:03 client eth0 02:00:00:00:04:01
wire upstream inet0 02:00:00:00:02:02 inet eth0 02:00:00:00:05:01
x router 'sysctl -qw net.ipv4.ip_forward=1; ip link add lanbr type bridge; ip link set uplink master lanbr; ip link set webport master lanbr; ip link set lanbr up; ip addr add 198.51.100.2/24 dev lanbr; ip link add natbr type bridge; ip link set natport master natbr; ip link set natbr up; ip addr add 10.0.0.1/24 dev natbr; ip route add default via 198.51.100.1; iptables -t nat -A POSTROUTING -o lanbr -j MASQUERADE'
x upstream 'ip addr add 198.51.100.1/24 dev lan0; ip addr add 203.0.113.1/24 dev inet0; sysctl -qw net.ipv4.ip_forward=1'
x web 'ip addr add 198.51.100.10/24 dev eth0; ip route add default via 198.51.100.1'
x client 'ip addr add 10.0.0.2/24 dev eth0; ip route add default via 10.0.0.1'
x inet 'ip addr add 203.0.113.50/24 dev eth0; ip route add default via 203.0.113.1'
sleep 1
capture web eth0 bridged-server-ping/web-eth0-out.pcap
sleep 1
x web 'ping -c 2 -i 0.3 -W 1 198.51.100.1; ping -c 2 -i 0.3 -W 1 203.0.113.50' > bridged-server-ping/ping.txt 2>&1 || true
sleep 1
cleanup; PIDS=""

# 2. port-forward (scenarios/replay-port-forward.yaml): outside connects to
#    the router's port 8080, DNATed to the server's port 80 (nc listening).
mkdir -p port-forward
for n in outside router server; do node $n; done
wire outside eth0 02:00:00:00:01:01 router wan0 02:00:00:00:02:01
wire router lan0 02:00:00:00:02:02 server eth0 02:00:00:00:03:01
x outside 'ip addr add 203.0.113.50/24 dev eth0; ip route add default via 203.0.113.1'
x router 'sysctl -qw net.ipv4.ip_forward=1; ip addr add 203.0.113.1/24 dev wan0; ip addr add 10.0.0.1/24 dev lan0; iptables -t nat -A PREROUTING -i wan0 -p tcp --dport 8080 -j DNAT --to-destination 10.0.0.10:80'
x server 'ip addr add 10.0.0.10/24 dev eth0; ip route add default via 10.0.0.1'
sleep 1
capture outside eth0 port-forward/outside-eth0-out.pcap
ip netns exec "${P}server" tcpdump -p --immediate-mode -U -i eth0 -w port-forward/server-eth0.pcap 2>/dev/null &
PIDS="$PIDS $!"
ip netns exec "${P}server" sh -c 'echo hello from the server | nc -l -p 80 -q 1' > port-forward/server-nc.txt 2>&1 &
PIDS="$PIDS $!"
sleep 1
x outside 'echo hello from outside | nc -q 1 203.0.113.1 8080' > port-forward/outside-nc.txt 2>&1 || true
sleep 1
x router 'iptables-save -c -t nat' > port-forward/router-nat.txt
x router 'conntrack -L 2>&1' > port-forward/router-conntrack.txt || true
