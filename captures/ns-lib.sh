# Sourced by the record scripts in captures/*/ (after `set -eu` and P=<prefix>):
# the namespaces they record in and their teardown. Every function here only
# touches namespaces named "$P<node>" that the script itself creates.
#   hosts NODE...                  one namespace per node, IPv6 and link-local
#                                  IGMP reports off (the scenario contract), lo up
#   wire NODE IF MAC NODE IF MAC   a veth pair between two nodes, named and
#                                  addressed as the scenario says
#   bg COMMAND...                  runs COMMAND in the background; stopped at the end
# At exit (normal, error or signal) every bg process is stopped and every
# namespace deleted.
PIDS=""
NODES=""
cleanup() {
  for p in $PIDS; do kill "$p" 2>/dev/null || true; done
  sleep 0.2
  for n in $NODES; do ip netns del "$P$n" 2>/dev/null || true; done
}
trap cleanup EXIT INT TERM
hosts() {
  for n in "$@"; do
    NODES="$NODES $n"
    ip netns add "$P$n"
    ip netns exec "$P$n" sysctl -qw net.ipv4.igmp_link_local_mcast_reports=0
    ip netns exec "$P$n" sysctl -qw net.ipv6.conf.all.disable_ipv6=1
    ip netns exec "$P$n" sysctl -qw net.ipv6.conf.default.disable_ipv6=1
    ip -n "$P$n" link set lo up
  done
}
wire() {
  ip link add "${P}w0" type veth peer name "${P}w1"
  ip link set "${P}w0" netns "$P$1"; ip -n "$P$1" link set "${P}w0" name "$2" address "$3" up
  ip link set "${P}w1" netns "$P$4"; ip -n "$P$4" link set "${P}w1" name "$5" address "$6" up
}
bg() {
  "$@" &
  PIDS="$PIDS $!"
}
