#!/bin/sh
# Packs an OpenWrt .ipk the way OpenWrt's own ipkg-build does: a gzip'd tar
# (not ar) of ./debian-binary, ./control.tar.gz and ./data.tar.gz, GNU tar
# format, sorted names, owner 0:0, every mtime = SOURCE_DATE_EPOCH, gzip -n,
# so the same inputs always give the same bytes.
#
# mkipk.sh -o OUT.ipk -a ARCH -v VERSION [-c CONFFILE]... DEST:MODE:SRC...
#   DEST  absolute path inside the package, MODE octal (0755), SRC a file here.
# Env: SOURCE_DATE_EPOCH (default 0); PKG_NAME, PKG_DEPENDS, PKG_SECTION,
# PKG_DESCRIPTION (one line) for a package other than serval-mesh
# (luci-app-serval), which then has no Conflicts/Provides.
set -eu
# shellcheck source=openwrt/pkgfiles.sh
. "$(dirname "$0")/pkgfiles.sh"

out="" arch="" version="" conffiles=""
while getopts "o:a:v:c:" opt; do
	case "$opt" in
	o) out="$OPTARG" ;;
	a) arch="$OPTARG" ;;
	v) version="$OPTARG" ;;
	c) conffiles="$conffiles$OPTARG
" ;;
	*) exit 2 ;;
	esac
done
shift $((OPTIND - 1))
if [ -z "$out" ] || [ -z "$arch" ] || [ -z "$version" ] || [ "$#" -eq 0 ]; then
	echo "usage: mkipk.sh -o OUT.ipk -a ARCH -v VERSION [-c CONFFILE]... DEST:MODE:SRC..." >&2
	exit 2
fi
epoch="${SOURCE_DATE_EPOCH:-0}"

work="$(mktemp -d "${TMPDIR:-/tmp}/mkipk.XXXXXX")"
trap 'rm -rf "$work"' EXIT
data="$work/data"
ctrl="$work/control"
mkdir -p "$data" "$ctrl"

stage_files mkipk.sh "$data" "$@"
check_conffiles mkipk.sh "$data" "$conffiles"

# Reproducible GNU tar of the current directory's "." or of the named members.
rtar() {
	tar --format=gnu --numeric-owner --owner=0 --group=0 --sort=name \
		--mtime="@$epoch" -cf - "$@"
}

(cd "$data" && rtar .) > "$work/data.tar"
# OpenWrt's Installed-Size: bytes of the uncompressed data archive.
installed_size="$(wc -c < "$work/data.tar" | tr -d ' ')"
# zopfli writes standard gzip (no timestamp) ~2.6% smaller than gzip -9 (the
# binary is nearly all of the package: -12 KB on mipsel); gzip -9 when
# zopfli is not installed (`make deps` installs it).
if command -v zopfli > /dev/null; then
	zopfli -c --i15 "$work/data.tar" > "$work/data.tar.gz"
else
	gzip -n -9 < "$work/data.tar" > "$work/data.tar.gz"
fi

name="${PKG_NAME:-serval-mesh}"
if [ "$name" = serval-mesh ]; then
	cat > "$ctrl/control" << EOF
Package: serval-mesh
Version: $version
Depends: libc
Conflicts: serval-dna
Provides: servald
Source: serval-mesh
SourceName: serval-mesh
License: GPL-2.0-or-later
Section: net
Maintainer: serval-mesh developers
Architecture: $arch
Installed-Size: $installed_size
Description: Serval Mesh node: MDP mesh daemon and MSP TCP tunnels
 servald meshes over UDP broadcast (port 4110) on the configured interfaces,
 routes over many hops with per-hop retransmission, encrypts and signs
 datagrams, and carries TCP connections over MSP streams
 (servald msp listen/connect --forward). Wire-compatible with Serval DNA.
EOF
else
	cat > "$ctrl/control" << EOF
Package: $name
Version: $version
Depends: ${PKG_DEPENDS:-libc}
Source: serval-mesh
SourceName: $name
License: GPL-2.0-or-later
Section: ${PKG_SECTION:-net}
Maintainer: serval-mesh developers
Architecture: $arch
Installed-Size: $installed_size
Description: ${PKG_DESCRIPTION:-$name}
EOF
fi
printf '%s' "$conffiles" > "$ctrl/conffiles"
[ -s "$ctrl/conffiles" ] || rm -f "$ctrl/conffiles"
# The maintainer scripts OpenWrt's package-pack.mk generates for every package.
cat > "$ctrl/postinst" << 'EOF'
#!/bin/sh
[ "${IPKG_NO_SCRIPT}" = "1" ] && exit 0
[ -s ${IPKG_INSTROOT}/lib/functions.sh ] || exit 0
. ${IPKG_INSTROOT}/lib/functions.sh
default_postinst $0 $@
EOF
cat > "$ctrl/prerm" << 'EOF'
#!/bin/sh
[ -s ${IPKG_INSTROOT}/lib/functions.sh ] || exit 0
. ${IPKG_INSTROOT}/lib/functions.sh
default_prerm $0 $@
EOF
chmod 0644 "$ctrl"/*
chmod 0755 "$ctrl/postinst" "$ctrl/prerm" "$ctrl"
(cd "$ctrl" && rtar .) | gzip -n -9 > "$work/control.tar.gz"

printf '2.0\n' > "$work/debian-binary"
chmod 0644 "$work/debian-binary" "$work/control.tar.gz" "$work/data.tar.gz"
mkdir -p "$(dirname "$out")"
# Members in the order opkg and dpkg expect; --sort does not reorder operands.
(cd "$work" && rtar ./debian-binary ./control.tar.gz ./data.tar.gz) |
	gzip -n -9 > "$out.tmp"
mv -f "$out.tmp" "$out"
echo "mkipk.sh: $out ($(wc -c < "$out" | tr -d ' ') bytes)" >&2
