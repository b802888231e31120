# Sourced inside the chroot (busybox ash, PID 1 of its pid namespace) by
# run.sh before a scenario: helpers and the running services.
# shellcheck shell=sh
export PATH=/usr/sbin:/usr/bin:/sbin:/bin

# res NAME RC [WHY]: one RESULT line.
res() {
	if [ "$2" = 0 ]; then
		echo "RESULT $1 PASS"
	else
		echo "RESULT $1 FAIL${3:+ ($3)}"
	fi
}
# check NAME CMD...: RESULT by CMD's exit status.
check() {
	n="$1"
	shift
	if "$@"; then res "$n" 0; else res "$n" 1; fi
}
step() {
	echo
	echo "### $*"
}
# run CMD...: show it, its output and its status.
run() {
	echo "\$ $*"
	"$@"
	r=$?
	echo "[rc=$r]"
	return $r
}

# svc: procd's view of the service, one line (spaces dropped).
svc() { ubus call service list '{"name":"servald"}' | tr -d ' \n\t'; }
# show_instances: "name running pid" per procd instance of servald.
show_instances() {
	echo "\$ ubus call service list '{\"name\":\"servald\"}' (instances)"
	svc | grep -o '"[a-z0-9_]*":{"running":[a-z]*,"pid":[0-9]*' |
		sed 's/"\([^"]*\)":{"running":\([a-z]*\),"pid":\([0-9]*\)/  \1 running=\2 pid=\3/'
}
# pid_of INSTANCE: its pid while procd reports it running.
pid_of() { svc | sed -n "s/.*\"$1\":{\"running\":true,\"pid\":\([0-9]*\).*/\1/p"; }
running() { [ -n "$(pid_of "$1")" ]; }
# instance_json INSTANCE: that instance's object (up to the next instance).
instance_json() {
	svc | sed -n "s/.*\"$1\":{\"running\"/\"$1\":{\"running\"/p" |
		sed 's/,"[a-z0-9_]*":{"running".*//'
}
# wait_for SECONDS CMD...: until CMD succeeds (polls every 0.2 s).
wait_for() {
	w_n=$(($1 * 5))
	shift
	while [ "$w_n" -gt 0 ]; do
		"$@" && return 0
		sleep 0.2
		w_n=$((w_n - 1))
	done
	"$@"
}
# has INSTANCE TEXT: that instance's object contains TEXT.
has() { instance_json "$1" | grep -qF "$2"; }
# Daemon-hosted tunnels: a tunnel's line in logread (the daemon's syslog, at
# PRIO), and its name among the generated config's tunnels.N.name keys.
tunnel_log() { logread | grep -q "daemon.${3:-info} servald\[[0-9]*\]: tunnel '$1': $2"; }
tunnel_conf() { grep -q "^tunnels\.[0-9]*\.name=$1\$" /var/etc/serval/serval.conf; }
same_pid() { [ "$(pid_of "$1")" = "$2" ]; }
pid_changed() { p="$(pid_of "$1")" && [ -n "$p" ] && [ "$p" != "$2" ]; }
gone() { ! svc | grep -q "\"$1\":"; }
# sid: this node's SID (`servald id self` prints "1", "sid", then the SID).
sid() { SERVALINSTANCE_PATH=/etc/serval SERVAL_RUN_PATH=/var/run/serval servald id self 2> /dev/null | tail -1; }

# uci_section NAME TYPE [OPTION=VALUE]...: serval.NAME (not committed).
uci_section() {
	us_name="$1"
	uci set "serval.$us_name=$2"
	shift 2
	for kv in "$@"; do uci set "serval.$us_name.$kv"; done
}

# After the package's install: enabled, started by procd as the init script
# says; sets SID1. /etc/init.d/servald status|running go through procd.sh's
# jsonfilter, absent here: the same state is read from ubus instead.
env_ok() {
	has servald '"SERVALINSTANCE_PATH":"/etc/serval"' && has servald '"SERVAL_RUN_PATH":"/var/run/serval"' &&
		has servald '"SERVAL_CONFIG_FILE":"/var/etc/serval/serval.conf"' && has servald '"SERVAL_LOG_SYSLOG":"1"'
}
checks_installed() {
	run ls /etc/rc.d
	check install.enabled test -L /etc/rc.d/S70servald
	check install.started wait_for 5 running servald
	show_instances
	instance_json servald
	echo
	check install.command has servald '"command":["/usr/sbin/servald","start","foreground"]'
	check install.env env_ok
	check install.respawn has servald '"respawn":'
	wait_for 5 test -S /var/run/serval/mdp.2.socket
	SID1="$(sid)"
	echo "servald id self: $SID1"
	check install.id-self [ "${#SID1}" -eq 64 ]
	echo "\$ /etc/init.d/servald status   (procd.sh pipes 'ubus call service list' through jsonfilter, which this root lacks)"
	/etc/init.d/servald status 2>&1 | head -3
	echo "  -> the same state from ubus instead: servald running=$(running servald && echo true || echo false)"
}

# shellcheck disable=SC2009 # busybox has no pgrep here
no_servald_process() { ! ps w | grep -v grep | grep -q /usr/sbin/servald; }

# After the package is removed: what must stay and what must go.
checks_removed() {
	run ls -la /etc/serval /etc/config
	check remove.keyring-kept test -s /etc/serval/serval.keyring
	check remove.modified-config-kept grep -q "option log_level 'debug'" /etc/config/serval
	check remove.binary-gone test ! -e /usr/sbin/servald
	check remove.rcd-link-gone test ! -e /etc/rc.d/S70servald
	check remove.stopped wait_for 5 no_servald_process
}

# After installing again over the kept files: the user's config and identity.
checks_reinstalled() {
	run ls /etc/config
	check reinstall.config-kept grep -q "option log_level 'debug'" /etc/config/serval
	check reinstall.running wait_for 10 running servald
	wait_for 5 test -S /var/run/serval/mdp.2.socket
	check reinstall.same-sid [ "$(sid)" = "$SID1" ]
}

setup() {
	mkdir -p /tmp/run/ubus /tmp/lock /tmp/log /tmp/etc /tmp/state
	ip link set lo up
	# logd's stand-in: busybox syslogd with a ring buffer, read by logread
	syslogd -C256
	ubusd -s /var/run/ubus/ubus.sock > /tmp/ubusd.log 2>&1 &
	i=0
	while [ ! -S /var/run/ubus/ubus.sock ] && [ $i -lt 50 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	procd -S -s /var/run/ubus/ubus.sock > /tmp/procd.log 2>&1 &
	ubus -t 10 wait_for service system
	# as /etc/init.d/boot does: the baseline reload_config compares against
	/sbin/reload_config
}
