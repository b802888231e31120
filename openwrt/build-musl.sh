#!/bin/sh
# Builds a static musl libc for one cross target, so servald links against the
# same C library OpenWrt uses (and ~1 MB smaller than static glibc on MIPS).
#
#   openwrt/build-musl.sh TRIPLET [MODE]     e.g. mipsel-linux-gnu sf-mips16
#   -> .cache/musl/TRIPLET[-MODE]/{include,lib/libc.a,lib/musl-gcc.specs}
#
# MODE is a dash-separated list of (mips/mipsel only):
#   sf      soft-float, as OpenWrt's mips_24kc/mipsel_24kc userland: the CPUs
#           (24Kc, 24KEc, 1004Kc) have no FPU and OpenWrt's kernels for them
#           do not emulate one. musl then builds its mips-sf variant, and
#           lib/libsoftfp.a (gcc's own libgcc/soft-fp routines, __adddf3 &
#           co., built -msoft-float) goes ahead of libgcc in the specs:
#           Debian's cross libgcc is hard-float and its __adddf3 is add.d.
#           Compile and link with `TRIPLET-gcc -msoft-float -specs=...`.
#   mips16  musl's C code as MIPS16e (mipsel servald ~4 KB gzip smaller)
#
# Sources: Debian's `musl` source package and, for sf, the upstream GCC
# tarball inside Debian's `gcc-12-source` package (the cross compilers are
# Debian's gcc 12.2), fetched through a private APT root (the machine's APT
# setup is untouched). Only the upstream tarballs are used and their sha256
# must match MUSL_SHA256 / GCC_SHA256. Cached under .cache/musl/src (for GCC
# only the few files soft-fp needs), so later builds are offline. Compiled
# with Debian's cross gcc for TRIPLET, with openwrt/patches/musl-*.patch
# applied (a build records their checksum and is redone when they change).
set -eu

MUSL_VERSION=1.2.3
MUSL_SHA256=7d5b0b6062521e4627e099e4c9dc8248d32a30285e959b7eecaa780cf8cfd4a4
GCC_VERSION=12.2.0
GCC_SHA256=50c63ff82919323c25fbbb4a9eae259edc974118a0fb30c905190cb782ec11c2

triplet="${1:?usage: build-musl.sh TRIPLET [MODE: sf, mips16, sf-mips16]}"
mode="${2:-}"
root="$(cd "$(dirname "$0")/.." && pwd)"
cache="$root/.cache/musl"
tarball="$cache/src/musl_$MUSL_VERSION.orig.tar.gz"
gccsrc="$cache/src/gcc-$GCC_VERSION-softfp"
prefix="$cache/$triplet${mode:+-$mode}"
say() { echo "build-musl: $*" >&2; }

softfloat=
mips16=
for w in $(echo "$mode" | tr '-' ' '); do
	case "$w" in
	sf) softfloat=1 ;;
	mips16) mips16=1 ;;
	*)
		say "unknown mode '$w' in '$mode'"
		exit 2
		;;
	esac
done
case "$triplet" in
mips*) ;;
*)
	[ -z "$mode" ] || {
		say "mode '$mode' is for mips/mipsel only"
		exit 2
	}
	;;
esac

patches="$(ls "$root"/openwrt/patches/musl-*.patch 2> /dev/null || true)"
build_id="musl $MUSL_VERSION${mode:+ $mode}${softfloat:+ gcc $GCC_VERSION}${softfloat:+${mips16:+ math16 softfp16}} patches $(cat $patches < /dev/null | sha256sum | cut -d' ' -f1)"
done_ok() { [ -f "$prefix/lib/libc.a" ] && [ -f "$prefix/lib/musl-gcc.specs" ] && [ "$(cat "$prefix/BUILD-ID" 2> /dev/null)" = "$build_id" ]; }
# The specs file names the prefix by its absolute path: a cache copied from
# another checkout (or a moved one) still points there. Point it here again.
relocate() {
	specs="$prefix/lib/musl-gcc.specs"
	[ -f "$specs" ] || return 0
	grep -q "$prefix/" "$specs" && return 0
	sed -i "s|/[^ ]*/\.cache/musl/${prefix##*/}/|$prefix/|g" "$specs"
	say "relocated $specs to $prefix"
}
done_ok && relocate && exit 0
# Parallel builds (make -j, concurrent test runs) share the work directory:
# one builds, the others wait for it and then find the result.
mkdir -p "$cache"
exec 9> "$cache/.lock-$triplet${mode:+-$mode}"
flock 9
done_ok && relocate && exit 0

sha_ok() { [ "$(sha256sum "$1" | cut -d' ' -f1)" = "$2" ]; }

# apt-get on a private APT root under .cache/musl/apt: Debian bookworm's
# sources and binary packages from the machine's mirror.
apt_private() {
	apt="$cache/apt"
	mkdir -p "$apt/lists/partial" "$apt/cache/archives/partial" "$apt/parts"
	: > "$apt/status"
	mirror="$(awk '/^URIs:/ { print $2; exit }' /etc/apt/sources.list.d/*.sources 2> /dev/null || true)"
	[ -n "$mirror" ] || mirror="$(awk '$1 == "deb" { print $2; exit }' /etc/apt/sources.list 2> /dev/null || true)"
	[ -n "$mirror" ] || {
		say "no Debian mirror in /etc/apt"
		exit 1
	}
	key=/usr/share/keyrings/debian-archive-keyring.gpg
	printf 'deb-src [signed-by=%s] %s bookworm main\ndeb [signed-by=%s] %s bookworm main\n' \
		"$key" "$mirror" "$key" "$mirror" > "$apt/sources.list"
	apt-get -o "Dir::Etc::sourcelist=$apt/sources.list" -o "Dir::Etc::sourceparts=$apt/parts" \
		-o "Dir::State::Lists=$apt/lists" -o "Dir::State::status=$apt/status" \
		-o "Dir::Cache=$apt/cache" -o "Acquire::Languages=none" \
		-o "Debug::NoLocking=true" -o "APT::Sandbox::User=root" "$@"
}

# The source fetch is shared by every triplet: one fetch at a time.
exec 8> "$cache/.lock-fetch"
flock 8
updated=
if ! [ -f "$tarball" ] || ! sha_ok "$tarball" "$MUSL_SHA256"; then
	say "fetching Debian's musl source package"
	mkdir -p "$cache/src"
	apt_private -qq update >&2 && updated=1
	(cd "$cache/src" && apt_private -qq --download-only source musl >&2)
	sha_ok "$tarball" "$MUSL_SHA256" || {
		say "$tarball: sha256 is not $MUSL_SHA256"
		exit 1
	}
fi
# gcc's soft-fp sources: the .deb (~80 MB) is dropped once the few files
# needed are out of its upstream tarball.
if [ -n "$softfloat" ] && ! [ "$(cat "$gccsrc/SHA256" 2> /dev/null)" = "$GCC_SHA256" ]; then
	say "fetching Debian's gcc-12-source package for libgcc/soft-fp"
	dl="$cache/src/gcc-dl"
	rm -rf "$dl" "$gccsrc"
	mkdir -p "$dl"
	[ -n "$updated" ] || apt_private -qq update >&2
	(cd "$dl" && apt_private -qq download gcc-12-source >&2)
	dpkg-deb --fsys-tarfile "$dl"/gcc-12-source_*.deb |
		tar -xOf - "./usr/src/gcc-12/gcc-$GCC_VERSION-dfsg.tar.xz" > "$dl/gcc.tar.xz"
	sha_ok "$dl/gcc.tar.xz" "$GCC_SHA256" || {
		say "gcc-$GCC_VERSION-dfsg.tar.xz from gcc-12-source: sha256 is not $GCC_SHA256"
		exit 1
	}
	g="gcc-$GCC_VERSION"
	tar -xJf "$dl/gcc.tar.xz" -C "$dl" "$g/libgcc/soft-fp" "$g/libgcc/config/mips/sfp-machine.h" \
		"$g/include/longlong.h" "$g/COPYING3" "$g/COPYING.RUNTIME"
	mv "$dl/$g" "$gccsrc"
	echo "$GCC_SHA256" > "$gccsrc/SHA256"
	rm -rf "$dl"
fi
exec 8>&-

work="$cache/build-$triplet${mode:+-$mode}"
rm -rf "$work"
mkdir -p "$work"
tar -xzf "$tarball" -C "$work"
for p in $patches; do patch -s -p1 -d "$work/musl-$MUSL_VERSION" < "$p"; done
gcc="$triplet-gcc${softfloat:+ -msoft-float}"
cc="$gcc"
if [ -n "$mips16" ]; then
	# C files as MIPS16e, like servald itself. A file whose inline asm is
	# MIPS32-only (syscalls, rdhwr) does not assemble that way and is built as
	# MIPS32. Hard-float: src/math stays MIPS32 (faster; and hard-float MIPS16
	# stubs of recursive functions such as frexp do not link). Soft-float:
	# src/math is MIPS16e too (mipsel ipk -2.7 KB) except what the JS engine
	# calls per number conversion or arithmetic (floor, ceil, trunc, round,
	# rint, fmod), which stays MIPS32 for speed.
	if [ -n "$softfloat" ]; then
		keep32='*/math/floor*.c | */math/ceil*.c | */math/trunc*.c | */math/round*.c | */math/rint*.c | */math/fmod*.c'
	else
		keep32='*/math/*.c'
	fi
	cc="$work/cc-mips16"
	cat > "$cc" << EOS
#!/bin/sh
for a; do case "\$a" in $keep32) break ;; *.c) $gcc -mips16 -minterlink-mips16 "\$@" 2> /dev/null && exit 0; break ;; esac; done
exec $gcc -minterlink-mips16 "\$@"
EOS
	chmod 0755 "$cc"
fi
say "building musl $MUSL_VERSION for $triplet${mode:+ ($mode)}"
rm -rf "$prefix"
(
	cd "$work/musl-$MUSL_VERSION"
	# --enable-wrapper=gcc: musl-gcc.specs is installed only with the wrapper
	./configure --target="$triplet" CC="$cc" --prefix="$prefix" --enable-wrapper=gcc \
		--disable-shared CFLAGS="-Os -ffunction-sections -fdata-sections" > /dev/null
	make -j"$(nproc)" > /dev/null
	make install > /dev/null
)
if [ -n "$softfloat" ]; then
	# What libgcc's config/t-softfp-sfdf builds for a soft-float 32-bit
	# target: sf/df arithmetic, comparisons, si/di conversions, sf<->df.
	# MIPS16e at -Os when the libc is MIPS16e (-3.3 KB of ipk): the routers'
	# flash budget is tight and soft-float is a small share of the per-packet
	# CPU (1.3 M calls per MiB tunnelled, ~16 ns each under qemu 24Kc: ~20 ms of
	# ~5 800 ms per MiB, BENCHMARKS.md), so slower calls cost well under 1 %.
	sf_opt="-O2"
	[ -z "$mips16" ] || sf_opt="-Os -mips16"
	say "building libsoftfp.a (gcc $GCC_VERSION libgcc/soft-fp) for $triplet"
	funcs="extendsfdf2 truncdfsf2"
	for m in sf df; do
		funcs="$funcs add${m}3 div${m}3 eq${m}2 ge${m}2 le${m}2 mul${m}3 neg${m}2 sub${m}3 unord${m}2"
		for i in si di; do funcs="$funcs fix$m$i fixuns$m$i float$i$m floatun$i$m"; done
	done
	mkdir -p "$work/softfp"
	for f in $funcs; do
		$gcc $sf_opt -minterlink-mips16 -fno-pie -mno-shared -ffunction-sections -w \
			-I"$gccsrc/libgcc/soft-fp" -I"$gccsrc/libgcc/config/mips" -I"$gccsrc/include" \
			-c -o "$work/softfp/$f.o" "$gccsrc/libgcc/soft-fp/$f.c"
	done
	rm -f "$prefix/lib/libsoftfp.a"
	"$triplet-ar" rcs "$prefix/lib/libsoftfp.a" "$work"/softfp/*.o
	# ahead of libgcc.a wherever the driver links libgcc
	sed -i "s|^libgcc\.a%s|$prefix/lib/libsoftfp.a libgcc.a%s|" "$prefix/lib/musl-gcc.specs"
	grep -q "libsoftfp.a libgcc.a" "$prefix/lib/musl-gcc.specs" || {
		say "musl-gcc.specs: no libgcc line to put libsoftfp.a ahead of"
		exit 1
	}
fi
echo "$build_id" > "$prefix/BUILD-ID"
rm -rf "$work"
say "installed in $prefix"
