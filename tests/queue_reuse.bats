#!/usr/bin/env bats
# queue_reuse.bats: after a successful submission, the account's due queue
# entries go over the same connection (queue_run_follow):
#  - two entries queued while the server was down follow a submission in
#    one session (three MAIL commands), the queue ends empty, and the
#    submission's exit code and stderr are those of its own message;
#  - a followed entry refused by the server goes to failed/ with a bounce
#    notice (sent over the same session) and changes nothing for the
#    submission;
#  - entries not due stay; none follows a submission that was queued;
#  - no entry is started after QUEUE_FOLLOW_SECS (10 s).

load lib/common
load lib/faultserver
load lib/queue
bats_require_minimum_version 1.5.0

# queue_down TOKEN...: one entry per token, queued by a failed attempt to
# a dead port with a 1 s retry, then due (after the backoff).
queue_down() {
	local t
	config "$(dead_port)" retry_min 1 retry_max 1
	for t in "$@"; do
		run -0 --separate-stderr send "$t" bob@example.test
		[[ "$stderr" == "postern: queued "*": cannot connect to "* ]]
	done
	sleep 1.1
}

# The subject of message N of session 1.
subject() {
	sed -n 's/^Subject: \(.*\)\r$/\1/p' "$FAULT_DIR/msg-1-$1.eml"
}

# The MAIL commands of session N, one per line.
mails() {
	grep '^C: MAIL FROM:' "$FAULT_DIR/session-$1.log"
}

@test "two queued entries follow a submission over its connection" {
	queue_down tok-q1 tok-q2
	set -- $(ids)
	[ $# = 2 ]
	CONFIG_EXTRA=(retry_min 1 retry_max 1)
	server
	run -0 --separate-stderr send tok-now carol@example.test
	[ -z "$output" ]
	[ -z "$stderr" ]
	fault_wait_sessions
	[ "$(ls "$FAULT_DIR" | grep -c '^session-')" = 1 ]
	[ "$(mails 1 | wc -l)" = 3 ]
	[ "$(grep -c '^C: RCPT TO:' "$FAULT_DIR/session-1.log")" = 3 ]
	# The submission's own message first, then the queue's (in id order).
	[ "$(subject 1)" = tok-now ]
	[ "$( (subject 2; subject 3) | sort | tr '\n' ' ')" = "tok-q1 tok-q2 " ]
	[ "$(grep -c '^C: QUIT$' "$FAULT_DIR/session-1.log")" = 1 ]
	[ "$(tail -n 3 "$FAULT_DIR/session-1.log" | head -n 1)" = "C: QUIT" ]
	[ -z "$(ids)" ]
	# Each logged like a queue run: under its queue id, status sent.
	grep -q " id=$1 account=default .* rcpt=bob@example.test status=sent " "$BATS_TEST_TMPDIR/log"
	grep -q " id=$2 account=default .* rcpt=bob@example.test status=sent " "$BATS_TEST_TMPDIR/log"
	grep -q " account=default .* rcpt=carol@example.test status=sent .* exit=0$" "$BATS_TEST_TMPDIR/log"
	run -0 "$POSTERN" -bp
	[ "$output" = "Mail queue is empty" ]
}

@test "a followed entry refused for good: failed/ and a bounce; the submission says nothing" {
	cat >"$SCEN" <<-'EOF'
	{"replies": {"rcpt:reject@example.test": {"code": 550, "text": "5.1.1 no such user"}}}
	EOF
	config "$(dead_port)" retry_min 1 retry_max 1
	run -0 send tok-bad reject@example.test
	id=$(ids)
	sleep 1.1
	CONFIG_EXTRA=(retry_min 1 retry_max 1)
	server
	run -0 --separate-stderr send tok-now carol@example.test
	[ -z "$stderr" ]
	fault_wait_sessions
	[ "$(ls "$FAULT_DIR" | grep -c '^session-')" = 1 ]
	# tok-now, tok-bad (refused at RCPT: no DATA), then its bounce notice
	# to alice, the sender, from the second pass over the same session.
	[ "$(mails 1)" = "C: MAIL FROM:<alice@example.test>
C: MAIL FROM:<alice@example.test>
C: MAIL FROM:<>" ]
	grep -qx 'C: RCPT TO:<reject@example.test>' "$FAULT_DIR/session-1.log"
	grep -q '^Content-Type: multipart/report; report-type=delivery-status' "$FAULT_DIR"/msg-1-2.eml
	[ -e "$Q/failed/$id.env" ]
	grep -qx 'rcpt: refused reject@example.test' "$Q/failed/$id.env"
	[ -z "$(ids)" ]
}

@test "entries not due stay; a queued submission takes nothing along" {
	config "$(dead_port)"
	run -0 send tok-later bob@example.test
	id=$(ids)
	server
	run -0 --separate-stderr send tok-now carol@example.test
	[ -z "$stderr" ]
	fault_wait_sessions
	[ "$(mails 1 | wc -l)" = 1 ]
	[ "$(ids)" = "$id" ]
	grep -qx 'attempts: 1' "$Q/new/$id.env"
	# -odq: queued without a session, so nothing follows either.
	run -0 send tok-odq -odq carol@example.test
	[ "$(ids | wc -l)" = 2 ]
	[ "$(ls "$FAULT_DIR" | grep -c '^session-')" = 1 ]
}

@test "no queued entry is started after 10 seconds" {
	# The first followed message takes 11 s to be accepted: the other two
	# are not started and keep their schedule.
	cat >"$SCEN" <<-'EOF'
	{"replies": {"data_end#2": {"sleep": 11}}}
	EOF
	queue_down tok-s1 tok-s2 tok-s3
	set -- $(ids)
	CONFIG_EXTRA=(retry_min 1 retry_max 1 timeout 60)
	server
	SECONDS=0
	run -0 --separate-stderr send tok-now carol@example.test
	[ -z "$stderr" ]
	[ "$SECONDS" -lt 20 ]
	fault_wait_sessions
	[ "$(mails 1 | wc -l)" = 2 ]
	[ "$(grep -c '^C: QUIT$' "$FAULT_DIR/session-1.log")" = 1 ]
	[ "$(ids)" = "$2
$3" ]
	grep -qx 'attempts: 1' "$Q/new/$2.env"
	grep -qx 'attempts: 1' "$Q/new/$3.env"
	[ $(($(count_delivered tok-s1) + $(count_delivered tok-s2) +
		$(count_delivered tok-s3))) = 1 ]
	grep -q " id=$1 account=default .* status=sent " "$BATS_TEST_TMPDIR/log"
}
