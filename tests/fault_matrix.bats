#!/usr/bin/env bats
# fault_matrix.bats: one test per row of tests/fault_matrix.tsv. Each row
# makes the fault server (tests/servers/faultserver.py) fail at one stage
# of a submission in one way, runs postern (account timeout 1, the whole
# run under `timeout 2`) and checks the row's exit status, the queue
# state and the logfile line, plus what holds for every row:
#  - the run ended within its deadline (never killed by timeout);
#  - one session, at most one message on the wire (nothing sent twice);
#  - nothing lost: exit 0 means the server has it once (delivered) or it
#    is queued, and a queued entry is then delivered, whole and exactly
#    once, by `postern -qf` to a well-behaved server.
# The @test lines at the end are generated from the table (see
# matrix_tests); the last test fails when they disagree with it.

load lib/common
load lib/faultserver
load lib/submit
bats_require_minimum_version 1.5.0

MATRIX=$POSTERN_SRCDIR/tests/fault_matrix.tsv

setup_file() {
	fault_certs "$BATS_FILE_TMPDIR/certs"
}

setup() {
	hermetic_env
	IN=$BATS_TEST_TMPDIR/in
	SCEN=$BATS_TEST_TMPDIR/scenario.json
	Q=$XDG_STATE_HOME/postern/queue
	TB_USER=alice@example.test TB_PASS="s3cret p@ss" # tb_account's
}

teardown() {
	fault_stop
}

# matrix_tests: the @test lines for the table's rows.
matrix_tests() {
	awk -F'\t' '!/^#/ && NF >= 5 {
		printf "@test \"%s, %s: exit %s, %s\" { row %s %s; }\n",
		    $1, $2, $3, $4, $1, $2 }' "$MATRIX"
}

# fault_json STAGE FAULT: the ACTION for FAULT (faultserver.py's format).
fault_json() {
	local code4=451
	[ "$1" != greeting ] || code4=421
	case $2 in
	dropped) echo '{"drop": true}' ;;
	reset) echo '{"drop": true, "reset": true}' ;;
	stalled) echo '{"sleep": 3}' ;;
	4xx) echo "{\"code\": $code4, \"text\": \"4.3.0 fault 4xx\"}" ;;
	5xx) echo '{"code": 554, "text": "5.3.0 fault 5xx"}' ;;
	garbage) echo '{"raw": "\u0001garbage\u00ff\r\n"}' ;;
	long-line) echo '{"long": 100000}' ;;
	10000-lines) echo '{"filler": 10000}' ;;
	tiny-packets) echo '{"split": 1}' ;;
	*) return 1 ;;
	esac
}

# scenario_json STAGE FAULT: the whole scenario for one row.
scenario_json() {
	local key=$1 extra=
	case $1 in
	connect)
		[ "$2" = stalled ] && echo '{"accept": false}' || echo '{}'
		return
		;;
	tls-handshake)
		local how=${2/dropped/close}
		echo "{\"replies\": {\"starttls\": {\"tls\": \"${how/stalled/stall}\", \"tls_sleep\": 3}}}"
		return
		;;
	bdat)
		key=bdat_last
		extra='"ehlo_tls": ["PIPELINING", "8BITMIME", "CHUNKING", "AUTH PLAIN"], '
		;;
	mid-body)
		key=body # and no SIZE: the 16 MB body must go out
		extra='"ehlo_tls": ["PIPELINING", "8BITMIME", "AUTH PLAIN"], '
		;;
	data-end) key=data_end ;;
	esac
	echo "{$extra\"replies\": {\"$key\": $(fault_json "$1" "$2")}}"
}

# message TOKEN [BIG]: a message whose last line proves it arrived whole;
# BIG: 16 MB of body, so that a fault mid-body finds postern writing.
message() {
	printf 'From: alice@example.test\nTo: bob@example.test\nSubject: %s\n\n' "$1"
	if [ -n "${2:-}" ]; then
		yes 'a line of the big body, sixty-four octets long, 0123456789ab' |
			head -n 262144
	fi
	printf 'END %s\n' "$1"
}

# start_server SCENARIO-FILE DIR: the fault server and an account for it
# (STARTTLS with the test CA, AUTH PLAIN as alice, timeout 1).
start_server() {
	fault_start "$1" "$2" --well-behaved
	submit_config "$(tb_account port "$FAULT_PORT" ipv6 off \
		tls_trust_file "$FAULT_CERT_DIR/ca.crt" auth plain timeout 1 \
		data_timeout 1)"
}

# whole_messages DIR TOKEN: messages in DIR the server answered 250 and
# that end with "END TOKEN" (BDAT has no .eml: the .wire is the message).
whole_messages() {
	local env f n=0
	for env in "$1"/msg-*.env; do
		[ -e "$env" ] || continue
		grep -q '^reply=250' "$env" || continue
		f=${env%.env}.eml
		[ -e "$f" ] || f=${env%.env}.wire
		[ "$(tail -n1 "$f")" = "END $2"$'\r' ] && n=$((n + 1))
	done
	echo "$n"
}

count() {
	ls "$1" 2>/dev/null | grep -c "$2" || true
}

# row STAGE FAULT: run one row of the table.
row() {
	local stage=$1 fault=$2 want_exit want_q want_log t0 dt line big=
	IFS=$'\t' read -r want_exit want_q want_log < <(awk -F'\t' \
		-v s="$stage" -v f="$fault" '$1 == s && $2 == f {
		print $3 "\t" $4 "\t" $5 }' "$MATRIX")
	[ -n "$want_exit" ] || { echo "no row $stage $fault"; return 1; }
	[ "$stage" != mid-body ] || big=1
	message "$stage-$fault" $big >"$IN"
	scenario_json "$stage" "$fault" >"$SCEN"
	start_server "$SCEN" "$BATS_TEST_TMPDIR/fault1"
	local first=$FAULT_DIR
	if [ "$stage/$fault" = connect/dropped ]; then
		fault_stop # nothing listens on that port any more
	fi
	t0=$(date +%s%N)
	run --separate-stderr timeout 2 "$POSTERN" -i bob@example.test <"$IN"
	dt=$((($(date +%s%N) - t0) / 1000000))
	echo "exit $status after $dt ms; stderr: $stderr"
	# within the deadline, with the row's exit status
	[ "$status" -ne 124 ]
	[ "$status" -eq "$want_exit" ]
	# the logfile line
	line=$(tail -n1 "$LOG")
	echo "log: $line"
	# shellcheck disable=SC2053 # the fragment is a glob
	[[ "$line" == *$want_log* ]]
	local log_exit=$want_exit
	case $want_q in
	queued) log_exit=75 ;;
	held) log_exit=76 ;; # every held row is a protocol failure
	esac
	[[ "$line" == *" exit=$log_exit" ]]
	# one session at most, at most one message on the wire
	if [ -n "${FAULT_PID:-}" ]; then
		fault_wait_sessions 5
		[ "$(count "$first" '^session-')" -le 1 ]
		[ "$(count "$first" '^msg-.*\.env$')" -le 1 ]
		[ "$(cat "$first"/session-*.log | grep -Ec '^C: (DATA$|BDAT .* LAST$)')" -le 1 ]
	fi
	case $want_q in
	delivered)
		[ -z "$stderr" ]
		[ "$(whole_messages "$first" "$stage-$fault")" = 1 ]
		[ "$(count "$Q/new" '\.env$')" = 0 ]
		[ "$(count "$Q/failed" '\.env$')" = 0 ]
		;;
	failed-kept)
		assert_failed_kept "$first"
		;;
	queued)
		assert_tempfail
		one_reason
		[ "$(count "$Q/new" '\.env$')" = 1 ]
		[ "$(count "$Q/failed" '\.env$')" = 0 ]
		assert_queue_delivers "$first" "$stage" "$fault"
		;;
	held)
		printf '%s\n' "$stderr" | head -n1 |
			grep -q '^postern: WARNING: TLS refused: .*; nothing was sent without TLS$'
		[ "$(count "$Q/new" '\.env$')" = 1 ]
		[ "$(count "$Q/failed" '\.env$')" = 0 ]
		grep -q '^held: ' "$Q"/new/*.env
		assert_queue_delivers "$first" "$stage" "$fault"
		;;
	*)
		echo "bad queue state $want_q"
		return 1
		;;
	esac
}

# assert_failed_kept DIR: not delivered, a copy in failed/, nothing queued.
assert_failed_kept() {
	local got
	got=$(whole_messages "$1" "$stage-$fault")
	case $stage/$fault in
	data-end/long-line | data-end/10000-lines | bdat/long-line | \
		bdat/10000-lines) [ "$got" -le 1 ] ;;
	*) [ "$got" = 0 ] ;;
	esac
	[ "$(count "$Q/new" '\.env$')" = 0 ]
	[ "$(count "$Q/failed" '\.env$')" = 1 ]
	printf '%s\n' "$stderr" | grep -Eqx 'postern: a copy of the message is kept as [0-9a-f]+ in the failed/ directory of the queue'
	one_reason
	# after the end of data an unreadable reply is not "not sent"
	case $stage/$fault in
	data-end/garbage | data-end/long-line | data-end/10000-lines | \
		bdat/garbage | bdat/long-line | bdat/10000-lines)
		printf '%s\n' "$stderr" | head -n1 | grep -Eqx "postern: the server's reply after the message was unreadable \(invalid reply from 127\.0\.0\.1 port [0-9]+: .*\); it may have been delivered: check before resending"
		[[ "$stderr" != *"not sent"* ]]
		;;
	esac
}

# unsure STAGE FAULT: no reply after the whole message went out.
unsure() {
	case $1/$2 in
	data-end/dropped | data-end/stalled | bdat/dropped | bdat/stalled) ;;
	*) return 1 ;;
	esac
}

# assert_queue_delivers DIR STAGE FAULT: the first server did not take
# the message (unless it had it all when it failed: RFC 1047's window);
# a queue run to a good server delivers it whole, once, and empties new/.
assert_queue_delivers() {
	local got
	got=$(whole_messages "$1" "$2-$3")
	case $2/$3 in
	data-end/stalled | bdat/stalled) [ "$got" -le 1 ] ;;
	*) [ "$got" = 0 ] ;;
	esac
	fault_stop
	# a possible duplicate is marked, listed, and logged when resent
	run --separate-stderr "$POSTERN" -bp
	if unsure "$2" "$3"; then
		grep -q '^sending: [0-9]*$' "$Q"/new/*.env
		[[ "$output" == *"possible duplicate: an attempt may have reached the server"* ]]
	else
		! grep -q '^sending:' "$Q"/new/*.env
		[[ "$output" != *"possible duplicate"* ]]
	fi
	# no SIZE: the 16 MB message of the mid-body rows fits
	echo '{"ehlo_tls": ["PIPELINING", "8BITMIME", "AUTH PLAIN"]}' \
		>"$BATS_TEST_TMPDIR/good.json"
	start_server "$BATS_TEST_TMPDIR/good.json" "$BATS_TEST_TMPDIR/fault2"
	run --separate-stderr timeout 10 "$POSTERN" -qf
	echo "queue run: exit $status: $stderr"
	[ "$status" -eq 0 ]
	fault_wait_sessions 5
	[ "$(whole_messages "$FAULT_DIR" "$2-$3")" = 1 ]
	[ "$(count "$FAULT_DIR" '^msg-.*\.env$')" = 1 ]
	[ "$(count "$Q/new" '\.env$')" = 0 ]
	if unsure "$2" "$3"; then
		[[ "$(tail -n1 "$LOG")" == *" possible_duplicate=yes exit=0" ]]
	else
		[[ "$(tail -n1 "$LOG")" != *possible_duplicate* ]]
	fi
}

@test "the @test lines below are the table's rows, in order" {
	matrix_tests >"$BATS_TEST_TMPDIR/want"
	grep '^@test ".*{ row ' "$BATS_TEST_FILENAME" >"$BATS_TEST_TMPDIR/got"
	diff "$BATS_TEST_TMPDIR/want" "$BATS_TEST_TMPDIR/got"
	[ "$(wc -l <"$BATS_TEST_TMPDIR/want")" -ge 80 ]
}

# --- generated by matrix_tests from fault_matrix.tsv; do not edit: -----
@test "connect, dropped: exit 0, queued" { row connect dropped; }
@test "connect, stalled: exit 0, queued" { row connect stalled; }
@test "greeting, dropped: exit 0, queued" { row greeting dropped; }
@test "greeting, stalled: exit 0, queued" { row greeting stalled; }
@test "greeting, 4xx: exit 0, queued" { row greeting 4xx; }
@test "greeting, 5xx: exit 69, failed-kept" { row greeting 5xx; }
@test "greeting, garbage: exit 0, held" { row greeting garbage; }
@test "greeting, long-line: exit 0, held" { row greeting long-line; }
@test "greeting, 10000-lines: exit 0, held" { row greeting 10000-lines; }
@test "greeting, tiny-packets: exit 0, delivered" { row greeting tiny-packets; }
@test "ehlo, dropped: exit 0, queued" { row ehlo dropped; }
@test "ehlo, stalled: exit 0, queued" { row ehlo stalled; }
@test "ehlo, 4xx: exit 0, queued" { row ehlo 4xx; }
@test "ehlo, 5xx: exit 69, failed-kept" { row ehlo 5xx; }
@test "ehlo, garbage: exit 0, held" { row ehlo garbage; }
@test "ehlo, long-line: exit 0, held" { row ehlo long-line; }
@test "ehlo, 10000-lines: exit 0, held" { row ehlo 10000-lines; }
@test "ehlo, tiny-packets: exit 0, delivered" { row ehlo tiny-packets; }
@test "starttls, dropped: exit 0, queued" { row starttls dropped; }
@test "starttls, stalled: exit 0, queued" { row starttls stalled; }
@test "starttls, 4xx: exit 0, queued" { row starttls 4xx; }
@test "starttls, 5xx: exit 69, failed-kept" { row starttls 5xx; }
@test "starttls, garbage: exit 0, held" { row starttls garbage; }
@test "starttls, long-line: exit 0, held" { row starttls long-line; }
@test "starttls, 10000-lines: exit 0, held" { row starttls 10000-lines; }
@test "starttls, tiny-packets: exit 0, delivered" { row starttls tiny-packets; }
@test "tls-handshake, dropped: exit 0, queued" { row tls-handshake dropped; }
@test "tls-handshake, stalled: exit 0, queued" { row tls-handshake stalled; }
@test "tls-handshake, garbage: exit 0, held" { row tls-handshake garbage; }
@test "auth, dropped: exit 0, queued" { row auth dropped; }
@test "auth, stalled: exit 0, queued" { row auth stalled; }
@test "auth, 4xx: exit 0, queued" { row auth 4xx; }
@test "auth, 5xx: exit 77, failed-kept" { row auth 5xx; }
@test "auth, garbage: exit 76, failed-kept" { row auth garbage; }
@test "auth, long-line: exit 76, failed-kept" { row auth long-line; }
@test "auth, 10000-lines: exit 76, failed-kept" { row auth 10000-lines; }
@test "auth, tiny-packets: exit 0, delivered" { row auth tiny-packets; }
@test "mail, dropped: exit 0, queued" { row mail dropped; }
@test "mail, stalled: exit 0, queued" { row mail stalled; }
@test "mail, 4xx: exit 0, queued" { row mail 4xx; }
@test "mail, 5xx: exit 65, failed-kept" { row mail 5xx; }
@test "mail, garbage: exit 76, failed-kept" { row mail garbage; }
@test "mail, long-line: exit 76, failed-kept" { row mail long-line; }
@test "mail, 10000-lines: exit 76, failed-kept" { row mail 10000-lines; }
@test "mail, tiny-packets: exit 0, delivered" { row mail tiny-packets; }
@test "rcpt, dropped: exit 0, queued" { row rcpt dropped; }
@test "rcpt, stalled: exit 0, queued" { row rcpt stalled; }
@test "rcpt, 4xx: exit 0, queued" { row rcpt 4xx; }
@test "rcpt, 5xx: exit 67, failed-kept" { row rcpt 5xx; }
@test "rcpt, garbage: exit 76, failed-kept" { row rcpt garbage; }
@test "rcpt, long-line: exit 76, failed-kept" { row rcpt long-line; }
@test "rcpt, 10000-lines: exit 76, failed-kept" { row rcpt 10000-lines; }
@test "rcpt, tiny-packets: exit 0, delivered" { row rcpt tiny-packets; }
@test "data, dropped: exit 0, queued" { row data dropped; }
@test "data, stalled: exit 0, queued" { row data stalled; }
@test "data, 4xx: exit 0, queued" { row data 4xx; }
@test "data, 5xx: exit 65, failed-kept" { row data 5xx; }
@test "data, garbage: exit 76, failed-kept" { row data garbage; }
@test "data, long-line: exit 76, failed-kept" { row data long-line; }
@test "data, 10000-lines: exit 76, failed-kept" { row data 10000-lines; }
@test "data, tiny-packets: exit 0, delivered" { row data tiny-packets; }
@test "bdat, dropped: exit 0, queued" { row bdat dropped; }
@test "bdat, stalled: exit 0, queued" { row bdat stalled; }
@test "bdat, 4xx: exit 0, queued" { row bdat 4xx; }
@test "bdat, 5xx: exit 65, failed-kept" { row bdat 5xx; }
@test "bdat, garbage: exit 76, failed-kept" { row bdat garbage; }
@test "bdat, long-line: exit 76, failed-kept" { row bdat long-line; }
@test "bdat, 10000-lines: exit 76, failed-kept" { row bdat 10000-lines; }
@test "bdat, tiny-packets: exit 0, delivered" { row bdat tiny-packets; }
@test "mid-body, dropped: exit 0, queued" { row mid-body dropped; }
@test "mid-body, reset: exit 0, queued" { row mid-body reset; }
@test "mid-body, stalled: exit 0, queued" { row mid-body stalled; }
@test "data-end, dropped: exit 0, queued" { row data-end dropped; }
@test "data-end, stalled: exit 0, queued" { row data-end stalled; }
@test "data-end, 4xx: exit 0, queued" { row data-end 4xx; }
@test "data-end, 5xx: exit 65, failed-kept" { row data-end 5xx; }
@test "data-end, garbage: exit 76, failed-kept" { row data-end garbage; }
@test "data-end, long-line: exit 76, failed-kept" { row data-end long-line; }
@test "data-end, 10000-lines: exit 76, failed-kept" { row data-end 10000-lines; }
@test "data-end, tiny-packets: exit 0, delivered" { row data-end tiny-packets; }
@test "quit, dropped: exit 0, delivered" { row quit dropped; }
@test "quit, stalled: exit 0, delivered" { row quit stalled; }
@test "quit, 4xx: exit 0, delivered" { row quit 4xx; }
@test "quit, 5xx: exit 0, delivered" { row quit 5xx; }
@test "quit, garbage: exit 0, delivered" { row quit garbage; }
@test "quit, long-line: exit 0, delivered" { row quit long-line; }
@test "quit, 10000-lines: exit 0, delivered" { row quit 10000-lines; }
@test "quit, tiny-packets: exit 0, delivered" { row quit tiny-packets; }
