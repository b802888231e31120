#!/bin/sh
# Packs an apk v3 package for OpenWrt 25.x the way OpenWrt's
# include/package-pack.mk does with CONFIG_USE_APK: the installed tree plus
# lib/apk/packages/<name>.{list,conffiles,conffiles_static}, the
# post-install / post-upgrade / pre-deinstall scripts OpenWrt generates
# (default_postinst / default_prerm), packed by apk-tools' own `apk mkpkg`.
# Unsigned (install with `apk add --allow-untrusted`, or sign the feed's index).
#
# mkapk.sh -o OUT.apk -a ARCH -v VERSION -k APK [-c CONFFILE]... DEST:MODE:SRC...
#   APK: the apk-tools binary (openwrt/build-userland.sh apk); the rest as
#   for mkipk.sh. Env: SOURCE_DATE_EPOCH (every mtime; default 0); PKG_NAME,
#   PKG_DEPENDS, PKG_DESCRIPTION as for mkipk.sh.
set -eu
# shellcheck source=openwrt/pkgfiles.sh
. "$(dirname "$0")/pkgfiles.sh"

out="" arch="" version="" apk="" conffiles=""
while getopts "o:a:v:k:c:" opt; do
	case "$opt" in
	o) out="$OPTARG" ;;
	a) arch="$OPTARG" ;;
	v) version="$OPTARG" ;;
	k) apk="$OPTARG" ;;
	c) conffiles="$conffiles$OPTARG
" ;;
	*) exit 2 ;;
	esac
done
shift $((OPTIND - 1))
if [ -z "$out" ] || [ -z "$arch" ] || [ -z "$version" ] || [ -z "$apk" ] || [ "$#" -eq 0 ]; then
	echo "usage: mkapk.sh -o OUT.apk -a ARCH -v VERSION -k APK [-c CONFFILE]... DEST:MODE:SRC..." >&2
	exit 2
fi
[ -x "$apk" ] || {
	echo "mkapk.sh: $apk: no apk-tools binary" >&2
	exit 1
}
SOURCE_DATE_EPOCH="${SOURCE_DATE_EPOCH:-0}"
export SOURCE_DATE_EPOCH
name="${PKG_NAME:-serval-mesh}"
if [ "$name" = serval-mesh ]; then
	description="Serval Mesh node: MDP mesh daemon and MSP TCP tunnels, wire-compatible with Serval DNA"
	provides="servald" depends="libc"
else
	# apk separates dependencies by spaces, opkg by ", "
	description="${PKG_DESCRIPTION:-$name}" provides="" depends="$(echo "${PKG_DEPENDS:-libc}" | tr -d ,)"
fi

work="$(mktemp -d "${TMPDIR:-/tmp}/mkapk.XXXXXX")"
trap 'rm -rf "$work"' EXIT
data="$work/data"
scripts="$work/scripts"
mkdir -p "$data" "$scripts"

stage_files mkapk.sh "$data" "$@"
check_conffiles mkapk.sh "$data" "$conffiles"

meta="$data/lib/apk/packages"
mkdir -p "$meta"
(cd "$data" && find . -type f -printf '/%P\n' | LC_ALL=C sort) > "$work/list"
mv "$work/list" "$meta/$name.list"
if [ -n "$conffiles" ]; then
	printf '%s' "$conffiles" > "$meta/$name.conffiles"
	: > "$meta/$name.conffiles_static"
	for cf in $conffiles; do
		echo "$cf $(sha256sum < "$data$cf" | cut -d' ' -f1)" >> "$meta/$name.conffiles_static"
	done
fi
find "$meta" -type f -exec chmod 0644 {} +
find "$data" -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +

# The scripts package-pack.mk writes for every package: functions.sh, then
# the default_* call.
# shellcheck disable=SC2016 # the ${...} are for the written script
pkg_script() { # NAME LINE...: writes $scripts/NAME
	f="$1"
	shift
	{
		echo '#!/bin/sh'
		[ "$f" = pre-deinstall ] || echo '[ "${IPKG_NO_SCRIPT}" = "1" ] && exit 0'
		echo '[ -s ${IPKG_INSTROOT}/lib/functions.sh ] || exit 0'
		echo '. ${IPKG_INSTROOT}/lib/functions.sh'
		echo 'export root="${IPKG_INSTROOT}"'
		echo "export pkgname=\"$name\""
		printf '%s\n' "$@"
	} > "$scripts/$f"
}
pkg_script post-install add_group_and_user default_postinst
pkg_script pre-deinstall default_prerm
{
	echo '#!/bin/sh'
	echo 'export PKG_UPGRADE=1'
	sed 1d "$scripts/post-install"
} > "$scripts/post-upgrade"
chmod 0755 "$scripts"/*

mkdir -p "$(dirname "$out")"
"$apk" mkpkg \
	--info "name:$name" \
	--info "version:$version" \
	--info "description:$description" \
	--info "arch:$arch" \
	--info "license:GPL-2.0-or-later" \
	--info "origin:$name" \
	--info "maintainer:serval-mesh developers" \
	--info "provides:$provides" \
	--info "depends:$depends" \
	--script "post-install:$scripts/post-install" \
	--script "post-upgrade:$scripts/post-upgrade" \
	--script "pre-deinstall:$scripts/pre-deinstall" \
	--files "$data" \
	--output "$out.tmp"
mv -f "$out.tmp" "$out"
echo "mkapk.sh: $out ($(wc -c < "$out" | tr -d ' ') bytes)" >&2
