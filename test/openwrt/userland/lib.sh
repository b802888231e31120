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
same_pid() { [ "$(pid_of "$1")" = "$2" ]; }
pid_changed() { p="$(pid_of "$1")" && [ -n "$p" ] && [ "$p" != "$2" ]; }
gone() { ! svc | grep -q "\"$1\":"; }
# sid: this node's SID (`servald id self` prints "1", "sid", then the SID).
sid() { SERVALINSTANCE_PATH=/etc/serval SERVAL_RUN_PATH=/var/run/serval servald id self 2> /dev/null | tail -1; }

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
