# shellcheck shell=sh disable=SC3043
# Test stand-in for OpenWrt's /lib/functions/network.sh: network_get_device
# answers from $SERVALD_TEST_NETMAP ("network device" lines) instead of
# asking netifd over ubus. Like the real one it fails for a network that is
# unknown or down (absent from the map) and leaves the variable empty.
network_get_device() {
	local __net __dev
	eval "$1="
	[ -f "$SERVALD_TEST_NETMAP" ] || return 1
	while read -r __net __dev; do
		if [ "$__net" = "$2" ] && [ -n "$__dev" ]; then
			eval "$1=\$__dev"
			return 0
		fi
	done < "$SERVALD_TEST_NETMAP"
	return 1
}
