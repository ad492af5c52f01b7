#!/usr/bin/env bats
# keyring.bats: passwords from the Secret Service keyring (src/secrets*.c)
# with the harness's private D-Bus session + gnome-keyring and the real
# Postfix + Dovecot test bed: --store-password then a submission that
# authenticates with it, msmtp's and GNOME's schemas found read-only,
# --forget-password, and the headless failures (no bus, no Secret
# Service on the bus, locked collection): temporary, told apart, no
# prompt, bounded in time.

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
	[ -z "${BUS2_PID:-}" ] || kill "$BUS2_PID" 2>/dev/null || true
}

teardown_file() {
	teardown_try postfix_stop
}

# send TOKEN [ENV...]: submit a message with that subject to bob, with
# no controlling terminal (setsid), so no prompt can happen.
send() {
	local tok=$1
	shift
	printf 'From: %s\nTo: bob@example.test\nSubject: %s\n\nbody\n' \
		"$TB_USER" "$tok" >"$MSG"
	run env "$@" setsid -w "$POSTERN" -v bob@example.test <"$MSG"
}

# temporary REASON: the last run failed temporarily (EX_TEMPFAIL, or
# exit 0 with the message queued once the queue exists) naming REASON.
temporary() {
	[[ $output == *"$1"* ]] || { echo "no '$1' in: $output"; return 1; }
	if [ "$status" -eq 0 ]; then
		[[ $output == *queued* ]]
	else
		[ "$status" -eq 75 ]
		[[ $output == *"temporary failure"* ]]
	fi
}

@test "--store-password --password-stdin, then a submission authenticates with it" {
	run "$POSTERN" --store-password --password-stdin <<<"$TB_PASS"
	[ "$status" -eq 0 ]
	[ "$output" = "postern: stored the password of $TB_USER at localhost (account tb) in the keyring" ]
	# stored under our schema, labelled with the account
	run secret-tool search --all xdg:schema org.postern.Password \
		host localhost service smtp user "$TB_USER"
	[[ $output == *"label = postern: account tb ($TB_USER at localhost)"* ]]
	run secret-tool lookup host localhost service smtp user "$TB_USER"
	[ "$output" = "$TB_PASS" ]
	send tok-kr-stored
	[ "$status" -eq 0 ]
	[[ $output == *"the password came from the keyring (org.postern.Password)"* ]]
	[[ $output != *"$TB_PASS"* ]]
	wait_mail tok-kr-stored
	grep -qx "sasl_username=$TB_USER" "$mail_env"
	grep -qx "sender=$TB_USER" "$mail_env"
}

@test "--store-password ACCOUNT replaces the old password; CRLF stripped" {
	printf 'old one\n' | "$POSTERN" --store-password tb --password-stdin
	run "$POSTERN" --store-password tb --password-stdin < <(printf '%s\r\n' "$TB_PASS")
	[ "$status" -eq 0 ]
	[ "$output" = "postern: stored the password of $TB_USER at localhost (account tb) in the keyring" ]
	run secret-tool search --all host localhost service smtp user "$TB_USER"
	[ "$(grep -c '^secret = ' <<<"$output")" -eq 1 ]
	[[ $output == *"secret = $TB_PASS"* ]]
}

@test "a password stored with secret-tool for msmtp is found" {
	printf '%s' "$TB_PASS" | secret-tool store --label=msmtp \
		host localhost service smtp user "$TB_USER"
	send tok-kr-msmtp
	[ "$status" -eq 0 ]
	[[ $output == *"the password came from the keyring (msmtp's de.marlam.msmtp.password)"* ]]
	wait_mail tok-kr-msmtp
	grep -qx "sasl_username=$TB_USER" "$mail_env"
}

@test "msmtp's own schema name, and GNOME's network-password schema" {
	printf '%s' "$TB_PASS" | secret-tool store --label=m \
		xdg:schema de.marlam.msmtp.password \
		host localhost service smtp user "$TB_USER"
	send tok-kr-msmtp2
	[ "$status" -eq 0 ]
	[[ $output == *"(msmtp's de.marlam.msmtp.password)"* ]]
	wait_mail tok-kr-msmtp2
	secret-tool clear host localhost service smtp user "$TB_USER"
	printf '%s' "$TB_PASS" | secret-tool store --label=n \
		xdg:schema org.gnome.keyring.NetworkPassword \
		server localhost protocol smtp user "$TB_USER"
	send tok-kr-network
	[ "$status" -eq 0 ]
	[[ $output == *"the password came from the keyring (org.gnome.keyring.NetworkPassword)"* ]]
	wait_mail tok-kr-network
}

@test "--forget-password removes it; the next submission says there is none" {
	"$POSTERN" --store-password --password-stdin <<<"$TB_PASS"
	run "$POSTERN" --forget-password
	[ "$status" -eq 0 ]
	[ "$output" = "postern: removed the password of $TB_USER at localhost (account tb) from the keyring" ]
	run secret-tool lookup host localhost service smtp user "$TB_USER"
	[ "$status" -ne 0 ]
	run "$POSTERN" --forget-password -a tb
	[ "$status" -eq 0 ]
	[ "$output" = "postern: the keyring holds no password of $TB_USER at localhost (account tb); nothing was removed" ]
	send tok-kr-forgotten
	[ "$status" -eq 78 ]
	[[ $output == *"postern: account tb: no password for user $TB_USER at localhost; set password or passwordeval, or store one with postern --store-password; the message was not sent"* ]]
	assert_no_mail tok-kr-forgotten
}

@test "--forget-password leaves msmtp's items alone" {
	printf 'm' | secret-tool store --label=msmtp host localhost service smtp \
		user "$TB_USER"
	run "$POSTERN" --forget-password
	[ "$status" -eq 0 ]
	[[ $output == *"nothing was removed"* ]]
	run secret-tool lookup host localhost service smtp user "$TB_USER"
	[ "$output" = m ]
}

@test "keyring off: the keyring is not asked" {
	printf '%s' "$TB_PASS" | secret-tool store --label=msmtp \
		host localhost service smtp user "$TB_USER"
	keyring_write_config 'keyring off'
	send tok-kr-off
	[ "$status" -eq 78 ]
	[[ $output == *"no password for user $TB_USER at localhost"* ]]
	assert_no_mail tok-kr-off
}

@test "headless: no D-Bus session bus is a temporary failure, fast, no prompt" {
	printf '%s' "$TB_PASS" | secret-tool store --label=msmtp \
		host localhost service smtp user "$TB_USER"
	local t0=$SECONDS
	send tok-kr-nobus -i HOME="$HOME" XDG_CONFIG_HOME="$XDG_CONFIG_HOME" \
		XDG_STATE_HOME="$XDG_STATE_HOME" PATH="$PATH" DISPLAY=:99
	[ $((SECONDS - t0)) -lt 10 ]
	temporary "no D-Bus session bus"
	[[ $output == *"postern: the keyring is not reachable: no D-Bus session bus (DBUS_SESSION_BUS_ADDRESS is not set"* ]]
	assert_no_mail tok-kr-nobus
	# the store command says the same
	run env -u DBUS_SESSION_BUS_ADDRESS "$POSTERN" --store-password \
		--password-stdin <<<"x"
	[ "$status" -eq 75 ]
	[[ $output == *"no D-Bus session bus"* ]]
}

@test "headless: a bus socket that is gone, and a bus without a Secret Service" {
	send tok-kr-deadbus DBUS_SESSION_BUS_ADDRESS="unix:path=$BATS_TEST_TMPDIR/nobus"
	temporary "cannot connect to the D-Bus session bus"
	# a bus of our own with no service files: nothing can be activated
	cat >"$BATS_TEST_TMPDIR/bus.conf" <<-EOF
	<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
	 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
	<busconfig><type>session</type>
	<listen>unix:path=$BATS_TEST_TMPDIR/bus2</listen>
	<policy context="default"><allow send_destination="*" eavesdrop="true"/>
	<allow eavesdrop="true"/><allow own="*"/></policy></busconfig>
	EOF
	dbus-daemon --config-file="$BATS_TEST_TMPDIR/bus.conf" --fork \
		--nopidfile --print-pid=1 >"$BATS_TEST_TMPDIR/bus2.pid" \
		</dev/null 2>"$BATS_TEST_TMPDIR/bus2.log" 3>&-
	BUS2_PID=$(cat "$BATS_TEST_TMPDIR/bus2.pid")
	local t0=$SECONDS
	send tok-kr-noservice DBUS_SESSION_BUS_ADDRESS="unix:path=$BATS_TEST_TMPDIR/bus2"
	[ $((SECONDS - t0)) -lt 10 ]
	temporary "no Secret Service on the D-Bus session bus"
	assert_no_mail tok-kr-deadbus
	assert_no_mail tok-kr-noservice
}

@test "locked collection: temporary failure, no prompt, bounded time" {
	printf '%s' "$TB_PASS" | secret-tool store --label=msmtp \
		host localhost service smtp user "$TB_USER"
	keyring_lock
	[ "$(keyring_status)" = locked ]
	local t0=$SECONDS
	send tok-kr-locked
	[ $((SECONDS - t0)) -lt 10 ]
	temporary "the keyring is locked: once it is unlocked (log in to the desktop session), queued mail goes out at the next queue run (postern -q)"
	assert_no_mail tok-kr-locked
	# no prompter was started, the collection stays locked
	[ "$(keyring_status)" = locked ]
	! pgrep -s "$(ps -o sid= -p "$TB_KEYRING_PID" | tr -d ' ')" gcr-prompter
	run "$POSTERN" --store-password --password-stdin <<<"x"
	[ "$status" -eq 75 ]
	[[ $output == *"the keyring is locked"* ]]
	keyring_unlock
	send tok-kr-unlocked
	[ "$status" -eq 0 ]
	wait_mail tok-kr-unlocked
}

@test "the keyring wins over ~/.netrc; netrc answers when the keyring has nothing" {
	printf '%s' "$TB_PASS" | secret-tool store --label=msmtp \
		host localhost service smtp user "$TB_USER"
	printf 'machine localhost login %s password wrong\n' "$TB_USER" >"$HOME/.netrc"
	chmod 600 "$HOME/.netrc"
	send tok-kr-order
	[ "$status" -eq 0 ]
	[[ $output == *"came from the keyring"* ]]
	wait_mail tok-kr-order
	secret-tool clear host localhost service smtp user "$TB_USER"
	printf 'machine localhost login %s password "%s"\n' "$TB_USER" "$TB_PASS" >"$HOME/.netrc"
	send tok-kr-netrc
	[ "$status" -eq 0 ]
	[[ $output == *"the password came from ~/.netrc"* ]]
	wait_mail tok-kr-netrc
}

@test "no bus, but ~/.netrc answers: delivered" {
	printf 'machine localhost login %s password "%s"\n' "$TB_USER" "$TB_PASS" >"$HOME/.netrc"
	chmod 600 "$HOME/.netrc"
	send tok-kr-nobus-netrc -u DBUS_SESSION_BUS_ADDRESS
	[ "$status" -eq 0 ]
	[[ $output == *"the password came from ~/.netrc"* ]]
	wait_mail tok-kr-nobus-netrc
}
