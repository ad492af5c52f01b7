#!/usr/bin/env bats
# keyring_lazy.bats: libsecret (and GLib behind it) is loaded only when
# the keyring is consulted (src/secrets_libsecret.c, dlopen): postern is
# not linked against it, a submission whose password is in the config
# never maps it, a keyring lookup does; and without the library at run
# time (hidden in a private mount namespace) the keyring behaves as in a
# build without it. Real Postfix + Dovecot, private D-Bus + gnome-keyring.

load lib/common
load lib/keyring
load lib/postfix

setup_file() {
	postfix_start
}

setup() {
	postfix_setup
	hermetic_env
	"$POSTERN" --version | grep -q '^Keyring: *libsecret' ||
		require_or_skip "postern was built without libsecret"
	keyring_start "$BATS_TEST_TMPDIR/kr"
	MSG=$BATS_TEST_TMPDIR/msg
	keyring_write_config
}

teardown() {
	teardown_try keyring_stop
}

teardown_file() {
	teardown_try postfix_stop
}

# send TOKEN: submit with the dynamic loader's log in $BATS_TEST_TMPDIR/ld.*
send() {
	printf 'From: %s\nTo: bob@example.test\nSubject: %s\n\nbody\n' \
		"$TB_USER" "$1" >"$MSG"
	rm -f "$BATS_TEST_TMPDIR"/ld.*
	run env LD_DEBUG=libs LD_DEBUG_OUTPUT="$BATS_TEST_TMPDIR/ld" \
		setsid -w "$POSTERN" -v bob@example.test <"$MSG"
}

# loaded NAME: how many of the loader's logs initialised library NAME.
loaded() {
	cat "$BATS_TEST_TMPDIR"/ld.* | grep -c "calling init: .*/$1" || true
}

@test "postern is not linked against libsecret or GLib" {
	require_cmd readelf binutils
	run readelf -d "$POSTERN"
	[ "$status" -eq 0 ]
	[[ $output == *"(NEEDED)"*"libgnutls.so"* ]]
	[[ $output != *libsecret* ]]
	[[ $output != *libglib* ]]
	[[ $output != *libgio* ]]
}

@test "password in the config, keyring on and reachable: libsecret never loaded" {
	keyring_write_config "password \"$TB_PASS\""
	[ -n "$DBUS_SESSION_BUS_ADDRESS" ]
	send tok-lazy-conf
	[ "$status" -eq 0 ]
	[[ $output == *"the password came from the configuration file"* ]]
	wait_mail tok-lazy-conf
	[ "$(loaded libgnutls.so)" -eq 1 ]
	[ "$(loaded libsecret-1.so)" -eq 0 ]
	[ "$(loaded libglib-2.0.so)" -eq 0 ]
}

@test "password from the keyring: libsecret loaded for the lookup" {
	printf '%s' "$TB_PASS" | secret-tool store --label=msmtp \
		host localhost service smtp user "$TB_USER"
	send tok-lazy-kr
	[ "$status" -eq 0 ]
	[[ $output == *"the password came from the keyring"* ]]
	wait_mail tok-lazy-kr
	[ "$(loaded libsecret-1.so)" -eq 1 ]
	[ "$(loaded libglib-2.0.so)" -eq 1 ]
}

@test "no D-Bus session bus: the lookup fails before loading anything" {
	printf 'machine localhost login %s password "%s"\n' "$TB_USER" "$TB_PASS" >"$HOME/.netrc"
	chmod 600 "$HOME/.netrc"
	unset DBUS_SESSION_BUS_ADDRESS
	send tok-lazy-nobus
	[ "$status" -eq 0 ]
	[[ $output == *"the password came from ~/.netrc"* ]]
	wait_mail tok-lazy-nobus
	[ "$(loaded libsecret-1.so)" -eq 0 ]
}

@test "libsecret missing at run time: store says why (69), lookup goes on to ~/.netrc" {
	local lib
	require_cmd unshare util-linux
	lib=$(readlink -f /usr/lib/x86_64-linux-gnu/libsecret-1.so.0 2>/dev/null ||
		true)
	[ -f "$lib" ] || require_or_skip "libsecret-1.so.0 not in the multiarch dir"
	[ "$(id -u)" = 0 ] || require_or_skip "needs root (mount namespace)"
	printf 'machine localhost login %s password "%s"\n' "$TB_USER" "$TB_PASS" >"$HOME/.netrc"
	chmod 600 "$HOME/.netrc"
	printf '%s' "$TB_PASS" | secret-tool store --label=msmtp \
		host localhost service smtp user "$TB_USER"
	# /dev/null over the library: dlopen fails ("file too short")
	run unshare -m sh -c 'mount --bind /dev/null "$1" && shift &&
		"$@"' sh "$lib" "$POSTERN" --store-password --password-stdin \
		<<<"x"
	[ "$status" -eq 69 ]
	[[ $output == "postern: cannot store the password: the keyring library cannot be loaded (install libsecret-1-0): "*"libsecret-1.so.0: file too short" ]]
	printf 'From: %s\nTo: bob@example.test\nSubject: tok-lazy-gone\n\nbody\n' \
		"$TB_USER" >"$MSG"
	run unshare -m sh -c 'mount --bind /dev/null "$1" && shift &&
		setsid -w "$@"' sh "$lib" "$POSTERN" -v bob@example.test <"$MSG"
	[ "$status" -eq 0 ]
	[[ $output == *"the password came from ~/.netrc"* ]]
	wait_mail tok-lazy-gone
}
