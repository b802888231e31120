# The `serval` ubus object (luci-app-serval's rpcd ucode plugin) in the LuCI
# root, no browser: serval-mesh and luci-app-serval installed with the real
# opkg, rpcd running, a neighbour servald on mesh0 (run.sh).
# Sourced after lib.sh; /root holds the two ipks and neighbour.sid.
# shellcheck shell=sh disable=SC1091,SC2034
. /root/luci-lib.sh
NB_SID="$(cat /root/neighbour.sid)"
FAR_SID="$(cat /root/far.sid)"

step "install: the LuCI stack as packages, then serval-mesh and luci-app-serval with opkg"
mark_luci_installed
run opkg install /root/serval-mesh_*_x86_64.ipk
res install.serval-mesh $?
run opkg install /root/luci-app-serval_*_all.ipk
res install.luci-app-serval $?
check install.files test -f /usr/share/rpcd/ucode/serval.uc -a -f /usr/share/rpcd/acl.d/luci-app-serval.json \
	-a -f /www/luci-static/resources/view/serval/status.js -a -f /usr/share/luci/menu.d/luci-app-serval.json
check install.uci-defaults-ran test ! -e /etc/uci-defaults/40_luci-serval
# reload_config only compares configs it has seen: a new /etc/config/serval
# enters its baseline now, as at the next boot or LuCI's next apply.
run reload_config
start_rpcd
run ubus -v list serval
check ubus.object ubus_has_methods

step "mesh: main.interface = mesh0 (veth to the neighbour), reload_config"
use_mesh0
check mesh.neighbour-seen wait_for 30 peer_seen "$NB_SID"
check mesh.far-seen wait_for 30 peer_seen "$FAR_SID"

step "ubus call serval status"
run ubus call serval status
S="$(ubus call serval status)"
check status.running jget "$S" 'd.running === true && d.installed === true && d.pid > 0'
check status.sid jget "$S" "d.sid === '$(sid)' && length(d.sids) >= 1"
check status.version jget "$S" 'match(d.version, /^0\.1\.0/) != null'
check status.uptime jget "$S" 'type(d.uptime) == "int" && d.uptime >= 0'
check status.interfaces jget "$S" 'd.interfaces[0] == "mesh0" && d.devices[0] == "mesh0"'
check status.counters jget "$S" 'd.counters.peers == 2 && d.counters.direct == 1 && d.counters.indirect == 1 && d.counters.routes >= 3'
check status.procd jget "$S" 'd.procd.running === true && d.procd.pid == d.pid'
# from servald status --json: the daemon's own counters
check status.daemon-counters jget "$S" 'd.counters.neighbours == 1 && d.counters.packets_in > 0 && d.counters.packets_out > 0 && d.counters.bytes_in > d.counters.packets_in && d.counters.open_streams == 0'
check status.interface-stats jget "$S" 'length(d.interface_stats) == 1 && d.interface_stats[0].name == "mesh0" && d.interface_stats[0].rx_packets > 0 && d.interface_stats[0].tx_bytes > 0 && d.interface_stats[0].tx_failed == 0'
check status.drops jget "$S" 'type(d.drops.no_route) == "int" && type(d.drops.malformed_packets) == "int" && type(d.drops.client_queue_full) == "int"'
check status.tables jget "$S" 'd.tables.neighbours.max == 64 && d.tables.neighbours.size >= 1 && d.tables.tunnels.max == 32 && d.mesh_counters.frames_in > 0 && type(d.clients.bindings) == "int"'

step "ubus call serval peers"
run ubus call serval peers
P="$(ubus call serval peers)"
check peers.neighbour jget "$P" "d.running && length(filter(d.peers, (p) => p.sid == '$NB_SID' && p.interface == 'mesh0' && p.hops == 1)) == 1"

step "ubus call serval routes"
run ubus call serval routes
P="$(ubus call serval routes)"
check routes.fields jget "$P" "d.running && d.self[0] == '$(sid)' && length(filter(d.routes, (r) => r.sid == '$NB_SID' && (r.flags == 'UNICAST' || r.flags == 'BROADCAST'))) >= 1"
check routes.far-indirect jget "$P" "length(filter(d.routes, (r) => r.sid == '$FAR_SID' && r.flags == 'INDIRECT' && r.next_hop == '$NB_SID' && r.hops == 2)) == 1"
check routes.field-names jget "$P" 'join(",", sort(keys(d.routes[0]))) == "flags,hops,interface,next_hop,prior_hop,sid"'

step "ubus call serval tunnels (the package's two disabled examples, then one added)"
run ubus call serval tunnels
P="$(ubus call serval tunnels)"
check tunnels.examples jget "$P" 'length(d.tunnels) == 2 && d.tunnels[0].name == "ssh_in" && d.tunnels[0].enabled === false && d.tunnels[0].running === false'
uci_section web tunnel mode=listen mdp_port=80 tcp_port=8080 service=web
run uci commit serval
run reload_config
check tunnels.added-running wait_for 10 running tunnel_web
run ubus call serval tunnels
P="$(ubus call serval tunnels)"
check tunnels.added jget "$P" 'length(filter(d.tunnels, (t) => t.name == "web" && t.mode == "listen" && t.mdp_port == 80 && t.tcp_port == 8080 && t.service == "web" && t.running === true && t.pid > 0 && t.instance == "tunnel_web")) == 1'
check tunnels.counted jget "$(ubus call serval status)" 'd.counters.tunnels == 1 && d.counters.tunnels_running == 1'
check tunnels.web-reported wait_for 10 open_streams_are web 0
check tunnels.web-fields jget "$(ubus call serval tunnels)" 'length(filter(d.tunnels, (t) => t.name == "web" && t.streams_total == 0 && t.bytes_in == 0 && t.bytes_out == 0)) == 1 && length(d.other) == 0'

step "a tunnel with an open stream: connect tunnel 'hold' to the neighbour's msp listen, one TCP connection kept open"
check stream.open open_stream
check stream.counted wait_for 10 open_streams_are hold 1
run ubus call serval tunnels
P="$(ubus call serval tunnels)"
check stream.fields jget "$P" "length(filter(d.tunnels, (t) => t.name == 'hold' && t.mode == 'connect' && t.sid == '$NB_SID' && t.mdp_port == 81 && t.tcp_port == 9081 && t.running && t.streams_total >= 1)) == 1"
check stream.status-total jget "$(ubus call serval status)" 'd.counters.open_streams == 1 && d.counters.tunnels == 2'
check stream.bytes wait_for 10 jget_tunnels "t.name == 'hold' && t.bytes_out == 23 && t.bytes_in == 25"
run close_stream
check stream.closed wait_for 10 open_streams_are hold 0

step "ACL: rpcd loaded luci-app-serval.json (a LuCI session of root has the group)"
T="$(ubus call session login '{"username":"root","password":"luci-test"}' | sed -n 's/.*"ubus_rpc_session": "\([0-9a-f]*\)".*/\1/p')"
run ubus call session access "{\"ubus_rpc_session\":\"$T\",\"scope\":\"access-group\",\"object\":\"luci-app-serval\",\"function\":\"read\"}"
check acl.read-group jget "$(ubus call session access "{\"ubus_rpc_session\":\"$T\",\"scope\":\"access-group\",\"object\":\"luci-app-serval\",\"function\":\"read\"}")" 'd.access === true'
check acl.write-uci-serval-only jget "$(ucode -l fs -e 'print(fs.readfile("/usr/share/rpcd/acl.d/luci-app-serval.json"))')" \
	'join(",", d["luci-app-serval"].write.uci) == "serval" && d["luci-app-serval"].write.ubus == null'

step "errors: ubus status codes, never a trace"
# (the ubus CLI exits with minus the status: 256 - 3 = 253, 256 - 9 = 247)
run ubus call serval nosuch
check errors.unknown-method [ "$(
	ubus call serval nosuch 2>&1
	echo "rc=$?"
)" = "Command failed: ubus call serval nosuch (Method not found)
rc=253" ]
# a servald that answers garbage: UBUS_STATUS_UNKNOWN_ERROR and one log line
mv /usr/sbin/servald /usr/sbin/servald.real
printf '#!/bin/sh\ncase "$*" in "status --json") echo "{\\"running\\":true,\\"pid\\":1}"; exit 0;; *) echo "not json"; exit 0;; esac\n' > /usr/sbin/servald
chmod 0755 /usr/sbin/servald
echo "\$ ubus call serval routes   (servald replaced by a script printing 'not json')"
ubus call serval routes > /tmp/out 2>&1
rc=$?
cat /tmp/out
echo "[rc=$rc]"
check errors.garbage-is-unknown-error [ "$rc" = 247 ]
check errors.garbage-message grep -qx 'Command failed: ubus call serval routes (Unknown error)' /tmp/out
check errors.no-trace sh -c '! grep -qi "exception\|error:.*line\|at function" /tmp/out'
check errors.logged wait_for 5 sh -c 'logread | grep -q "serval: /usr/sbin/servald route print --json: output is not a JSON array"'
run sh -c 'logread | grep "serval:" | tail -2'
# status --json itself answering garbage
printf '#!/bin/sh\necho "not json"; exit 0\n' > /usr/sbin/servald
ubus call serval status > /tmp/out 2>&1
check errors.status-garbage [ "$?" = 247 ]
check errors.status-logged wait_for 5 sh -c 'logread | grep -q "serval: /usr/sbin/servald status --json: output is not a status object"'
mv -f /usr/sbin/servald.real /usr/sbin/servald

step "daemon stopped: every method says so"
run /etc/init.d/servald stop
check stopped.gone wait_for 10 no_servald_process
run ubus call serval status
check stopped.status jget "$(ubus call serval status)" 'd.running === false && d.installed === true && d.sid == null && d.uptime == null && d.pid == null'
run ubus call serval peers
check stopped.peers jget "$(ubus call serval peers)" 'd.running === false && length(d.peers) == 0'
check stopped.routes jget "$(ubus call serval routes)" 'd.running === false && length(d.routes) == 0'
check stopped.status-daemon-fields jget "$(ubus call serval status)" 'd.interface_stats == null && d.drops == null && d.counters.open_streams == 0'
check stopped.tunnels jget "$(ubus call serval tunnels)" 'd.running === false && length(d.tunnels) == 4 && d.tunnels[2].running === false && d.tunnels[2].streams == null'
echo DONE
