#!/usr/bin/env bats
# demo.bats: `make demo` works: it starts its server on loopback, submits
# with postern over STARTTLS + AUTH, shows the transcript and the received
# message, never shows the password, and leaves no process behind.

load lib/common

setup() {
	hermetic_env
}

# PIDs of processes whose command line names a demo directory.
demo_pids() {
	ps -eo pid=,stat=,args= | awk '$2 !~ /^Z/ && /postern-demo\./ { print $1 }'
}

run_demo() {
	run sh "$SERVERS/demo.sh" "$POSTERN"
	echo "$output"
	[ "$status" -eq 0 ]
	[ -z "$(demo_pids)" ]
}

@test "demo as root: Postfix + Dovecot on loopback" {
	[ "$(id -u)" -eq 0 ] || require_or_skip "the Postfix demo needs root"
	require_cmd postfix postfix
	require_cmd dovecot dovecot-core
	run_demo
	[[ "$output" == *"starting the test Postfix + Dovecot on loopback"* ]]
	[[ "$output" != *"s3cret p@ss"* ]]
	[[ "$output" == *"done: delivered over STARTTLS + AUTH"* ]]
	[[ "$output" == *"sasl_username=alice@example.test"* ]]
	[[ "$output" =~ with\ ESMTPSA ]]
	# -i: the lone "." line is data, and the line after it arrived.
	[[ "$output" == *$'\n.\nThe line with a single dot above is data'* ]]
}

@test "demo as a normal user: the scripted test server" {
	[ "$(id -u)" -eq 0 ] || require_or_skip "needs root to switch to nobody"
	require_cmd runuser util-linux
	# nobody may not reach the build tree (a checkout under /root): run a
	# copy of the binary and of the scripts from a directory it can read.
	local d
	d=$(mktemp -d /tmp/postern-demo-user.XXXXXX)
	cp "$POSTERN" "$d/postern"
	cp -r "$SERVERS" "$d/servers"
	chmod -R a+rX "$d"
	run runuser -u nobody -- sh "$d/servers/demo.sh" "$d/postern"
	rm -rf "$d"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"starting postern's scripted test server"* ]]
	[[ "$output" == *"done: delivered over STARTTLS + AUTH"* ]]
	[[ "$output" == *"auth_user=alice@example.test"* ]]
	# DATA (no CHUNKING here): the lone "." line went out dot-stuffed.
	[[ "$output" == *$'\r\n..\r\nThe line with a single dot above'* ]]
	[[ "$output" != *"s3cret p@ss"* ]]
	[ -z "$(demo_pids)" ]
}
