# Sourced by mkipk.sh and mkapk.sh: the package's files, staged the same way
# for both formats.
# shellcheck shell=sh

# stage_files PROG DIR DEST:MODE:SRC...: copies each SRC to DIR/DEST with
# MODE; directories 0755.
stage_files() {
	sf_prog="$1" sf_dir="$2"
	shift 2
	for spec in "$@"; do
		dest="${spec%%:*}"
		rest="${spec#*:}"
		mode="${rest%%:*}"
		src="${rest#*:}"
		case "$dest" in
		/*) ;;
		*)
			echo "$sf_prog: destination '$dest' is not absolute" >&2
			exit 2
			;;
		esac
		[ -f "$src" ] || {
			echo "$sf_prog: $src: no such file" >&2
			exit 1
		}
		mkdir -p "$sf_dir$(dirname "$dest")"
		cp "$src" "$sf_dir$dest"
		chmod "$mode" "$sf_dir$dest"
	done
	find "$sf_dir" -type d -exec chmod 0755 {} +
}

# check_conffiles PROG DIR CONFFILES: each conffile is among the staged files.
check_conffiles() {
	for cf in $3; do
		[ -f "$2$cf" ] || {
			echo "$1: conffile $cf is not in the package" >&2
			exit 1
		}
	done
}
