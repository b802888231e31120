# The x86_64 ipk with the real opkg, uci, ubus, procd and base-files
# (sourced after lib.sh; /root holds the -r1 and the -r2 ipk).
# shellcheck shell=sh disable=SC1091,SC2034 # the sourced files read what is set before
IPK1="$(ls /root/serval-mesh_*-r1_x86_64.ipk)"
IPK2="$(ls /root/serval-mesh_*-r2_x86_64.ipk)"

step "install: opkg install $IPK1"
run opkg install "$IPK1"
res install.opkg-rc $?
check install.status-installed grep -q '^Status: install user installed' /usr/lib/opkg/status
grep -A3 '^Conffiles:' /usr/lib/opkg/status
check install.conffile-registered sh -c 'grep -A1 "^Conffiles:" /usr/lib/opkg/status | grep -q "^ /etc/config/serval [0-9a-f]\{64\}$"'
checks_installed

step "uci: /etc/config/serval before and after uci set + uci commit"
cp /etc/config/serval /tmp/serval.before
echo "--- /etc/config/serval as installed"
cat /etc/config/serval
run uci set serval.main.log_level=debug
run uci commit serval
res uci.commit-rc $?
echo "--- /etc/config/serval after uci commit"
cat /etc/config/serval
echo '$ diff before after'
diff /tmp/serval.before /etc/config/serval
sed "s/option log_level 'info'/option log_level 'debug'/" /tmp/serval.before > /tmp/serval.expected
check uci.file-intact-but-the-change cmp -s /tmp/serval.expected /etc/config/serval
P="$(pid_of servald)"
sleep 2
if same_pid servald "$P" && grep -q 'log.console.level=info' /var/etc/serval/serval.conf; then
	res uci.commit-alone-reloads-nothing 0
else
	res uci.commit-alone-reloads-nothing 1
fi
run reload_config
check uci.reload_config-restarts-with-new-conf wait_for 10 pid_changed servald "$P"
run cat /var/etc/serval/serval.conf
check uci.conf-has-debug grep -q 'log.console.level=debug' /var/etc/serval/serval.conf

step "uci: a mistyped debug flag is dropped with one line, the daemon keeps running"
run uci add_list serval.main.debug=overlayrouting
run uci add_list serval.main.debug=no_such_flag
run uci commit serval
P="$(pid_of servald)"
run reload_config
check uci.debug-restarts wait_for 10 pid_changed servald "$P"
check uci.debug-known-kept grep -q '^debug.overlayrouting=true' /var/etc/serval/serval.conf
check uci.debug-unknown-dropped sh -c '! grep -q no_such_flag /var/etc/serval/serval.conf'
check uci.debug-unknown-logged wait_for 5 sh -c "logread | grep -q \"debug flag 'no_such_flag' ignored\""
check uci.debug-daemon-runs wait_for 10 running servald
P="$(pid_of servald)"
run uci del serval.main.debug
run uci commit serval
run reload_config
check uci.debug-removed-restarts wait_for 10 pid_changed servald "$P"
check uci.debug-removed-runs wait_for 10 running servald

step "tunnels: add with uci + reload_config"
P="$(pid_of servald)"
uci_section web tunnel mode=listen mdp_port=80 tcp_port=8080 service=web
run uci commit serval
run reload_config
check tunnel.added wait_for 10 running tunnel_web
show_instances
instance_json tunnel_web
echo
check tunnel.added-command has tunnel_web '"command":["/usr/sbin/servald","msp","listen","--forward=8080","--service=web","80"]'
check tunnel.added-daemon-not-restarted same_pid servald "$P"

step "tunnels: change one (tcp_port 8080 -> 8081)"
T="$(pid_of tunnel_web)"
run uci set serval.web.tcp_port=8081
uci commit serval
run reload_config
check tunnel.changed-restarted wait_for 10 pid_changed tunnel_web "$T"
check tunnel.changed-command has tunnel_web '"--forward=8081"'
check tunnel.changed-daemon-not-restarted same_pid servald "$P"

step "tunnels: a second one by /etc/init.d/servald reload"
uci_section web2 tunnel mode=listen mdp_port=81 tcp_port=8082
uci commit serval
run /etc/init.d/servald reload
check tunnel.initd-reload wait_for 10 running tunnel_web2
show_instances
# each tunnel process reports its open streams to the daemon: `servald status --json` lists both
status_json() { SERVALINSTANCE_PATH=/etc/serval SERVAL_RUN_PATH=/var/run/serval servald status --json; }
tunnel_listed() { status_json | grep -qF "$1"; }
check tunnel.status-json-web wait_for 10 tunnel_listed \
	"\"mode\":\"listen\",\"mdp_port\":80,\"tcp_port\":8081,\"service\":\"web\",\"sid\":null,\"pid\":$(pid_of tunnel_web),\"hosted\":false,\"streams\":0,"
check tunnel.status-json-web2 wait_for 10 tunnel_listed \
	"\"mode\":\"listen\",\"mdp_port\":81,\"tcp_port\":8082,\"service\":null,\"sid\":null,\"pid\":$(pid_of tunnel_web2),\"hosted\":false,\"streams\":0,"
status_json | sed 's/.*"tunnels_total"/"tunnels_total"/'

step "tunnels: remove both"
run uci delete serval.web
run uci delete serval.web2
uci commit serval
run reload_config
tunnels_gone() { gone tunnel_web && gone tunnel_web2; }
check tunnel.removed wait_for 10 tunnels_gone
check tunnel.status-json-empty wait_for 10 tunnel_listed '"tunnels_total":0,"tunnels":[]'
check tunnel.removed-daemon-not-restarted same_pid servald "$P"
show_instances

step "interfaces: add 'lo' (the daemon restarts on the new conf, netdev lo)"
run uci add_list serval.main.interface=lo
uci commit serval
run reload_config
check iface.added-restart wait_for 10 pid_changed servald "$P"
run cat /var/etc/serval/serval.conf
check iface.conf-has-lo grep -q '^interfaces.1.match=lo$' /var/etc/serval/serval.conf
instance_json servald
echo
netdev_lo() { instance_json servald | grep -q '"netdev":\[[^]]*"lo"'; }
check iface.netdev netdev_lo
P="$(pid_of servald)"
run uci del_list serval.main.interface=lo
uci commit serval
run reload_config
check iface.removed-restart wait_for 10 pid_changed servald "$P"
check iface.conf-without-lo sh -c '! grep -q "match=lo" /var/etc/serval/serval.conf'

step "bad values: logged, skipped, daemon unaffected"
P="$(pid_of servald)"
uci_section bad tunnel mode=listen mdp_port=0 tcp_port=80
uci commit serval
run reload_config
check bad.logged wait_for 10 sh -c "logread | grep -q \"daemon.err servald: tunnel 'bad' skipped: mdp_port '0' is not 1-4294967295\""
if same_pid servald "$P" && gone tunnel_bad; then res bad.daemon-unaffected 0; else res bad.daemon-unaffected 1; fi
uci delete serval.bad
uci commit serval

step "log priorities: a tunnel whose TCP port is taken logs an error"
uci_section out1 tunnel mode=connect mdp_port=22 tcp_port=2222 sid="$SID1"
uci_section out2 tunnel mode=connect mdp_port=23 tcp_port=2222 sid="$SID1"
uci commit serval
run reload_config
wait_for 10 sh -c "logread | grep -q 'daemon.err servald\[[0-9]*\]: bind: Address in use'"
echo '$ logread | grep servald'
logread | grep 'servald' | tail -8
check log.info-at-info sh -c "logread | grep -q 'daemon.info servald\[[0-9]*\]: servald started'"
check log.warning-at-warn sh -c "logread | grep -q 'daemon.warn servald\[[0-9]*\]: no network interface matches'"
check log.error-at-err sh -c "logread | grep -q 'daemon.err servald\[[0-9]*\]: bind: Address in use'"
check log.no-info-at-err sh -c "! logread | grep 'daemon.err servald\[' | grep -qE 'started|created keyring|stopping|primary SID'"
uci delete serval.out1
uci delete serval.out2
uci commit serval
run reload_config

step "respawn: kill -9 the daemon"
P="$(pid_of servald)"
run kill -9 "$P"
check respawn.new-pid wait_for 15 pid_changed servald "$P"
show_instances

step "stop and start"
run /etc/init.d/servald stop
check stop.no-instance wait_for 5 gone servald
check stop.no-process no_servald_process
stopped_line() {
	sl_out="$(status_json 2>&1)"
	sl_rc=$?
	echo "\$ servald status --json -> $sl_out [rc=$sl_rc]"
	[ "$sl_out" = "servald: not running (instance /etc/serval)" ] && [ "$sl_rc" = 3 ]
}
check stop.status-json-not-running stopped_line
run /etc/init.d/servald start
check start.running wait_for 5 running servald

step "upgrade: opkg install $IPK2 over the modified config"
P="$(pid_of servald)"
run opkg install "$IPK2"
res upgrade.opkg-rc $?
check upgrade.version sh -c "grep -A1 '^Package: serval-mesh' /usr/lib/opkg/status | grep -q 'Version: .*-r2'"
run ls /etc/config
check upgrade.config-kept grep -q "option log_level 'debug'" /etc/config/serval
check upgrade.running wait_for 10 running servald
check upgrade.new-binary-runs wait_for 10 pid_changed servald "$P"
show_instances
wait_for 5 test -S /var/run/serval/mdp.2.socket
check upgrade.same-sid [ "$(sid)" = "$SID1" ]

step "remove: opkg remove"
run opkg remove serval-mesh
res remove.opkg-rc $?
checks_removed
check remove.status-entry-gone sh -c '! grep -q "^Package: serval-mesh" /usr/lib/opkg/status'

step "reinstall: opkg install $IPK1 (keyring and modified config kept)"
run opkg install "$IPK1"
res reinstall.opkg-rc $?
checks_reinstalled
step "stand-ins: test/openwrt/functions.sh + uci-export.awk (the init-script unit tests' UCI) read configs as the real functions.sh + uci do"
mkdir -p /tmp/ucitest
cat > /tmp/ucitest/x << 'EOF'
config a 'n1'  # comment
	option q1 'it'\''s'
	option q2 "say \"hi\" # not a comment"
	option q3 bare\ word
	list l 'one'
	list l "two"
config b
	option z ''
config tunnel
	option mode listen
	list interface 'wlan0'
EOF
cp /etc/config/serval /tmp/ucitest/serval
# The probe's helpers are called back by config_foreach/config_list_foreach
# and the sourced files read the variables set before them.
# shellcheck disable=SC2317,SC2154,SC1091,SC2034
probe() {
	for pkg in x serval; do
		config_load "$pkg" || echo "config_load $pkg failed"
		echo "sections[$CONFIG_SECTIONS]"
		sec() {
			config_get t "$1" TYPE
			echo "sec[$1:$t]"
			for o in q1 q2 q3 l z mode enabled log_level interface mdp_port tcp_port sid service; do
				config_get v "$1" "$o"
				[ -n "$v" ] && echo "  ${o}[$v]"
			done
			show() { echo "  item[$1]"; }
			config_list_foreach "$1" l show
			config_list_foreach "$1" interface show
			config_get_bool b "$1" enabled 1
			echo "  bool[$b]"
		}
		config_foreach sec
	done
}
(
	. /lib/functions.sh
	UCI_CONFIG_DIR=/tmp/ucitest
	probe
) > /tmp/ucitest/real.out 2>&1
(
	UCI_STANDIN_DIR=/root/standins
	UCI_CONFIG_DIR=/tmp/ucitest
	. /root/standins/functions.sh
	probe
) > /tmp/ucitest/standin.out 2>&1
cat /tmp/ucitest/real.out
echo '$ diff real stand-in'
diff /tmp/ucitest/real.out /tmp/ucitest/standin.out
res standins.agree-with-real-uci $?

echo
echo "DONE"
