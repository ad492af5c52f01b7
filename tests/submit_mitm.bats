#!/usr/bin/env bats
# submit_mitm.bats: a man in the middle at submission (STARTTLS stripped,
# the certificate refused, a garbled EHLO reply) gets what a queue run
# gives it: the message is queued (exit 0), the account held with the
# reason, a loud line on stderr that TLS was refused, and nothing (no
# AUTH, no MAIL) sent without TLS. A later run to a good server
# delivers it once.

load lib/common
load lib/faultserver
load lib/submit
bats_require_minimum_version 1.5.0

setup() {
	hermetic_env
	Q=$XDG_STATE_HOME/postern/queue
	LOG=$BATS_TEST_TMPDIR/log
	fault_certs "$BATS_FILE_TMPDIR/pki"
	printf 'Subject: mitm\n\nEND mitm\n' >"$BATS_TEST_TMPDIR/in"
}

teardown() {
	fault_stop
}

# mitm SCENARIO-JSON [KEY VALUE]...: submit through a fault server
# playing the man in the middle; the account wants STARTTLS.
mitm() {
	local scen=$BATS_TEST_TMPDIR/scen.json
	printf '%s\n' "$1" >"$scen"
	shift
	fault_start "$scen" "$BATS_TEST_TMPDIR/fault1" --well-behaved
	mitm_config "$@"
	run --separate-stderr timeout 10 "$POSTERN" -i bob@example.test \
		<"$BATS_TEST_TMPDIR/in"
	echo "exit $status: $stderr"
}

mitm_config() {
	mkdir -p "$XDG_CONFIG_HOME/postern"
	{
		printf 'account default\nhost localhost\nport %s\n' "$FAULT_PORT"
		printf 'tls on\ntls_starttls on\ntls_trust_file %s\n' \
			"$FAULT_CERT_DIR/ca.crt"
		printf 'auth plain\nuser alice@example.test\npassword secret\n'
		printf 'from alice@example.test\nsyslog off\nlogfile %s\n' "$LOG"
		printf 'timeout 5\nipv6 off\n'
		while [ $# -ge 2 ]; do
			printf '%s %s\n' "$1" "$2"
			shift 2
		done
	} >"$XDG_CONFIG_HOME/postern/config"
	chmod 600 "$XDG_CONFIG_HOME/postern/config"
}

# held REASON-GLOB: exit 0, the loud line, the entry held, nothing sent.
held() {
	[ "$status" -eq 0 ]
	[[ "$(printf '%s\n' "$stderr" | sed -n 1p)" == "postern: WARNING: TLS refused: "$1"; nothing was sent without TLS" ]]
	[[ "$(printf '%s\n' "$stderr" | sed -n 2p)" =~ ^postern:\ queued\ [0-9a-f]{16}\;\ account\ default\ is\ held\ until\ TLS\ works ]]
	[ "$(ls "$Q/new" | grep -c '\.env$')" = 1 ]
	[ "$(ls "$Q/failed" 2>/dev/null | grep -c '\.env$')" = 0 ]
	grep -q '^held: ' "$Q"/new/*.env
	fault_wait_sessions 5
	[ -z "$(grep -h '^C: ' "$FAULT_DIR"/session-*.log | grep -E '^C: (AUTH|MAIL|RCPT|DATA)')" ]
	[ -z "$(ls "$FAULT_DIR" | grep '^msg-')" ]
}

# A good server now: the queue run delivers the held entry once.
then_delivered() {
	fault_stop
	fault_start "" "$BATS_TEST_TMPDIR/fault2" --well-behaved
	mitm_config
	sed -i "s/^port .*/port $FAULT_PORT/" "$XDG_CONFIG_HOME/postern/config"
	run -0 --separate-stderr timeout 10 "$POSTERN" -q
	fault_wait_sessions 5
	[ "$(ls "$FAULT_DIR" | grep -c '^msg-.*\.env$')" = 1 ]
	[ "$(fault_env rcpt)" = "<bob@example.test>" ]
	[ -z "$(ls "$Q/new")" ]
}

@test "STARTTLS stripped: queued, account held, TLS refused said loudly" {
	mitm '{"ehlo": ["PIPELINING", "8BITMIME", "AUTH PLAIN LOGIN"], "auth_requires_tls": false}'
	held "127.0.0.1 port * does not offer STARTTLS; refusing to continue without TLS"
	then_delivered
}

@test "certificate refused: queued, account held, TLS refused said loudly" {
	mitm '{}' tls_host_override wrong.example.test
	held "wrong.example.test: TLS certificate refused: *"
	[[ "$(tail -n1 "$LOG")" == *"TLS certificate refused"*" exit=77" ]]
	then_delivered
}

@test "garbled EHLO reply: queued, account held, TLS refused said loudly" {
	mitm '{"replies": {"ehlo": {"raw": "2x0 garbled\r\n"}}}'
	held "*reply line without a valid 3-digit code*"
	then_delivered
}

@test "TLS refused with queue off: not queued, kept in failed/, exit 77" {
	mitm '{}' tls_host_override wrong.example.test queue off
	[ "$status" -eq 77 ]
	[ "$(ls "$Q/failed" | grep -c '\.env$')" = 1 ]
	[[ "$stderr" != *"queued"* ]]
}
