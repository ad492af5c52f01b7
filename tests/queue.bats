#!/usr/bin/env bats
# queue.bats: the durable queue against the scriptable fault server:
# temporary failures queue and exit 0, runs deliver exactly once, per
# recipient states, 4xx then 250, bounce notices (RFC 3464) for refused
# recipients and for expired entries (faketime), never for the null
# sender, holds on AUTH refused, mailq text and JSON, --queue-run,
# --queue-delete, torn entries never sent, stale temporary files.

load lib/common
load lib/faultserver
load lib/queue
bats_require_minimum_version 1.5.0

@test "server down: exit 0, queued with the reason; up: delivered once" {
	config "$(dead_port)"
	run -0 --separate-stderr send tok-down bob@example.test
	[ -z "$output" ]
	[[ "$stderr" =~ ^postern:\ queued\ ([0-9a-f]{16}):\ cannot\ connect\ to\ 127\.0\.0\.1\ port\ [0-9]+:\ Connection\ refused$ ]]
	id=${BASH_REMATCH[1]}
	[ "$(ids)" = "$id" ]
	[ "$(stat -c %a "$Q")" = 700 ]
	run -0 "$POSTERN" -bp
	[[ "${lines[0]}" =~ ^Mail\ queue:\ 1\ queued\ \([0-9]+\ bytes\),\ 0\ failed$ ]]
	[[ "${lines[1]}" =~ ^$id\ \ [0-9]+s\ \ [0-9]+\ bytes\ \ \<alice@example.test\>\ \ account\ default$ ]]
	[[ "${lines[2]}" == "  attempts 1, next attempt in "*", last error: cannot connect to 127.0.0.1 port "*": Connection refused" ]]
	[ "${lines[3]}" = "  <bob@example.test> pending" ]
	[ "${#lines[@]}" = 4 ]
	# The envelope on disk.
	grep -qx "account: default" "$Q/new/$id.env"
	grep -qx "rcpt: pending bob@example.test" "$Q/new/$id.env"
	grep -qx "attempts: 1" "$Q/new/$id.env"
	tail -n1 "$Q/new/$id.env" | grep -qx "end: postern-queue"
	server
	run -0 "$POSTERN" -q
	[ "$(count_delivered tok-down)" = 0 ] # not due yet
	run -0 "$POSTERN" -qf
	[ -z "$output" ]
	fault_wait_sessions
	[ "$(count_delivered tok-down)" = 1 ]
	[ "$(fault_env rcpt)" = "<bob@example.test>" ]
	[ "$(fault_env mail)" = "<alice@example.test>" ]
	run -0 "$POSTERN" -qf
	[ "$(count_delivered tok-down)" = 1 ]
	run -0 "$POSTERN" -bp
	[ "$output" = "Mail queue is empty" ]
	run -0 "$POSTERN" -bp --json
	[ "$output" = '{"queue":[],"failed":[]}' ]
	grep -q "id=$id account=default .*rcpt=bob@example.test status=sent" \
		"$BATS_TEST_TMPDIR/log"
}

@test "-odq queues without connecting; 4xx then 250 over two runs" {
	cat >"$SCEN" <<-'EOF'
	{"sessions": {"1": {"replies": {"data_end": {"code": 451, "text": "4.3.0 try later"}}}}}
	EOF
	server
	run -0 --separate-stderr send tok-4xx -odq bob@example.test
	[ -z "$stderr" ]
	[ ! -e "$FAULT_DIR/session-1.log" ]
	id=$(ids)
	run -0 "$POSTERN" -q
	fault_wait_sessions
	[ "$(count_delivered tok-4xx)" = 0 ]
	grep -qx "attempts: 1" "$Q/new/$id.env"
	grep -qx "last-error: message refused: 451 4.3.0 try later" "$Q/new/$id.env"
	run -0 "$POSTERN" -bp
	[[ "${lines[2]}" == "  attempts 1, next attempt in "*", last error: message refused: 451 4.3.0 try later" ]]
	[ "${lines[3]}" = "  <bob@example.test> deferred" ]
	run -0 "$POSTERN" -q # backoff: not due
	fault_wait_sessions
	[ ! -e "$FAULT_DIR/session-2.log" ]
	run -0 "$POSTERN" --flush
	fault_wait_sessions
	[ "$(count_delivered tok-4xx)" = 1 ]
	[ -z "$(ids)" ]
}

@test "accepted recipients are never sent again; 4xx ones are retried" {
	cat >"$SCEN" <<-'EOF'
	{"sessions": {"1": {"replies": {"rcpt:carol@example.test": {"code": 450, "text": "4.2.0 busy"}}}}}
	EOF
	server
	run -0 --separate-stderr send tok-part bob@example.test carol@example.test
	[[ "$stderr" =~ ^postern:\ queued\ ([0-9a-f]{16}):\ delivered\ to\ 1\ of\ 2\ recipients\;\ deferred\ carol@example.test:\ 450\ 4.2.0\ busy$ ]]
	id=${BASH_REMATCH[1]}
	grep -qx "rcpt: sent bob@example.test" "$Q/new/$id.env"
	grep -qx "rcpt: deferred carol@example.test" "$Q/new/$id.env"
	run -0 "$POSTERN" --queue-run "$id"
	fault_wait_sessions
	grep -c '^C: RCPT' "$FAULT_DIR/session-2.log" | grep -qx 1
	grep -qx 'C: RCPT TO:<carol@example.test>' "$FAULT_DIR/session-2.log"
	[ "$(count_delivered tok-part)" = 2 ]
	[ -z "$(ids)" ]
	run -66 --separate-stderr "$POSTERN" --queue-run "$id"
	[ "$stderr" = "postern: no queue entry $id" ]
	run -64 --separate-stderr "$POSTERN" --queue-run ../../x
	[ "$stderr" = "postern: ../../x is not a queue id" ]
}

@test "5xx for one of two recipients: delivered to one, bounce for the other" {
	cat >"$SCEN" <<-'EOF'
	{"replies": {"rcpt:carol@example.test": {"code": 550, "text": "5.1.1 no such user"}}}
	EOF
	server
	run -0 send tok-bounce -odq bob@example.test carol@example.test
	id=$(ids)
	run -0 "$POSTERN" -q
	fault_wait_sessions
	[ "$(count_delivered tok-bounce)" = 1 ]
	m=$(fault_message 1 1)
	[ "$(fault_env rcpt "$m")" = "<bob@example.test>" ]
	# The notice: null sender, to the original sender, RFC 3464.
	b=$(fault_message 2 1)
	[ "$(fault_env mail "$b")" = "<>" ]
	[ "$(fault_env rcpt "$b")" = "<alice@example.test>" ]
	grep -qx $'To: <alice@example.test>\r' "$b.eml"
	grep -q $'^Content-Type: multipart/report; report-type=delivery-status;\r$' "$b.eml"
	grep -qx $'Final-Recipient: rfc822; carol@example.test\r' "$b.eml"
	grep -qx $'Action: failed\r' "$b.eml"
	grep -qx $'Status: 5.1.1\r' "$b.eml"
	grep -qx $'Diagnostic-Code: smtp; 550 5.1.1 no such user\r' "$b.eml"
	grep -qx $'X-Postern-Queue-ID: '"$id"$'\r' "$b.eml"
	grep -qx $'Subject: tok-bounce\r' "$b.eml"
	! grep -q 'body of tok-bounce' "$b.eml"
	# The original is kept in failed/, nothing stays queued.
	[ -z "$(ids)" ]
	grep -qx "rcpt: refused carol@example.test" "$Q/failed/$id.env"
	grep -qx "rcpt-reply: 550 5.1.1 no such user" "$Q/failed/$id.env"
	[ -e "$Q/failed/$id.msg" ]
}

@test "the null sender is never bounced" {
	cat >"$SCEN" <<-'EOF'
	{"replies": {"rcpt:carol@example.test": {"code": 550, "text": "5.1.1 no such user"}}}
	EOF
	server
	run -0 send tok-null -odq -f '<>' bob@example.test carol@example.test
	id=$(ids)
	run -0 "$POSTERN" -q
	fault_wait_sessions
	[ "$(count_delivered tok-null)" = 1 ]
	[ "$(fault_env mail)" = "<>" ]
	[ ! -e "$FAULT_DIR/session-2.log" ]
	[ -z "$(ids)" ]
	[ -e "$Q/failed/$id.env" ]
}

@test "queue_lifetime exceeded: failed/ and a bounce notice (faketime)" {
	require_cmd faketime faketime
	config "$(dead_port)"
	run -0 send tok-old bob@example.test
	id=$(ids)
	server
	run -0 env ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0" \
		faketime -f +6d "$POSTERN" -q
	fault_wait_sessions
	[ "$(count_delivered tok-old)" = 0 ]
	b=$(fault_message 1 1)
	[ "$(fault_env mail "$b")" = "<>" ]
	[ "$(fault_env rcpt "$b")" = "<alice@example.test>" ]
	grep -qx $'Status: 4.4.7\r' "$b.eml"
	grep -q $'^Diagnostic-Code: smtp; cannot connect to 127.0.0.1 port [0-9]*: Connection refused\r$' "$b.eml"
	grep -q '^Reason: never\|^Reason: cannot connect' "$b.eml"
	[ -z "$(ids)" ]
	[ -e "$Q/failed/$id.env" ]
	grep -qx "rcpt: refused bob@example.test" "$Q/failed/$id.env"
}

@test "expired with the null sender: failed/, no notice" {
	require_cmd faketime faketime
	config "$(dead_port)"
	run -0 send tok-oldnull -f '<>' bob@example.test
	id=$(ids)
	server
	run -0 env ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0" \
		faketime -f +6d "$POSTERN" -q
	fault_wait_sessions
	[ ! -e "$FAULT_DIR/session-1.log" ]
	[ -e "$Q/failed/$id.env" ]
	[ -z "$(ids)" ]
}

@test "AUTH refused: the account is held, no bounce, mailq says why; it lifts" {
	cat >"$SCEN" <<-'EOF'
	{"ehlo": ["PIPELINING", "AUTH PLAIN"], "replies": {"auth": {"code": 535, "text": "5.7.8 authentication failed"}}}
	EOF
	CONFIG_EXTRA=(auth plain user alice password secret)
	server
	run -0 send tok-held1 -odq bob@example.test
	run -0 send tok-held2 -odq bob@example.test
	run -0 "$POSTERN" -q
	fault_wait_sessions
	[ "$(ls "$FAULT_DIR" | grep -c '^session-')" = 1 ]
	! grep -q '^C: MAIL' "$FAULT_DIR/session-1.log"
	[ "$(ids | wc -l)" = 2 ]
	run -0 "$POSTERN" -bp
	echo "$output"
	[ "$(grep -c '^  held: authentication failed (AUTH PLAIN): 535 5.7.8 authentication failed; the password came from the configuration file (.*, password): correct it there$' <<<"$output")" = 2 ]
	[ "$(grep -c '^  attempts 0, next attempt at the next run$' <<<"$output")" = 2 ]
	run -0 "$POSTERN" -bp --json
	[[ "$output" == *'"held":"authentication failed (AUTH PLAIN): 535 5.7.8 authentication failed; the password came from the configuration file ('*', password): correct it there"'* ]]
	# Re-checked at every run with one entry: one session, no MAIL.
	run -0 "$POSTERN" -q
	fault_wait_sessions
	[ "$(ls "$FAULT_DIR" | grep -c '^session-')" = 2 ]
	# One message line per run (the entry tried), and one held line per
	# run for the account, not one per entry.
	[ "$(grep -c ' rcpt=bob@example.test status=not-sent ' "$BATS_TEST_TMPDIR/log")" = 2 ]
	[ "$(grep -c ' status=held ' "$BATS_TEST_TMPDIR/log")" = 2 ]
	[ "$(grep -cx '[^ ]* account=default status=held reason="authentication failed (AUTH PLAIN): 535 5.7.8 authentication failed; the password came from the configuration file (.*, password): correct it there" entries=2' "$BATS_TEST_TMPDIR/log")" = 2 ]
	[ "$(grep -c 'status=' "$BATS_TEST_TMPDIR/log")" = 4 ]
	# The server takes the password now: both go, over one connection.
	fault_stop
	echo '{"ehlo": ["PIPELINING", "AUTH PLAIN"]}' >"$SCEN"
	server
	run -0 "$POSTERN" -q
	fault_wait_sessions
	[ "$(ls "$FAULT_DIR" | grep -c '^session-')" = 1 ]
	[ "$(count_delivered tok-held1)" = 1 ]
	[ "$(count_delivered tok-held2)" = 1 ]
	[ "$(grep -c '^C: MAIL FROM:<alice@example.test>' "$FAULT_DIR/session-1.log")" = 2 ]
	[ -z "$(ids)" ]
}

@test "--queue-delete removes one entry; a torn entry is never sent" {
	config "$(dead_port)"
	run -0 send tok-del bob@example.test
	run -0 send tok-torn bob@example.test
	set -- $(ids)
	run -0 "$POSTERN" --queue-delete "$1"
	[ "$(ids)" = "$2" ]
	run -66 --separate-stderr "$POSTERN" --queue-delete "$1"
	[ "$stderr" = "postern: no queue entry $1" ]
	# Cut the envelope short: no end line (mode 0600: the queue refuses
	# an entry others may read).
	(umask 077 && head -n 5 "$Q/new/$2.env" >"$Q/new/$2.env.x")
	mv "$Q/new/$2.env.x" "$Q/new/$2.env"
	server
	run -0 "$POSTERN" -qf
	[ ! -e "$FAULT_DIR/session-1.log" ]
	run -0 "$POSTERN" -bp
	echo "$output"
	[ "${lines[1]}" = "$2  damaged: damaged envelope: line 6: truncated: no end line (never sent)" ]
	# A message file that does not match its envelope.
	run -0 send tok-short -odq bob@example.test
	id=$(ids | grep -vx "$2")
	truncate -s 10 "$Q/new/$id.msg"
	run -0 "$POSTERN" -qf
	[ ! -e "$FAULT_DIR/session-1.log" ]
	run -0 "$POSTERN" -bp
	[[ "$output" == *"$id  damaged: message size differs from the envelope (never sent)"* ]]
}

@test "stale temporary files go after a day, fresh ones stay" {
	config "$(dead_port)"
	run -0 send tok-stale bob@example.test
	touch -d '2 days ago' "$Q/tmp/spool.old" "$Q/new/0000000000000001.msg"
	touch "$Q/tmp/spool.new"
	run -0 "$POSTERN" -q
	[ ! -e "$Q/tmp/spool.old" ]
	[ ! -e "$Q/new/0000000000000001.msg" ]
	[ -e "$Q/tmp/spool.new" ]
	[ "$(ids | wc -l)" = 1 ]
}

@test "a permanent failure at submission exits non-zero and keeps a copy in failed/" {
	cat >"$SCEN" <<-'EOF'
	{"replies": {"data_end": {"code": 554, "text": "5.6.0 no thanks"}}}
	EOF
	server
	run -65 --separate-stderr send tok-perm bob@example.test
	[[ "${stderr_lines[1]}" =~ ^postern:\ a\ copy\ of\ the\ message\ is\ kept\ as\ ([0-9a-f]{16})\ in\ the\ failed/\ directory\ of\ the\ queue$ ]]
	id=${BASH_REMATCH[1]}
	[ -z "$(ids)" ]
	grep -qx 'rcpt: refused bob@example.test' "$Q/failed/$id.env"
	grep -q 'body of tok-perm' "$Q/failed/$id.msg"
	# mailq: one summary line, then it, with the server's reason.
	size=$(stat -c %s "$Q/failed/$id.msg")
	run -0 "$POSTERN" -bp
	[ "${#lines[@]}" = 3 ]
	[ "${lines[0]}" = "Mail queue: 0 queued (0 bytes), 1 failed" ]
	[ "${lines[1]}" = "Failed (kept in failed/; after the fix: postern --queue-run ID, or --requeue-failed):" ]
	[[ "${lines[2]}" =~ ^\ \ $id\ \ [0-9]+s\ \ $size\ bytes\ \ \<alice@example.test\>\ \ message\ refused:\ 554\ 5\.6\.0\ no\ thanks$ ]]
	run -0 "$POSTERN" -bp --json
	[[ "$output" =~ ^\{\"queue\":\[\],\"failed\":\[\{\"id\":\"$id\",\"account\":\"default\",\"sender\":\"alice@example.test\",\"created\":[0-9]+,\"age\":[0-9]+,\"size\":$size,\"reason\":\"message\ refused:\ 554\ 5\.6\.0\ no\ thanks\"\}\]\}$ ]]
	# A queued entry comes first, then the failed one.
	config "$(dead_port)"
	run -0 send tok-perm2 bob@example.test
	run -0 "$POSTERN" -bp
	[[ "${lines[0]}" =~ ^Mail\ queue:\ 1\ queued\ \([0-9]+\ bytes\),\ 1\ failed$ ]]
	[ "${lines[4]}" = "Failed (kept in failed/; after the fix: postern --queue-run ID, or --requeue-failed):" ]
	[[ "${lines[5]}" == "  $id  "* ]]
	[ "${#lines[@]}" = 6 ]
	run -0 /usr/bin/python3 -c 'import json,sys; d=json.load(sys.stdin); print(len(d["queue"]), len(d["failed"]), d["failed"][0]["reason"])' <<<"$("$POSTERN" -bp --json)"
	[ "$output" = "1 1 message refused: 554 5.6.0 no thanks" ]
}

@test "queue off: a temporary failure exits 75 and queues nothing" {
	config "$(dead_port)" queue off
	run -75 send tok-off bob@example.test
	[ -z "$(ids)" ]
}
