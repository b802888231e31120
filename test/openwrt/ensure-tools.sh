#!/bin/sh
# Installs the host tools the OpenWrt tests and builds need, from Debian, if
# any is missing: ensure-tools.sh [init|ipk|cross]... (default: init).
# Used by `make openwrt-deps` and by the tests themselves, so a fresh machine
# (CI) gets them without a separate step.
set -eu
need=""
add() { command -v "$1" > /dev/null 2>&1 || need="$need $2"; }
[ "$#" -gt 0 ] || set -- init
for group in "$@"; do
	case "$group" in
	init)
		add busybox busybox
		add shellcheck shellcheck
		add shfmt shfmt
		;;
	ipk)
		add tar tar
		add gzip gzip
		;;
	cross)
		add mips-linux-gnu-gcc "gcc-mips-linux-gnu libc6-dev-mips-cross"
		add mipsel-linux-gnu-gcc "gcc-mipsel-linux-gnu libc6-dev-mipsel-cross"
		add arm-linux-gnueabihf-gcc "gcc-arm-linux-gnueabihf libc6-dev-armhf-cross"
		add qemu-mips-static qemu-user-static
		;;
	*)
		echo "ensure-tools.sh: unknown group '$group'" >&2
		exit 2
		;;
	esac
done
[ -n "$need" ] || exit 0
if [ "$(id -u)" != 0 ] || ! command -v apt-get > /dev/null 2>&1; then
	echo "ensure-tools.sh: missing:$need (install them with apt-get as root)" >&2
	exit 1
fi
echo "ensure-tools.sh: installing$need" >&2
export DEBIAN_FRONTEND=noninteractive
# shellcheck disable=SC2086
apt-get install -y -q $need > /dev/null 2>&1 || {
	apt-get update -q > /dev/null 2>&1
	apt-get install -y -q $need > /dev/null
}
