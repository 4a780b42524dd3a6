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
. ../ns-lib.sh
hosts x h
for n in x h; do ip netns exec "$P$n" sysctl -qw net.ipv6.conf.lo.disable_ipv6=1; done
wire x eth0 02:00:00:00:02:01 h eth0 02:00:00:00:03:01
ip -n "${P}x" addr add 10.0.0.9/24 dev eth0
ip -n "${P}h" addr add 10.0.0.2/24 dev eth0
rm -f x-eth-and-lo.pcapng x-eth-and-any.pcapng
bg ip netns exec "${P}x" dumpcap -q -i eth0 -i lo -w "$PWD/x-eth-and-lo.pcapng" >/dev/null 2>&1
bg ip netns exec "${P}x" dumpcap -q -i eth0 -i any -w "$PWD/x-eth-and-any.pcapng" >/dev/null 2>&1
sleep 2
ip netns exec "${P}x" ping -c 1 -W 1 10.0.0.2 > /dev/null
ip netns exec "${P}x" ping -c 1 -W 1 127.0.0.1 > /dev/null
sleep 1
