#!/bin/sh
# Records two pcapng files with several interfaces on the real kernel (run as
# root; needs iproute2, dumpcap from wireshark, iputils ping): the namespaces
# of record.sh (nlM-x and nlM-h, x:eth0 02:00:00:00:02:01, h:eth0
# 02:00:00:00:03:01). x pings h once and itself (127.0.0.1) once while
# dumpcap writes x-eth-and-lo.pcapng (-i eth0 -i lo: two Ethernet
# interfaces) and x-eth-and-any.pcapng (-i eth0 -i any: Ethernet and Linux
# cooked, one interface block each before the first packet). IPv6 is off,
# as the scenario contract says. Everything is deleted at the end.
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
  ip netns exec "$P$n" sysctl -qw net.ipv6.conf.lo.disable_ipv6=1
  ip -n "$P$n" link set lo up
done
ip link add tmpM0 type veth peer name tmpM1
ip link set tmpM0 netns "${P}x"; ip -n "${P}x" link set tmpM0 name eth0 address 02:00:00:00:02:01 up
ip link set tmpM1 netns "${P}h"; ip -n "${P}h" link set tmpM1 name eth0 address 02:00:00:00:03:01 up
ip -n "${P}x" addr add 10.0.0.9/24 dev eth0
ip -n "${P}h" addr add 10.0.0.2/24 dev eth0
rm -f x-eth-and-lo.pcapng x-eth-and-any.pcapng
ip netns exec "${P}x" dumpcap -q -i eth0 -i lo -w "$PWD/x-eth-and-lo.pcapng" >/dev/null 2>&1 &
PIDS="$PIDS $!"
ip netns exec "${P}x" dumpcap -q -i eth0 -i any -w "$PWD/x-eth-and-any.pcapng" >/dev/null 2>&1 &
PIDS="$PIDS $!"
sleep 2
ip netns exec "${P}x" ping -c 1 -W 1 10.0.0.2 > /dev/null
ip netns exec "${P}x" ping -c 1 -W 1 127.0.0.1 > /dev/null
sleep 1
