#!/bin/sh
# Builds a static musl libc for one cross target, so servald links against the
# same C library OpenWrt uses (and ~1 MB smaller than static glibc on MIPS).
#
#   openwrt/build-musl.sh TRIPLET      e.g. mipsel-linux-gnu
#   -> .cache/musl/TRIPLET/{include,lib/libc.a,lib/musl-gcc.specs}
#
# Source: Debian's `musl` source package (bookworm), fetched through a private
# APT root (the machine's APT setup is untouched); only the upstream tarball is
# used and its sha256 must match MUSL_SHA256. Cached under .cache/, so later
# builds are offline. Compiled with Debian's cross gcc for TRIPLET.
set -eu

MUSL_VERSION=1.2.3
MUSL_SHA256=7d5b0b6062521e4627e099e4c9dc8248d32a30285e959b7eecaa780cf8cfd4a4

triplet="${1:?usage: build-musl.sh TRIPLET}"
root="$(cd "$(dirname "$0")/.." && pwd)"
cache="$root/.cache/musl"
tarball="$cache/src/musl_$MUSL_VERSION.orig.tar.gz"
prefix="$cache/$triplet"
say() { echo "build-musl: $*" >&2; }

[ -f "$prefix/lib/libc.a" ] && [ -f "$prefix/lib/musl-gcc.specs" ] && exit 0

sha_ok() { [ "$(sha256sum "$1" | cut -d' ' -f1)" = "$MUSL_SHA256" ]; }

if ! [ -f "$tarball" ] || ! sha_ok "$tarball"; then
	apt="$cache/apt"
	mkdir -p "$apt/lists/partial" "$apt/cache/archives/partial" "$apt/parts" "$cache/src"
	: > "$apt/status"
	mirror="$(awk '/^URIs:/ { print $2; exit }' /etc/apt/sources.list.d/*.sources 2> /dev/null || true)"
	[ -n "$mirror" ] || mirror="$(awk '$1 == "deb" { print $2; exit }' /etc/apt/sources.list 2> /dev/null || true)"
	[ -n "$mirror" ] || {
		say "no Debian mirror in /etc/apt"
		exit 1
	}
	echo "deb-src [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $mirror bookworm main" > "$apt/sources.list"
	set -- -o "Dir::Etc::sourcelist=$apt/sources.list" -o "Dir::Etc::sourceparts=$apt/parts" \
		-o "Dir::State::Lists=$apt/lists" -o "Dir::State::status=$apt/status" \
		-o "Dir::Cache=$apt/cache" -o "Acquire::Languages=none" \
		-o "Debug::NoLocking=true" -o "APT::Sandbox::User=root"
	say "fetching Debian's musl source package"
	apt-get "$@" -qq update >&2
	(cd "$cache/src" && apt-get "$@" -qq --download-only source musl >&2)
	sha_ok "$tarball" || {
		say "$tarball: sha256 is not $MUSL_SHA256"
		exit 1
	}
fi

work="$cache/build-$triplet"
rm -rf "$work"
mkdir -p "$work"
tar -xzf "$tarball" -C "$work"
say "building musl $MUSL_VERSION for $triplet"
(
	cd "$work/musl-$MUSL_VERSION"
	./configure --target="$triplet" CC="$triplet-gcc" --prefix="$prefix" \
		--disable-shared CFLAGS="-Os -ffunction-sections -fdata-sections" > /dev/null
	make -j"$(nproc)" > /dev/null
	make install > /dev/null
)
rm -rf "$work"
say "installed in $prefix"
