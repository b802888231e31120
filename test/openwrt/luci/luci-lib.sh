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
