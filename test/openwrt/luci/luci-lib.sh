# Sourced by the luci-app-serval scenarios (after ../userland/lib.sh), inside
# the LuCI root.
# shellcheck shell=sh

# The LuCI stack in this root is built from source (build-luci.sh), not
# installed by opkg: record it the way an image's status file has it, so
# luci-app-serval's Depends are met.
mark_luci_installed() {
	for p in luci-base:git-24.264 rpcd:2024.09.17 rpcd-mod-ucode:2024.09.17 uhttpd:2024.10.04; do
		printf 'Package: %s\nVersion: %s\nStatus: install hold installed\nArchitecture: x86_64\nInstalled-Time: 0\n\n' \
			"${p%%:*}" "${p#*:}" >> /usr/lib/opkg/status
	done
}

# As /etc/init.d/rpcd does.
start_rpcd() {
	rpcd -s /var/run/ubus/ubus.sock -t 30 > /tmp/rpcd.log 2>&1 &
	ubus -t 10 wait_for session
	ubus -t 10 wait_for serval
}

ubus_has_methods() {
	ubus -v list serval > /tmp/methods
	for m in status peers routes tunnels; do grep -q "\"$m\":" /tmp/methods || return 1; done
}

# main.interface = mesh0 only; reload_config restarts servald with it.
use_mesh0() {
	uci delete serval.main.interface
	uci add_list serval.main.interface=mesh0
	uci commit serval
	run reload_config
	wait_for 10 grep -q 'interfaces.0.match=mesh0' /var/etc/serval/serval.conf
}

peer_seen() { ubus call serval peers 2> /dev/null | grep -q "\"$1\""; }

# jget JSON EXPR: EXPR (ucode, the JSON as d) is true.
jget() {
	printf '%s' "$1" | ucode -l fs -e "let d = json(fs.stdin.read('all')); exit(($2) ? 0 : 1);"
}

# open_stream: a TCP server in the neighbour's network namespace on
# 127.0.0.1:7000 (behind its `msp listen --forward=7000 81`), a `connect`
# tunnel `hold` to it here (127.0.0.1:9081, procd instance tunnel_hold) and a
# TCP client; each side sends a line (23 bytes out from here, 25 in) and keeps
# the connection, so one MSP stream stays open. close_stream ends the client.
open_stream() {
	nsenter -t "$(cat /root/neighbour.nspid)" -n sh -c '(echo "hello from the neighbour"; sleep 600) | nc -l -p 7000 > /tmp/hold-server.out' > /dev/null 2>&1 &
	uci_section hold tunnel mode=connect "sid=$(cat /root/neighbour.sid)" mdp_port=81 tcp_port=9081
	uci commit serval
	reload_config
	wait_for 10 running tunnel_hold || return 1
	# it reports to the daemon once its TCP listener is up
	wait_for 10 open_streams_are hold 0 || return 1
	(
		echo "hello through the mesh"
		sleep 600
	) | nc 127.0.0.1 9081 > /tmp/hold-client.out 2>&1 &
	echo $! > /tmp/hold-client.pid
	wait_for 10 grep -q "hello through the mesh" /tmp/hold-server.out
}

close_stream() {
	kill "$(cat /tmp/hold-client.pid)"
}

# open_streams_are NAME N: ubus reports N open streams for tunnel NAME
open_streams_are() {
	jget "$(ubus call serval tunnels)" "length(filter(d.tunnels, (t) => t.name == '$1' && t.streams === $2)) == 1"
}

# jget_tunnels EXPR: some tunnel t of `ubus call serval tunnels` has EXPR.
jget_tunnels() {
	jget "$(ubus call serval tunnels)" "length(filter(d.tunnels, (t) => $1)) >= 1"
}
