# keyring.bash: a private, unlocked gnome-keyring for bats tests.
# Load after common.bash.
#
#   keyring_start [DIR]   start D-Bus + gnome-keyring-daemon with
#                         tests/servers/keyring-up.sh (DIR defaults to
#                         $BATS_TEST_TMPDIR/keyring, or a short mktemp dir
#                         when that path is too long for a unix socket);
#                         exports DBUS_SESSION_BUS_ADDRESS,
#                         GNOME_KEYRING_CONTROL, TB_KEYRING_DIR,
#                         TB_KEYRING_PASSWORD, TB_DBUS_PID, TB_KEYRING_PID.
#                         Missing packages: require_or_skip with the reason.
#   keyring_stop          keyring-down.sh; unsets the variables (in
#                         teardown: teardown_try keyring_stop)
#   keyring_lock | keyring_unlock | keyring_status
#                         keyring-ctl.sh lock|unlock|status (unlock needs
#                         python3-dbus: require_or_skip otherwise)

keyring_require() {
	require_cmd dbus-daemon dbus-daemon
	require_cmd dbus-send dbus-bin
	require_cmd gnome-keyring-daemon gnome-keyring
	require_cmd secret-tool libsecret-tools
	require_cmd setsid util-linux
	[ -r /usr/share/dbus-1/session.conf ] ||
		require_or_skip "no D-Bus session.conf (package dbus-session-bus-common)"
}

keyring_start() {
	local dir=${1:-$BATS_TEST_TMPDIR/keyring} out
	keyring_require
	# sun_path holds 108 bytes; leave room for "/runtime/keyring/control".
	if [ ${#dir} -gt 70 ]; then
		dir=$(mktemp -d /tmp/postern-kr.XXXXXX)
		_KEYRING_TMP=$dir
	fi
	out=$("$SERVERS/keyring-up.sh" "$dir" 3>&-) || {
		echo "keyring-up.sh failed; logs:" >&2
		cat "$dir/dbus.log" "$dir/keyring.log" >&2 2>/dev/null
		return 1
	}
	eval "$out"
}

keyring_stop() {
	[ -n "${TB_KEYRING_DIR:-}" ] || return 0
	"$SERVERS/keyring-down.sh" "$TB_KEYRING_DIR" 3>&- || return 1
	if [ -n "${_KEYRING_TMP:-}" ]; then
		rm -rf "$_KEYRING_TMP"
		unset _KEYRING_TMP
	fi
	unset DBUS_SESSION_BUS_ADDRESS GNOME_KEYRING_CONTROL TB_KEYRING_DIR \
		TB_KEYRING_PASSWORD TB_DBUS_PID TB_KEYRING_PID
}

keyring_status() {
	"$SERVERS/keyring-ctl.sh" status "$TB_KEYRING_DIR"
}

keyring_lock() {
	"$SERVERS/keyring-ctl.sh" lock "$TB_KEYRING_DIR"
}

keyring_unlock() {
	"$PYTHON3" -c 'import dbus' 2>/dev/null ||
		require_or_skip "python3-dbus not installed (needed to unlock)"
	"$SERVERS/keyring-ctl.sh" unlock "$TB_KEYRING_DIR"
}

# keyring_write_config [EXTRA LINES]: the user's config with account "tb"
# (the default) on the test Postfix's submission port (tests/lib/postfix
# variables), AUTH as TB_USER, no password in the file (the keyring is
# meant to answer), queue off so a failure shows in the exit code.
keyring_write_config() {
	mkdir -p "$XDG_CONFIG_HOME/postern"
	{
		printf 'account tb\nhost localhost\nport %s\n' "$TB_SUBMISSION_PORT"
		printf 'tls on\ntls_starttls on\ntls_trust_file %s\n' "$TB_CA"
		printf 'auth on\nuser %s\nfrom %s\n' "$TB_USER" "$TB_USER"
		printf 'queue off\n'
		printf '%s\n' "$@"
		printf 'account default : tb\n'
	} >"$XDG_CONFIG_HOME/postern/config"
	chmod 600 "$XDG_CONFIG_HOME/postern/config"
}
