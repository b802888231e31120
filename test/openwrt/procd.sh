# shellcheck shell=sh disable=SC3043
# Test stand-in for OpenWrt's /lib/functions/procd.sh: every procd_* helper an
# init script calls is a recorder that appends one line to $PROCD_LOG, the
# function name and then each argument, tab-separated. `logger` is recorded
# the same way to $LOGGER_LOG (what would reach logread).

_record() {
	local __log="$1"
	shift
	(
		IFS="$(printf '\t')"
		printf '%s\n' "$*"
	) >> "$__log"
}

for __f in procd_open_service procd_close_service procd_open_instance \
	procd_close_instance procd_set_param procd_append_param \
	procd_add_reload_trigger procd_add_interface_trigger \
	procd_add_reload_interface_trigger procd_add_config_trigger \
	procd_add_raw_trigger procd_open_trigger procd_close_trigger \
	procd_add_validation procd_add_jail procd_add_jail_mount \
	procd_add_mdns procd_open_data procd_close_data procd_kill \
	procd_send_signal procd_add_instance; do
	eval "$__f() { _record \"\$PROCD_LOG\" $__f \"\$@\"; }"
done
unset __f

logger() {
	_record "$LOGGER_LOG" logger "$@"
}
