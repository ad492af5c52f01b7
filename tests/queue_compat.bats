#!/usr/bin/env bats
# queue_compat.bats: a queue directory written by postern 0.1.0
# (tests/fixtures/queue-0.1.0, made by make-queue-0.1.0.sh with the
# 0.1.0 binary) is listed and delivered by this code: each entry exactly
# once, an accepted recipient never again, the held account tried, the
# "sending:" mark logged as a possible duplicate, failed/ left alone.

load lib/common
load lib/faultserver
load lib/queue
bats_require_minimum_version 1.5.0

FIX=$BATS_TEST_DIRNAME/fixtures/queue-0.1.0

# The fixture's queue in $Q, accounts acc1 and acc2 at PORT.
compat_setup() {
	mkdir -p "$Q"
	cp -r "$FIX/new" "$FIX/failed" "$Q/"
	mkdir -p "$Q/tmp"
	chmod -R u+w,go-rwx "$Q" # the source tree may be read-only (distcheck)
	chmod 700 "$Q" "$Q/new" "$Q/failed" "$Q/tmp"
	{
		printf 'defaults\nhost 127.0.0.1\nport %s\ntls off\n' "$1"
		printf 'syslog off\nlogfile %s/log\n' "$BATS_TEST_TMPDIR"
		printf 'queue_lifetime 365d\n'
		printf 'account acc1\nauth off\nfrom alice@example.test\n'
		printf 'account acc2\nauth off\nfrom alice@example.test\n'
	} >"$XDG_CONFIG_HOME/postern/config"
	chmod 600 "$XDG_CONFIG_HOME/postern/config"
}

@test "a 0.1.0 queue is listed and each entry delivered exactly once" {
	fault_start "$SCEN" "$BATS_TEST_TMPDIR/fault1"
	compat_setup "$FAULT_PORT"
	run -0 "$POSTERN" -bp
	[ "$(printf '%s\n' "$output" | grep -c '^[0-9a-f]\{16\}  ')" = 3 ]
	[[ "$output" == *"<a@example.test> sent"* ]]
	[[ "$output" == *"<b@example.test> deferred"* ]]
	[[ "$output" == *"<c@example.test> pending"* ]]
	[[ "$output" == *"<e@example.test> pending"* ]]
	[[ "$output" == *"held: passwordeval command failed"* ]]
	printf "%s\n" "$output" | grep -q "^Mail queue: 3 queued ([0-9]* bytes), [0-9]* failed$"
	run -0 --separate-stderr "$POSTERN" -qf -v
	[[ "$stderr" == *"possible duplicate"* ]]
	fault_wait_sessions
	[ "$(count_delivered compat-ab)" = 1 ]
	[ "$(count_delivered compat-c)" = 1 ]
	[ "$(count_delivered compat-e)" = 1 ]
	[ "$(count_delivered compat-d)" = 0 ]
	# a@ had it already: only b@ got compat-ab.
	run -0 grep -h '^rcpt=' "$FAULT_DIR"/msg-*.env
	[ "$(printf '%s\n' "$output" | sort | tr '\n' ' ')" = \
		"rcpt=<b@example.test> rcpt=<c@example.test> rcpt=<e@example.test> " ]
	[ -z "$(ids)" ]
	# failed/ is the user's: untouched.
	cmp "$FIX/failed/6b17295b4bb0b9ab.env" "$Q/failed/6b17295b4bb0b9ab.env"
	# A second run sends nothing more.
	run -0 "$POSTERN" -qf
	fault_wait_sessions
	[ "$(ls "$FAULT_DIR"/msg-*.env | wc -l)" = 3 ]
	grep -q 'possible_duplicate=yes' "$BATS_TEST_TMPDIR/log"
}
