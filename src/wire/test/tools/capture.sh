#!/bin/bash
# Builds nlA-a, nlA-b, nlA-c; captures traffic; tears down.
set -u
D=/tmp/nlA
cleanup() {
  for p in $(cat $D/pids 2>/dev/null); do kill $p 2>/dev/null; done
  sleep 0.3
  for n in nlA-a nlA-b nlA-c; do ip netns del $n 2>/dev/null; done
}
trap cleanup EXIT
rm -f $D/pids $D/*.pcap $D/leases $D/dnsmasq.pid
for n in nlA-a nlA-b nlA-c; do
  ip netns add $n
  ip netns exec $n sysctl -qw net.ipv4.igmp_link_local_mcast_reports=0
  ip netns exec $n sysctl -qw net.ipv6.conf.all.disable_ipv6=1
  ip netns exec $n sysctl -qw net.ipv6.conf.default.disable_ipv6=1
  ip netns exec $n ip link set lo up
done
ip link add nlAa0 netns nlA-a type veth peer name nlAb0 netns nlA-b
ip link add nlAc0 netns nlA-c type veth peer name nlAb1 netns nlA-b
ip -n nlA-a link set nlAa0 address 02:00:00:00:0a:01 up
ip -n nlA-b link set nlAb0 address 02:00:00:00:0b:01 up
ip -n nlA-b link set nlAb1 address 02:00:00:00:0b:02 up
ip -n nlA-c link set nlAc0 address 02:00:00:00:0c:01 up
for x in nlA-a:nlAa0 nlA-b:nlAb0 nlA-b:nlAb1 nlA-c:nlAc0; do ip netns exec ${x%%:*} ethtool -K ${x##*:} tx off >/dev/null; done
ip -n nlA-a addr add 198.51.100.10/24 dev nlAa0
ip -n nlA-b addr add 198.51.100.1/24 dev nlAb0
ip -n nlA-b addr add 10.0.0.1/24 dev nlAb1
ip -n nlA-a route add 203.0.113.0/24 via 198.51.100.1
ip -n nlA-a route add 192.0.2.0/24 via 198.51.100.1
ip -n nlA-b route add 203.0.113.0/24 via 10.0.0.2
ip netns exec nlA-b sysctl -qw net.ipv4.ip_forward=1
sleep 1
ip netns exec nlA-b tcpdump -i nlAb0 -s 0 -U -w $D/ab.pcap 2>/dev/null & echo $! >> $D/pids
ip netns exec nlA-b tcpdump -i nlAb1 -s 0 -U -w $D/cb.pcap 2>/dev/null & echo $! >> $D/pids
sleep 1
ip netns exec nlA-a ping -c 1 -W 1 198.51.100.1
ip netns exec nlA-a ping -c 1 -W 1 -t 1 203.0.113.5
ip netns exec nlA-a ping -c 1 -W 1 192.0.2.5
ip netns exec nlA-a ping -c 1 -W 5 203.0.113.5
ip netns exec nlA-a ping -c 1 -W 1 -s 0 198.51.100.1
ip netns exec nlA-a ping -c 1 -W 1 -M do -s 100 198.51.100.1
# UDP to a listener and to a closed port
ip netns exec nlA-b nc -u -l -p 5000 > /dev/null & echo $! >> $D/pids
sleep 0.3
echo hello | ip netns exec nlA-a timeout 1 nc -u -w 0 198.51.100.1 5000
echo nobody | ip netns exec nlA-a timeout 1 nc -u -w 0 198.51.100.1 5001
sleep 0.3
# TCP: full exchange and a refused connect
ip netns exec nlA-b timeout 3 nc -l -p 5000 > /dev/null & echo $! >> $D/pids
sleep 0.3
echo "hello tcp" | ip netns exec nlA-a timeout 2 nc -N 198.51.100.1 5000
sleep 0.3
ip netns exec nlA-a timeout 1 nc -z 198.51.100.1 5002
# REJECT with admin-prohibited
ip netns exec nlA-b iptables -A INPUT -p udp --dport 6000 -j REJECT --reject-with icmp-admin-prohibited
echo x | ip netns exec nlA-a timeout 1 nc -u -w 0 198.51.100.1 6000
sleep 0.3
# more: fragments, frag needed, protocol unreachable, arping, IGMPv3 join, VLAN
ip netns exec nlA-a ping -c 1 -W 1 -s 2000 198.51.100.1
ip -n nlA-b link set nlAb1 mtu 1280
ip netns exec nlA-a ping -c 1 -W 1 -M do -s 1400 203.0.113.5
ip netns exec nlA-a python3 -c "import socket; s=socket.socket(socket.AF_INET, socket.SOCK_RAW, 99); s.sendto(b'natlab', ('198.51.100.1', 0))"
sleep 0.3
ip netns exec nlA-a arping -c 1 -w 1 -I nlAa0 198.51.100.1
ip -n nlA-a addr add 239.1.1.1/32 dev nlAa0 autojoin
sleep 0.5
ip -n nlA-a link add link nlAa0 name nlAa0.10 type vlan id 10
ip -n nlA-b link add link nlAb0 name nlAb0.10 type vlan id 10
ip netns exec nlA-a ethtool -K nlAa0.10 tx off >/dev/null
ip netns exec nlA-b ethtool -K nlAb0.10 tx off >/dev/null
ip -n nlA-a link set nlAa0.10 up
ip -n nlA-b link set nlAb0.10 up
ip -n nlA-a addr add 192.168.10.1/24 dev nlAa0.10
ip -n nlA-b addr add 192.168.10.2/24 dev nlAb0.10
ip netns exec nlA-a ping -c 1 -W 1 192.168.10.2
ip -n nlA-b link set nlAb1 mtu 1500
# DHCP
ip netns exec nlA-b dnsmasq --no-daemon --conf-file=/dev/null --interface=nlAb1 --bind-interfaces --except-interface=lo \
  --dhcp-range=10.0.0.100,10.0.0.150,255.255.255.0,1h --dhcp-leasefile=$D/leases --pid-file=$D/dnsmasq.pid \
  --dhcp-option=option:router,10.0.0.1 --dhcp-option=option:dns-server,10.0.0.1 --domain=lab.test --port=0 2>$D/dnsmasq.log & echo $! >> $D/pids
sleep 0.5
ip netns exec nlA-c busybox udhcpc -i nlAc0 -n -q -t 3 -x hostname:clientc -s /bin/true -f 2>&1 | head -20
sleep 2
