# The x86_64 apk (OpenWrt 25.x) with the real apk v3, uci, ubus, procd and
# base-files (sourced after lib.sh; /root holds the -r1 and -r2 apk and a
# stand-in for the image's libc package).
# shellcheck shell=sh
APK1="$(ls /root/serval-mesh-*-r1_x86_64.apk)"
APK2="$(ls /root/serval-mesh-*-r2_x86_64.apk)"
LIBC="$(ls /root/libc-*.apk)"
# OpenWrt 25.x's apk has no opkg database: the root's opkg status stands for
# nothing here.
rm -f /usr/lib/opkg/status
installed_version() { apk info -v 2> /dev/null | grep '^serval-mesh-'; }

step "install: apk add $APK1"
run apk add --initdb --allow-untrusted --no-network "$LIBC" "$APK1"
res install.apk-rc $?
echo '$ apk info -v'
apk info -v
check install.installed sh -c "apk info -v 2> /dev/null | grep -qx 'serval-mesh-0.1.0-r1'"
run ls /lib/apk/packages
run cat /lib/apk/packages/serval-mesh.conffiles_static
check install.conffile-registered grep -q '^/etc/config/serval [0-9a-f]\{64\}$' /lib/apk/packages/serval-mesh.conffiles_static
checks_installed

step "configure: uci set + commit + reload_config, and a tunnel"
cp /etc/config/serval /tmp/serval.before
run uci set serval.main.log_level=debug
uci_section web tunnel mode=listen mdp_port=80 tcp_port=8080
run uci commit serval
run reload_config
check config.tunnel wait_for 10 tunnel_log web 'forwarding MDP port 80 -> 127.0.0.1:8080'
check config.debug wait_for 5 grep -q 'log.console.level=debug' /var/etc/serval/serval.conf
show_instances

step "upgrade: apk add $APK2 over the modified config"
P="$(pid_of servald)"
run apk add --allow-untrusted --no-network "$APK2"
res upgrade.apk-rc $?
installed_version
check upgrade.version sh -c "apk info -v 2> /dev/null | grep -qx 'serval-mesh-0.1.0-r2'"
run ls /etc/config
check upgrade.config-kept grep -q "option log_level 'debug'" /etc/config/serval
check upgrade.tunnel-config-kept grep -q "config tunnel 'web'" /etc/config/serval
check upgrade.running wait_for 10 running servald
check upgrade.new-binary-runs wait_for 10 pid_changed servald "$P"
upgrade_tunnel() { [ "$(logread | grep -c "servald\[[0-9]*\]: tunnel 'web': forwarding MDP port 80")" -ge 2 ]; }
check upgrade.tunnel-running wait_for 10 upgrade_tunnel
show_instances
wait_for 5 test -S /var/run/serval/mdp.2.socket
check upgrade.same-sid [ "$(sid)" = "$SID1" ]
cat /var/etc/serval/serval.conf

step "log priorities in logread"
echo '$ logread | grep servald'
logread | grep servald | tail -6
check log.info-at-info sh -c "logread | grep -q 'daemon.info servald\[[0-9]*\]: servald started'"
check log.no-info-at-err sh -c "! logread | grep 'daemon.err servald\[' | grep -qE 'started|created keyring|stopping|primary SID'"

step "remove: apk del serval-mesh"
run apk del serval-mesh
res remove.apk-rc $?
checks_removed
check remove.not-installed sh -c "! apk info -v 2> /dev/null | grep -q '^serval-mesh-'"

step "reinstall: apk add $APK2 (keyring and modified config kept)"
run apk add --allow-untrusted --no-network "$APK2"
res reinstall.apk-rc $?
checks_reinstalled
echo
echo "DONE"
