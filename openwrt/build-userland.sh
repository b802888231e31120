#!/bin/bash
# Builds the real OpenWrt userland from source on Debian 12 (glibc): what
# `make apk` packs with and what the real-userland tests run against.
#
# build-userland.sh apk     apk-tools (apk v3, OpenWrt 25.x's package manager;
#                           `apk mkpkg` packs the .apk) -> $W/bin/apk
# build-userland.sh root    libubox, ubus, uci, udebug, procd, opkg-lede and
#                           apk-tools, and an OpenWrt-like root in $W/root:
#                           busybox ash, the tools at OpenWrt's paths,
#                           base-files' functions.sh / rc.common, procd.sh,
#                           reload_config, /etc/opkg.conf (arch x86_64)
#
# Sources: NAME-COMMIT.tar.gz in $OPENWRT_USERLAND (default: the copy in
# test/openwrt/userland/, README there names each upstream and licence).
# W: work directory (default .cache/openwrt-userland). Each step is skipped
# when its stamp matches the sources and this script (a rebuild is ~1 min on
# 2 cores). Installs its Debian build dependencies itself (as root).
set -euo pipefail

here="$(cd "$(dirname "$0")/.." && pwd)"
SRC="$(cd "${OPENWRT_USERLAND:-$here/test/openwrt/userland}" 2> /dev/null && pwd)" || {
	echo "build-userland.sh: no OpenWrt userland sources at '${OPENWRT_USERLAND:-$here/test/openwrt/userland}' (OPENWRT_USERLAND: a directory of NAME-COMMIT.tar.gz)" >&2
	exit 2
}
W="${W:-$here/.cache/openwrt-userland}"
mkdir -p "$W"
W="$(cd "$W" && pwd)"
JOBS="${JOBS:-$(nproc 2> /dev/null || echo 2)}"
B="$W/build"
STAGE="$W/stage"
ROOT="$W/root"
what="${1:-root}"
case "$what" in
apk | root) ;;
*)
	echo "usage: build-userland.sh apk|root" >&2
	exit 2
	;;
esac

tarball() { # NAME -> path of NAME-*.tar.gz in $SRC
	local t
	for t in "$SRC/$1"-[0-9a-f]*.tar.gz; do break; done
	[ -f "$t" ] || {
		echo "build-userland.sh: no $1-<commit>.tar.gz in $SRC" >&2
		exit 2
	}
	echo "$t"
}

# stamp_ok NAME FILES...: the step NAME was built from exactly these inputs
# (and this RECIPE: bump it when a build step below changes).
RECIPE=1
stamp_of() { { cat "$@" && echo "$RECIPE"; } | sha256sum | cut -d' ' -f1; }
stamp_ok() {
	local n="$1"
	shift
	[ -f "$W/$n.stamp" ] && [ "$(cat "$W/$n.stamp")" = "$(stamp_of "$@")" ]
}
stamp_set() {
	local n="$1"
	shift
	stamp_of "$@" > "$W/$n.stamp"
}

install_deps() {
	local p missing=""
	for p in "$@"; do dpkg -s "$p" > /dev/null 2>&1 || missing="$missing $p"; done
	[ -z "$missing" ] && return 0
	echo "build-userland.sh: installing$missing" >&2
	apt-get update -qq > /dev/null
	# shellcheck disable=SC2086
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing > /dev/null
}

srcdir() { # NAME -> freshly extracted source directory under $B
	local t d
	t="$(tarball "$1")"
	d="$B/$(basename "$t" .tar.gz)"
	rm -rf "$d"
	mkdir -p "$B"
	tar -xzf "$t" -C "$B"
	echo "$d"
}

log_fail() { # LOG: show its end and fail
	tail -30 "$1" >&2
	exit 1
}

build_apk_tools() {
	local t d
	t="$(tarball apk-tools)"
	if stamp_ok apk-tools "$t" && [ -x "$W/bin/apk" ]; then return 0; fi
	install_deps meson ninja-build pkg-config libssl-dev zlib1g-dev gcc
	d="$(srcdir apk-tools)"
	echo "=== building apk-tools ($(basename "$d"))" >&2
	meson setup "$d/_b" "$d" -Ddocs=disabled -Dhelp=disabled -Dlua=disabled \
		-Dpython=disabled -Dtests=disabled -Darch=x86_64 -Ddefault_library=static \
		--prefix=/usr > "$B/apk-tools.meson.log" 2>&1 || log_fail "$B/apk-tools.meson.log"
	ninja -C "$d/_b" -j"$JOBS" src/apk > "$B/apk-tools.ninja.log" 2>&1 || log_fail "$B/apk-tools.ninja.log"
	mkdir -p "$W/bin"
	cp "$d/_b/src/apk" "$W/bin/apk"
	rm -rf "$d"
	stamp_set apk-tools "$t"
}

CM_COMMON=(
	-DCMAKE_INSTALL_PREFIX=/usr
	-DCMAKE_PREFIX_PATH="$STAGE/usr"
	-DCMAKE_INCLUDE_PATH="$STAGE/usr/include"
	-DCMAKE_LIBRARY_PATH="$STAGE/usr/lib"
	-DCMAKE_C_FLAGS="-I$STAGE/usr/include -Wno-error"
	-DCMAKE_EXE_LINKER_FLAGS="-L$STAGE/usr/lib -Wl,-rpath-link,$STAGE/usr/lib"
	-DCMAKE_SHARED_LINKER_FLAGS="-L$STAGE/usr/lib -Wl,-rpath-link,$STAGE/usr/lib"
	-DCMAKE_INSTALL_LIBDIR=lib
)
cmake_build() { # NAME DIR [cmake args...]
	local name="$1" d="$2"
	shift 2
	echo "=== building $name ($(basename "$d"))" >&2
	cmake -S "$d" -B "$d/_b" "${CM_COMMON[@]}" "$@" > "$B/$name.cmake.log" 2>&1 || log_fail "$B/$name.cmake.log"
	make -C "$d/_b" -j"$JOBS" > "$B/$name.make.log" 2>&1 || log_fail "$B/$name.make.log"
	make -C "$d/_b" install DESTDIR="$STAGE" > "$B/$name.install.log" 2>&1 || log_fail "$B/$name.install.log"
}

build_stage() {
	local inputs=() n d
	for n in libubox ubus uci udebug procd opkg-lede; do inputs+=("$(tarball "$n")"); done
	if stamp_ok stage "${inputs[@]}" && [ -x "$STAGE/usr/sbin/procd" ]; then return 0; fi
	install_deps cmake pkg-config libjson-c-dev gcc make util-linux
	rm -rf "$STAGE"
	mkdir -p "$STAGE"
	d="$(srcdir libubox)"
	cmake_build libubox "$d" -DBUILD_LUA=OFF -DBUILD_EXAMPLES=OFF -DBUILD_TESTS=OFF
	d="$(srcdir ubus)"
	cmake_build ubus "$d" -DBUILD_LUA=OFF -DBUILD_EXAMPLES=OFF -DBUILD_TESTS=OFF
	d="$(srcdir uci)"
	cmake_build uci "$d" -DBUILD_LUA=OFF -DBUILD_TESTS=OFF
	# udebug: only the library (procd links it); its ucode module needs ucode.
	d="$(srcdir udebug)"
	echo "=== building udebug (library only)" >&2
	cmake -S "$d" -B "$d/_b" "${CM_COMMON[@]}" -Ducode_include_dir="$STAGE/usr/include" \
		> "$B/udebug.cmake.log" 2>&1 || log_fail "$B/udebug.cmake.log"
	make -C "$d/_b" -j"$JOBS" udebug > "$B/udebug.make.log" 2>&1 || log_fail "$B/udebug.make.log"
	install -D -m 0644 "$d/udebug.h" "$STAGE/usr/include/udebug.h"
	install -D -m 0644 "$d/udebug-pcap.h" "$STAGE/usr/include/udebug-pcap.h"
	cp -a "$d/_b"/libudebug.so* "$STAGE/usr/lib/"
	# procd: glibc 2.36 has no strlcpy (musl has); procd builds with -Werror.
	mkdir -p "$B/compat"
	cat > "$B/compat/strlcpy.h" << 'HDR'
#include <string.h>
static inline size_t procd_compat_strlcpy(char *d, const char *s, size_t n)
{
	size_t l = strlen(s);
	if (n) {
		size_t c = l >= n ? n - 1 : l;
		memcpy(d, s, c);
		d[c] = 0;
	}
	return l;
}
#define strlcpy procd_compat_strlcpy
HDR
	d="$(srcdir procd)"
	sed -i 's/ -Werror / /' "$d/CMakeLists.txt"
	cmake_build procd "$d" -DJAIL_SUPPORT=OFF -DSECCOMP_SUPPORT=OFF -DUTRACE_SUPPORT=OFF \
		-DEARLY_PATH=/usr/sbin:/usr/bin:/sbin:/bin \
		-DCMAKE_C_FLAGS="-I$STAGE/usr/include -Wno-error -include $B/compat/strlcpy.h"
	d="$(srcdir opkg-lede)"
	cmake_build opkg-lede "$d" -DBUILD_TESTS=OFF -DENABLE_USIGN=OFF \
		-DHOST_CPU=x86_64 -DBUILD_CPU=x86_64 \
		-DVERSION="$(basename "$d" | sed 's/^opkg-lede-//')"
	rm -rf "$B"
	stamp_set stage "${inputs[@]}"
}

# Host libraries (glibc) the binaries need, copied into the root.
copy_libs() {
	local f lib
	for f in "$@"; do
		ldd "$f" 2> /dev/null | awk '/=>/ {print $3} /^\t\/lib/ {print $1}' | while read -r lib; do
			[ -e "$lib" ] || continue
			case "$lib" in "$STAGE"/* | "$ROOT"/*) continue ;; esac
			mkdir -p "$ROOT$(dirname "$lib")"
			[ -e "$ROOT$lib" ] || cp -L "$lib" "$ROOT$lib"
		done
	done
}

assemble_root() {
	local ow bf pf a p
	ow="$(srcdir openwrt-aparcar)"
	bf="$ow/package/base-files/files"
	pf="$ow/package/system/procd/files"
	rm -rf "$ROOT"
	mkdir -p "$ROOT"/{bin,sbin,usr/bin,usr/sbin,usr/lib,lib,etc/config,etc/init.d,etc/rc.d,proc,sys,dev,tmp,root,overlay}
	mkdir -p "$ROOT"/usr/lib/opkg/info "$ROOT"/usr/share/libubox "$ROOT"/lib/functions "$ROOT"/lib/config
	# as on OpenWrt: /var -> tmp (a tmpfs at run time)
	ln -s tmp "$ROOT/var"
	# Debian's busybox as /bin/sh (ash) and its applets: the package the init
	# tests use, or busybox-static (they conflict; either will do).
	[ -x /bin/busybox ] || install_deps busybox
	cp /bin/busybox "$ROOT/bin/busybox"
	for a in $("$ROOT/bin/busybox" --list-full); do
		[ -e "$ROOT/$a" ] || ln -s /bin/busybox "$ROOT/$a"
	done
	ln -sf busybox "$ROOT/bin/sh"
	cp -a "$STAGE"/usr/. "$ROOT/usr/"
	rm -rf "$ROOT/usr/include" "$ROOT/usr/lib/pkgconfig"
	find "$ROOT/usr/lib" -name '*.a' -delete
	# OpenWrt's paths (rc.common calls /sbin/uci)
	mv "$ROOT/usr/bin/uci" "$ROOT/sbin/uci"
	mv "$ROOT/usr/bin/ubus" "$ROOT/bin/ubus"
	mv "$ROOT/usr/sbin/ubusd" "$ROOT/sbin/ubusd"
	mv "$ROOT/usr/sbin/procd" "$ROOT/sbin/procd"
	# OpenWrt's busybox has 'flock' (procd.sh uses it); Debian's busybox-static has not.
	cp /usr/bin/flock "$ROOT/usr/bin/flock"
	if [ -e "$ROOT/usr/bin/opkg-cl" ]; then
		ln -sf /usr/bin/opkg-cl "$ROOT/bin/opkg"
	else
		ln -sf /usr/bin/opkg "$ROOT/bin/opkg"
	fi
	cp "$W/bin/apk" "$ROOT/usr/bin/apk"
	# shellcheck disable=SC2046
	LD_LIBRARY_PATH="$STAGE/usr/lib" copy_libs $(find "$STAGE/usr" -type f \( -perm -u+x -o -name '*.so*' \)) \
		/usr/bin/flock "$W/bin/apk" /bin/busybox
	printf '/usr/lib\n/lib\n' > "$ROOT/etc/ld.so.conf"
	ldconfig -r "$ROOT"
	# base-files and procd's shell helpers from openwrt.git
	cp "$bf/lib/functions.sh" "$ROOT/lib/functions.sh"
	cp "$bf"/lib/functions/*.sh "$ROOT/lib/functions/"
	cp "$ow/package/system/uci/files/lib/config/uci.sh" "$ROOT/lib/config/uci.sh"
	cp "$bf/etc/rc.common" "$ROOT/etc/rc.common"
	for p in profile shinit passwd group shadow shells hosts services protocols; do
		[ -e "$bf/etc/$p" ] && cp "$bf/etc/$p" "$ROOT/etc/$p"
	done
	cp "$pf/procd.sh" "$ROOT/lib/functions/procd.sh"
	install -m 0755 "$pf/reload_config" "$ROOT/sbin/reload_config"
	install -m 0755 "$pf/service" "$ROOT/sbin/service"
	[ -e "$bf/sbin/service" ] && install -m 0755 "$bf/sbin/service" "$ROOT/sbin/service"
	mkdir -p "$ROOT/lib/upgrade/keep.d"
	cat > "$ROOT/etc/opkg.conf" << 'EOF'
dest root /
dest ram /tmp
lists_dir ext /var/opkg-lists
option overlay_root /overlay
arch all 1
arch noarch 1
arch x86_64 10
EOF
	# An image lists its base packages; SDK-built packages depend on 'libc'.
	: > "$ROOT/usr/lib/opkg/status"
	for p in libc:1.2.5-r4 libgcc1:13.3.0-r4 busybox:1.36.1-r2 base-files:1653-r1 \
		procd:2025.06.19~cde025d5-r1 ubus:2025.05.16~88e63250-r1 uci:2025.01.20~16ff0bad-r1 \
		opkg:2024.10.16~38eccbb1-r1 libubox20240329:2024.12.19~3868f47c-r1 jshn:2024.12.19~3868f47c-r1; do
		printf 'Package: %s\nVersion: %s\nStatus: install hold installed\nArchitecture: x86_64\nInstalled-Time: 0\n\n' \
			"${p%%:*}" "${p#*:}" >> "$ROOT/usr/lib/opkg/status"
		: > "$ROOT/usr/lib/opkg/info/${p%%:*}.list"
	done
	printf 'DISTRIB_ID=OpenWrt\nDISTRIB_ARCH=x86_64\n' > "$ROOT/etc/openwrt_release"
	rm -rf "$B"
}

build_apk_tools
[ "$what" = apk ] && exit 0
build_stage
ow_tar="$(tarball openwrt-aparcar)"
if ! stamp_ok root "$ow_tar" "$W/stage.stamp" "$W/apk-tools.stamp" "$0" || [ ! -x "$ROOT/sbin/procd" ]; then
	assemble_root
	stamp_set root "$ow_tar" "$W/stage.stamp" "$W/apk-tools.stamp" "$0"
fi
echo "$ROOT"
