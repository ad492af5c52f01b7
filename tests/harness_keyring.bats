#!/usr/bin/env bats
# The keyring test bed: a secret round-trips through a private, headless
# gnome-keyring; locking makes lookups fail fast; nothing is left behind.

load lib/common
load lib/keyring

setup() {
	hermetic_env
	keyring_start "$BATS_TEST_TMPDIR/kr"
}

teardown() {
	teardown_try keyring_stop
}

# state PID: "gone" when no such process or a zombie, else its state.
state() {
	local st
	st=$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null) || { echo gone; return; }
	case ${st%% *} in Z) echo gone ;; *) echo "${st%% *}" ;; esac
}

@test "keyring: environment exported, daemons are ours and unlocked" {
	[ -n "$DBUS_SESSION_BUS_ADDRESS" ]
	[[ $DBUS_SESSION_BUS_ADDRESS == unix:path=$TB_KEYRING_DIR/bus* ]]
	[ "$GNOME_KEYRING_CONTROL" = "$TB_KEYRING_DIR/runtime/keyring" ]
	[ "$(state "$TB_DBUS_PID")" != gone ]
	[ "$(state "$TB_KEYRING_PID")" != gone ]
	tr '\0' '\n' <"/proc/$TB_KEYRING_PID/environ" |
		grep -qxF "HOME=$TB_KEYRING_DIR/home"
	[ -r "$TB_KEYRING_DIR/keyring.env" ]
	[ ! -e "$TB_KEYRING_DIR/pw" ]
	run keyring_status
	[ "$status" -eq 0 ]
	[ "$output" = unlocked ]
	# the keyring file lives inside DIR, never in the real HOME
	[ -e "$TB_KEYRING_DIR/data/keyrings/login.keyring" ]
}

@test "keyring: secret-tool store, lookup (exact bytes), clear" {
	local secret=' s3cret p@ss  with spaces '
	printf '%s' "$secret" | secret-tool store --label=t \
		host localhost service smtp user alice@example.test
	secret-tool lookup host localhost service smtp \
		user alice@example.test >"$BATS_TEST_TMPDIR/got"
	printf '%s' "$secret" >"$BATS_TEST_TMPDIR/want"
	cmp "$BATS_TEST_TMPDIR/want" "$BATS_TEST_TMPDIR/got"
	# a different attribute set does not match
	run secret-tool lookup host 127.0.0.1 service smtp user alice@example.test
	[ "$status" -ne 0 ]
	[ -z "$output" ]
	secret-tool clear host localhost service smtp user alice@example.test
	run secret-tool lookup host localhost service smtp user alice@example.test
	[ "$status" -ne 0 ]
	[ -z "$output" ]
}

@test "keyring: custom xdg:schema round-trips and is kept apart" {
	printf '%s' 'schema pass' | secret-tool store --label=t \
		xdg:schema org.postern.Password host mx.example.test user bob
	run secret-tool lookup xdg:schema org.postern.Password \
		host mx.example.test user bob
	[ "$status" -eq 0 ]
	[ "$output" = 'schema pass' ]
	# the item really carries the schema: a lookup for another schema misses
	run secret-tool lookup xdg:schema org.freedesktop.Secret.Generic \
		host mx.example.test user bob
	[ "$status" -ne 0 ]
	[ -z "$output" ]
	run secret-tool search --all xdg:schema org.postern.Password user bob
	[ "$status" -eq 0 ]
	[[ $output == *"attribute.host = mx.example.test"* ]]
}

@test "keyring: locked lookup fails fast, unlock restores it" {
	printf '%s' 'pw 1' | secret-tool store --label=t host h service smtp user u
	keyring_lock
	[ "$(keyring_status)" = locked ]
	local t0 t1
	t0=$(date +%s%N)
	run timeout 10 secret-tool lookup host h service smtp user u
	t1=$(date +%s%N)
	[ "$status" -ne 0 ]
	[ "$status" -ne 124 ]		# not the timeout: it did not hang
	[ -z "$output" ] || [[ $output != *"pw 1"* ]]
	[ $(((t1 - t0) / 1000000)) -lt 8000 ]
	keyring_unlock
	[ "$(keyring_status)" = unlocked ]
	run secret-tool lookup host h service smtp user u
	[ "$status" -eq 0 ]
	[ "$output" = 'pw 1' ]
}

@test "keyring: keyring_stop leaves no process behind" {
	local dbus=$TB_DBUS_PID kr=$TB_KEYRING_PID dir=$TB_KEYRING_DIR
	# make the bus activate nothing else of its own, then stop
	secret-tool lookup host none >/dev/null 2>&1 || true
	keyring_stop
	[ "$(state "$dbus")" = gone ]
	[ "$(state "$kr")" = gone ]
	# no live process in either session
	local p st sid
	for p in /proc/[0-9]*/stat; do
		st=$(sed 's/.*) //' "$p" 2>/dev/null) || continue
		set -- $st
		[ "$1" = Z ] && continue
		sid=$4
		[ "$sid" != "$dbus" ] && [ "$sid" != "$kr" ]
	done
	[ -z "${DBUS_SESSION_BUS_ADDRESS:-}" ]
	[ ! -e "$dir/bus" ]
	[ ! -e "$dir/keyring.env" ]
}
