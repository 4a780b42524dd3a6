/**
 * The DHCP client scripts the kernel runner hands to udhcpc and dhclient.
 * The stock scripts write /etc/resolv.conf, a file the namespaces share with
 * the host; these configure only the interface and the default route, and
 * print nothing, so a step's output is the client's own.
 */

/** For `udhcpc -s`: what busybox's default script (examples/udhcp/simple.script) does, minus DNS. */
export const UDHCPC_SCRIPT = `#!/bin/sh
# natlab: busybox simple.script without resolv.conf
exec >/dev/null 2>&1
case "$1" in
  deconfig)
    ip -4 addr flush dev "$interface"
    ip link set dev "$interface" up
    ;;
  renew|bound)
    ip addr add "$ip/$mask" \${broadcast:+broadcast "$broadcast"} dev "$interface"
    if [ -n "$router" ]; then
      while ip route del default dev "$interface"; do :; done
      metric=0
      for r in $router; do
        ip route add default via "$r" dev "$interface" metric $metric
        metric=$((metric + 1))
      done
    fi
    ;;
esac
exit 0
`;

/** For `dhclient -sf`: dhclient-script's address and router handling, minus DNS. */
export const DHCLIENT_SCRIPT = `#!/bin/sh
# natlab: dhclient-script without resolv.conf
exec >/dev/null 2>&1
case "$reason" in
  PREINIT)
    ip link set dev "$interface" up
    ;;
  BOUND|RENEW|REBIND|REBOOT)
    if [ -n "$old_ip_address" ] && [ "$old_ip_address" != "$new_ip_address" ]; then
      ip -4 addr flush dev "$interface"
    fi
    ip addr add "$new_ip_address/$new_subnet_mask" \${new_broadcast_address:+broadcast "$new_broadcast_address"} dev "$interface"
    for r in $new_routers; do
      ip route replace default via "$r" dev "$interface"
      break
    done
    ;;
  EXPIRE|FAIL|RELEASE|STOP)
    ip -4 addr flush dev "$interface"
    ;;
esac
exit 0
`;
