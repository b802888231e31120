#!/bin/sh
# Builds a static musl libc for one cross target, so servald links against the
# same C library OpenWrt uses (and ~1 MB smaller than static glibc on MIPS).
#
#   openwrt/build-musl.sh TRIPLET      e.g. mipsel-linux-gnu
#   -> .cache/musl/TRIPLET/{include,lib/libc.a,lib/musl-gcc.specs}
#   openwrt/build-musl.sh TRIPLET mips16   (mips/mipsel) C code as MIPS16e
#   -> .cache/musl/TRIPLET-mips16/...      (mipsel servald ~4 KB gzip smaller)
#
# Source: Debian's `musl` source package (bookworm), fetched through a private
# APT root (the machine's APT setup is untouched); only the upstream tarball is
# used and its sha256 must match MUSL_SHA256. Cached under .cache/, so later
# builds are offline. Compiled with Debian's cross gcc for TRIPLET.
set -eu

MUSL_VERSION=1.2.3
MUSL_SHA256=7d5b0b6062521e4627e099e4c9dc8248d32a30285e959b7eecaa780cf8cfd4a4

triplet="${1:?usage: build-musl.sh TRIPLET [mips16]}"
mode="${2:-}"
root="$(cd "$(dirname "$0")/.." && pwd)"
cache="$root/.cache/musl"
tarball="$cache/src/musl_$MUSL_VERSION.orig.tar.gz"
prefix="$cache/$triplet${mode:+-$mode}"
say() { echo "build-musl: $*" >&2; }

[ -f "$prefix/lib/libc.a" ] && [ -f "$prefix/lib/musl-gcc.specs" ] && exit 0
# Parallel builds (make -j, concurrent test runs) share the work directory:
# one builds, the others wait for it and then find the result.
mkdir -p "$cache"
exec 9> "$cache/.lock-$triplet${mode:+-$mode}"
flock 9
[ -f "$prefix/lib/libc.a" ] && [ -f "$prefix/lib/musl-gcc.specs" ] && exit 0

sha_ok() { [ "$(sha256sum "$1" | cut -d' ' -f1)" = "$MUSL_SHA256" ]; }

# The source fetch is shared by every triplet: one fetch at a time.
exec 8> "$cache/.lock-fetch"
flock 8
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
exec 8>&-

work="$cache/build-$triplet${mode:+-$mode}"
rm -rf "$work"
mkdir -p "$work"
tar -xzf "$tarball" -C "$work"
cc="$triplet-gcc"
if [ "$mode" = mips16 ]; then
	# C files as MIPS16e, like servald itself. A file whose inline asm is
	# MIPS32-only (syscalls, rdhwr) does not assemble that way and is built as
	# MIPS32; src/math stays MIPS32 (hard-float MIPS16 stubs of recursive
	# functions such as frexp do not link).
	cc="$work/cc-mips16"
	cat > "$cc" << EOF
#!/bin/sh
for a; do case "\$a" in */math/*.c) break ;; *.c) $triplet-gcc -mips16 -minterlink-mips16 "\$@" 2> /dev/null && exit 0; break ;; esac; done
exec $triplet-gcc -minterlink-mips16 "\$@"
EOF
	chmod 0755 "$cc"
elif [ -n "$mode" ]; then
	say "unknown mode '$mode'"
	exit 2
fi
say "building musl $MUSL_VERSION for $triplet${mode:+ ($mode)}"
(
	cd "$work/musl-$MUSL_VERSION"
	./configure --target="$triplet" CC="$cc" --prefix="$prefix" \
		--disable-shared CFLAGS="-Os -ffunction-sections -fdata-sections" > /dev/null
	make -j"$(nproc)" > /dev/null
	make install > /dev/null
)
rm -rf "$work"
say "installed in $prefix"
