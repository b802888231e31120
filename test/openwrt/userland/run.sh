#!/bin/bash
# Runs one scenario against the real OpenWrt userland: a throw-away copy of
# the root built by openwrt/build-userland.sh, in fresh pid/mount/net/uts
# namespaces (unshare), chrooted, with busybox syslogd (logd's stand-in),
# ubusd and procd (`procd -S -s SOCK`: a service manager over ubus, not PID 1)
# running. Needs root.
#
# run.sh SCENARIO FILE...
#   SCENARIO: ipk | apk (test/openwrt/userland/SCENARIO.sh runs inside the
#   root); the FILEs (packages) are copied to /root/ there.
# Env: W (default .cache/openwrt-userland). Prints the transcript: "### step"
# headers, "$ command" lines with their output and "[rc=N]", and one
# "RESULT <check> PASS|FAIL" line per check.
set -eu
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../../.." && pwd)"
W="${W:-$repo/.cache/openwrt-userland}"
scenario="$1"
shift
[ -f "$here/$scenario.sh" ] || {
	echo "run.sh: no scenario '$scenario'" >&2
	exit 2
}
[ -x "$W/root/sbin/procd" ] || {
	echo "run.sh: no root in $W/root (bash openwrt/build-userland.sh root)" >&2
	exit 2
}
R="$(mktemp -d "$W/run-$scenario.XXXXXX")"
cleanup() { rm -rf "$R"; }
trap cleanup EXIT
cp -a "$W/root/." "$R/"
cp "$here/lib.sh" "$R/root/lib.sh"
cp "$here/$scenario.sh" "$R/root/scenario.sh"
# the unit tests' stand-ins, to compare with the real ones
mkdir -p "$R/root/standins"
cp "$here/../functions.sh" "$here/../uci-export.awk" "$R/root/standins/"
for f in "$@"; do cp "$f" "$R/root/"; done

# shellcheck disable=SC2016 # expanded by the inner shell
unshare --pid --fork --mount --net --uts --kill-child -- /bin/sh -c '
	R="$1"
	mount --make-rprivate /
	mount -t proc proc "$R/proc"
	mount -t tmpfs tmpfs "$R/tmp"
	mount --rbind /dev "$R/dev"
	mount -t sysfs sysfs "$R/sys" 2> /dev/null
	hostname OpenWrt
	exec timeout 240 chroot "$R" /bin/sh -c ". /root/lib.sh && setup && . /root/scenario.sh"
' sh "$R" 2>&1
