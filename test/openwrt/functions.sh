# Test stand-in for OpenWrt's /lib/functions.sh: the UCI shell API that init
# scripts use (config_load, config_get, config_get_bool, config_foreach,
# config_list_foreach, append, list_contains), keeping OpenWrt's data model:
# CONFIG_<section>_<option> variables, lists as <option>_ITEMn/_LENGTH plus the
# space-joined value, CONFIG_SECTIONS in file order, <section>_TYPE.
# config_load reads $UCI_CONFIG_DIR/<package> (default /etc/config) through
# uci-export.awk, as the real one evals `uci export`.
# shellcheck disable=SC3043,SC2034 # busybox ash has local; eval uses the locals

UCI_STANDIN_DIR="${UCI_STANDIN_DIR:-$(dirname "$0")}"
LIST_SEP=" "

reset_cb() {
	config_cb() { return 0; }
	option_cb() { return 0; }
	list_cb() { return 0; }
}
reset_cb

append() {
	local var="$1" value="$2" sep="${3:- }"
	eval "$var=\${$var:+\${$var}\${value:+\$sep}}\$value"
}

list_contains() {
	local var="$1" str="$2" val
	eval "val=\" \${$var} \""
	[ "${val%% "$str" *}" != "$val" ]
}

config_set() {
	eval "CONFIG_${1}_${2}=\$3"
}

config() {
	CONFIG_NUM_SECTIONS=$((CONFIG_NUM_SECTIONS + 1))
	CONFIG_SECTION="${2:-cfg$CONFIG_NUM_SECTIONS}"
	append CONFIG_SECTIONS "$CONFIG_SECTION"
	config_set "$CONFIG_SECTION" TYPE "$1"
	config_cb "$1" "$CONFIG_SECTION"
}

option() {
	config_set "$CONFIG_SECTION" "$1" "$2"
	option_cb "$1" "$2"
}

list() {
	local len
	config_get len "$CONFIG_SECTION" "${1}_LENGTH" 0
	[ "$len" = 0 ] && append CONFIG_LIST_STATE "${CONFIG_SECTION}_$1"
	len=$((len + 1))
	config_set "$CONFIG_SECTION" "${1}_ITEM$len" "$2"
	config_set "$CONFIG_SECTION" "${1}_LENGTH" "$len"
	append "CONFIG_${CONFIG_SECTION}_$1" "$2" "$LIST_SEP"
	list_cb "$1" "$2"
}

config_load() {
	local file="${UCI_CONFIG_DIR:-/etc/config}/$1" data var
	for var in $CONFIG_LIST_STATE; do
		eval "CONFIG_${var}= CONFIG_${var}_LENGTH="
	done
	CONFIG_LIST_STATE=
	CONFIG_SECTIONS=
	CONFIG_NUM_SECTIONS=0
	CONFIG_SECTION=
	[ -f "$file" ] || return 1
	data="$(awk -f "$UCI_STANDIN_DIR/uci-export.awk" "$file")" || return 1
	eval "$data"
}

# config_get <variable> <section> <option> [<default>] | config_get <section> <option>
config_get() {
	case "$2${3:-$1}" in
	*[!A-Za-z0-9_]*) return 0 ;;
	esac
	case "$3" in
	"") eval "echo \"\${CONFIG_${1}_${2}:-\${4}}\"" ;;
	*) eval "${1}=\${CONFIG_${2}_${3}:-\${4}}" ;;
	esac
}

get_bool() {
	case "$1" in
	1 | on | true | yes | enabled) echo 1 ;;
	0 | off | false | no | disabled) echo 0 ;;
	*) echo "$2" ;;
	esac
}

config_get_bool() {
	local _tmp
	config_get _tmp "$2" "$3" "$4"
	_tmp="$(get_bool "$_tmp" "$4")"
	eval "$1=\$_tmp"
}

config_foreach() {
	local ___function="$1" ___type="$2" section cfgtype
	[ "$#" -ge 1 ] && shift
	[ "$#" -ge 1 ] && shift
	for section in $CONFIG_SECTIONS; do
		config_get cfgtype "$section" TYPE
		[ -n "$___type" ] && [ "$cfgtype" != "$___type" ] && continue
		"$___function" "$section" "$@"
	done
}

config_list_foreach() {
	[ "$#" -ge 3 ] || return 0
	local section="$1" option="$2" function="$3" val len c=1
	shift 3
	config_get len "$section" "${option}_LENGTH"
	[ -z "$len" ] && return 0
	while [ "$c" -le "$len" ]; do
		config_get val "$section" "${option}_ITEM$c"
		"$function" "$val" "$@"
		c=$((c + 1))
	done
}
