# The LuCI stack for the browser test (test/unit/openwrt-luci-browser.test.ts):
# serval-mesh and luci-app-serval installed by opkg, servald meshing on mesh0
# with the neighbour, rpcd and uhttpd (LuCI on 127.0.0.1:8080 in this
# network namespace) running as in run-luci.sh. Prints READY and waits for
# the test (which drives chromium and runs commands here through nsenter)
# to create /tmp/browser-done.
# shellcheck shell=sh disable=SC1090,SC1091,SC2034
. /root/luci-lib.sh
NB_SID="$(cat /root/neighbour.sid)"

step "setup: uci-defaults, packages, mesh0, rpcd, uhttpd"
for f in /etc/uci-defaults/*; do [ -f "$f" ] && (. "$f") && rm -f "$f"; done
mark_luci_installed
run opkg install /root/serval-mesh_*_x86_64.ipk
res browser.install-serval-mesh $?
run opkg install /root/luci-app-serval_*_all.ipk
res browser.install-luci-app-serval $?
run reload_config
use_mesh0
start_rpcd
check browser.neighbour-seen wait_for 30 peer_seen "$NB_SID"
check browser.far-seen wait_for 30 peer_seen "$(cat /root/far.sid)"
uhttpd -f -h /www -r OpenWrt -x /cgi-bin -u /ubus -U /var/run/ubus/ubus.sock \
	-t 60 -T 30 -k 20 -A 1 -n 3 -N 100 -R -p "127.0.0.1:8080" \
	-o /cgi-bin/luci -O /usr/share/ucode/luci/uhttpd.uc > /tmp/uhttpd.log 2>&1 &
check browser.uhttpd wait_for 10 sh -c 'wget -q -O /dev/null http://127.0.0.1:8080/ 2> /dev/null || nc -z 127.0.0.1 8080'
echo "SELF $(sid)"
echo "NEIGHBOUR $NB_SID"
echo READY
wait_for 240 test -e /tmp/browser-done
echo DONE
