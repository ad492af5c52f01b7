#!/usr/bin/env bats
# submit_faults.bats: postern itself against the scriptable fault server
# (tests/servers/faultserver.py), reading its transcript and recorded
# messages: PIPELINING used exactly when offered, BODY=8BITMIME and
# SMTPUTF8 only when needed, BDAT bytes, one end of data whatever the
# body holds, recipient and sender refusals, greeting 554, stalls, 421,
# response injection after STARTTLS, AUTH offered only before TLS, a
# broken handshake, DSN and SMTPUTF8 missing, SIZE; each with its exit
# code and one line on stderr.

load lib/common
load lib/faultserver
load lib/submit
bats_require_minimum_version 1.5.0

setup_file() {
	fault_certs "$BATS_FILE_TMPDIR/certs"
}

setup() {
	hermetic_env
	IN=$BATS_TEST_TMPDIR/in
	SCEN=$BATS_TEST_TMPDIR/scenario.json
	TB_USER=alice@example.test TB_PASS="s3cret p@ss" # tb_account's
	printf 'From: alice@example.test\nTo: bob@example.test\nSubject: fault\nDate: Mon, 2 Jan 2023 10:00:00 +0000\nMessage-ID: <f1@example.test>\n\nhello\n' >"$IN"
}

teardown() {
	fault_stop
}

# scenario [KEY VALUE]...: start the fault server with the well-behaved
# preset plus the JSON object on stdin, and configure postern for it
# (STARTTLS, the test CA, AUTH PLAIN as alice) with KEY VALUE overrides.
scenario() {
	cat >"$SCEN"
	NSCEN=$((${NSCEN:-0} + 1))
	fault_start "$SCEN" "$BATS_TEST_TMPDIR/fault$NSCEN" --well-behaved
	submit_config "$(tb_account port "$FAULT_PORT" ipv6 off \
		tls_trust_file "$FAULT_CERT_DIR/ca.crt" auth plain "$@")"
}

# transcript: the session's C:/S: lines (no "-- " notes) into $T, after
# the session has ended.
transcript() {
	fault_wait_sessions
	T=$BATS_TEST_TMPDIR/transcript
	grep -v '^-- ' "$(fault_transcript)" >"$T"
}

# has LINE / lacks REGEX: in the transcript.
has() {
	grep -Fxq -- "$1" "$T" && return 0
	echo "transcript lacks: $1"
	cat "$T"
	return 1
}
lacks() {
	grep -Eq -- "$1" "$T" || return 0
	echo "transcript has: $1"
	cat "$T"
	return 1
}

# after LINE: the transcript line right after LINE.
after() {
	grep -Fx -A1 -- "$1" "$T" | sed -n 2p
}

# no_auth_no_mail: the client sent neither AUTH nor a transaction.
no_auth_no_mail() {
	lacks '^C: (AUTH|MAIL|RCPT|DATA|BDAT)'
	[ -z "$(ls "$FAULT_DIR" | grep '^msg-')" ]
}

@test "PIPELINING offered: MAIL, RCPT and DATA go out before the MAIL reply is read" {
	scenario <<-'EOF'
	{"replies": {"mail": {"code": 550, "text": "5.7.1 no such sender"}}}
	EOF
	send -i bob@example.test carol@example.test
	[ "$status" -eq 65 ]
	stderr_line "postern: sender address refused: 550 5.7.1 no such sender; the message was not sent"
	transcript
	# the server read RCPT and DATA only after refusing MAIL: they were
	# already on the wire
	[ "$(after 'S: 550 5.7.1 no such sender')" = "C: RCPT TO:<bob@example.test>" ]
	has "C: RCPT TO:<carol@example.test>"
	has "C: DATA"
	# no body after the refused DATA; the session ends with QUIT
	[ -z "$(ls "$FAULT_DIR" | grep '^msg-')" ]
	[ "$(tail -n2 "$T" | head -n1)" = "C: QUIT" ]
}

@test "PIPELINING absent: nothing is sent before its reply (a refused MAIL is followed by QUIT)" {
	scenario <<-'EOF'
	{"ehlo_tls": ["SIZE 10240000", "8BITMIME", "AUTH PLAIN LOGIN"],
	 "replies": {"mail": {"code": 550, "text": "5.7.1 no such sender"}}}
	EOF
	send -i bob@example.test carol@example.test
	[ "$status" -eq 65 ]
	transcript
	# with PIPELINING offered, RCPT would already be on the wire here
	[ "$(after 'S: 550 5.7.1 no such sender')" = "C: QUIT" ]
	lacks '^C: (RCPT|DATA)'
	# and a good transaction without PIPELINING delivers
	fault_stop
	scenario <<<'{"ehlo_tls": ["SIZE 10240000", "8BITMIME", "AUTH PLAIN LOGIN"]}'
	send -i bob@example.test carol@example.test
	[ "$status" -eq 0 ]
	[ "$(fault_env rcpt | tr '\n' ' ')" = "<bob@example.test> <carol@example.test> " ]
}

@test "BODY=8BITMIME only when the body has 8-bit bytes" {
	scenario <<<'{}'
	send -i bob@example.test
	[ "$status" -eq 0 ]
	transcript
	has "C: MAIL FROM:<alice@example.test> SIZE=$(fault_env size)"
	printf 'Subject: x\n\ncaf\303\251\n' >"$IN"
	send -i bob@example.test
	[ "$status" -eq 0 ]
	transcript
	grep -Eqx 'C: MAIL FROM:<alice@example.test> SIZE=[0-9]+ BODY=8BITMIME' "$T"
	# a server without 8BITMIME: refused before MAIL, 65
	fault_stop
	scenario <<<'{"ehlo_tls": ["PIPELINING", "AUTH PLAIN LOGIN"]}'
	send -i bob@example.test
	[ "$status" -eq 65 ]
	one_reason
	[[ "$stderr" == *"8-bit content"*"8BITMIME"* ]]
	transcript
	lacks '^C: MAIL'
}

@test "SMTPUTF8 only when an address needs it; a server without it: 67 before MAIL" {
	scenario <<<'{"ehlo_tls": ["PIPELINING", "8BITMIME", "SMTPUTF8", "AUTH PLAIN LOGIN"]}'
	send -i bob@example.test
	[ "$status" -eq 0 ]
	transcript
	has "C: MAIL FROM:<alice@example.test>"
	send -i "$(printf 'j\303\266rg@example.test')"
	[ "$status" -eq 0 ]
	transcript
	has "C: MAIL FROM:<alice@example.test> SMTPUTF8"
	has "$(printf 'C: RCPT TO:<j\303\266rg@example.test>')"
	fault_stop
	scenario <<<'{"ehlo_tls": ["PIPELINING", "8BITMIME", "AUTH PLAIN LOGIN"]}'
	send -i "$(printf 'j\303\266rg@example.test')"
	# The only recipient is refused alone (553 5.6.7, see idn.bats).
	[ "$status" -eq 67 ]
	one_reason
	[[ "$stderr" == *"553 5.6.7"*"needs SMTPUTF8"* ]]
	transcript
	lacks '^C: MAIL'
}

# wire_of_dry ARGS...: --dry-run's message bytes (CRLF kept) into
# $BATS_TEST_TMPDIR/dry.wire.
wire_of_dry() {
	"$POSTERN" --dry-run "$@" <"$IN" | sed '1,/^$/d' \
		>"$BATS_TEST_TMPDIR/dry.wire"
}

@test "CHUNKING: one BDAT LAST with the exact bytes, no dot-stuffing" {
	scenario <<<'{"ehlo_tls": ["PIPELINING", "8BITMIME", "CHUNKING", "AUTH PLAIN"]}'
	printf 'Subject: bdat\nDate: Mon, 2 Jan 2023 10:00:00 +0000\nMessage-ID: <b@example.test>\n\n.\n..\n.x\r\nlast\n' >"$IN"
	send -i bob@example.test
	[ "$status" -eq 0 ]
	wire_of_dry -i bob@example.test
	m=$(fault_message)
	same_files "$BATS_TEST_TMPDIR/dry.wire" "$m.wire"
	[ "$(fault_env transport)" = BDAT ]
	transcript
	has "C: BDAT $(wc -c <"$m.wire") LAST"
	lacks '^C: DATA$'
	[ "$(grep -c '^C: BDAT' "$T")" -eq 1 ]
}

# client_after LINE: postern's -v lines (from $stderr) after the first
# that starts with LINE, one per line, without the "postern: " prefix.
client_after() {
	sed -n 's/^postern: //p' <<<"$stderr" | sed -n "/^$1/,\$p" | sed 1d
}

@test "PIPELINING and CHUNKING: MAIL, RCPT, BDAT LAST and QUIT in one write; every reply read, 221 last" {
	scenario <<<'{"ehlo_tls": ["PIPELINING", "8BITMIME", "CHUNKING", "AUTH PLAIN"]}'
	send -v -i bob@example.test carol@example.test
	[ "$status" -eq 0 ]
	# postern's own transcript: everything went out before any reply
	client_after '<-- 235' | grep -E '^(-->|<--) ' >"$BATS_TEST_TMPDIR/c"
	[ "$(cut -c1-8 "$BATS_TEST_TMPDIR/c" | tr '\n' '|')" = "--> MAIL|--> RCPT|--> RCPT|--> BDAT|--> QUIT|<-- 250 |<-- 250 |<-- 250 |<-- 250 |<-- 221 |" ]
	wire_of_dry -i bob@example.test carol@example.test
	grep -Fxq -- "--> BDAT $(wc -c <"$BATS_TEST_TMPDIR/dry.wire") LAST" "$BATS_TEST_TMPDIR/c"
	same_files "$BATS_TEST_TMPDIR/dry.wire" "$(fault_message).wire"
	transcript
	[ "$(tail -n2 "$T" | tr '\n' '|')" = "C: QUIT|S: 221 2.0.0 Bye|" ]
}

@test "pipelined BDAT: a refused MAIL; the server read RCPT and BDAT after its 550 (already sent), nothing delivered, 65" {
	scenario <<-'EOF'
	{"ehlo_tls": ["PIPELINING", "8BITMIME", "CHUNKING", "AUTH PLAIN"],
	 "replies": {"mail": {"code": 550, "text": "5.7.1 no such sender"}}}
	EOF
	send -i bob@example.test
	[ "$status" -eq 65 ]
	stderr_line "postern: sender address refused: 550 5.7.1 no such sender; the message was not sent"
	transcript
	[ "$(after 'S: 550 5.7.1 no such sender')" = "C: RCPT TO:<bob@example.test>" ]
	grep -q '^C: BDAT [0-9]* LAST$' "$T"
	[ -z "$(ls "$FAULT_DIR" | grep '^msg-.*env$')" ]
	[ "$(tail -n2 "$T" | head -n1)" = "C: QUIT" ]
}

@test "a message over 64 KiB: BDAT waits for the RCPT replies (nothing large sent for a refused envelope)" {
	scenario <<<'{"ehlo_tls": ["PIPELINING", "8BITMIME", "CHUNKING", "AUTH PLAIN"]}'
	{
		printf 'Subject: big\nDate: Mon, 2 Jan 2023 10:00:00 +0000\nMessage-ID: <big@example.test>\n\n'
		yes 'The quick brown fox jumps over the lazy dog; 0123456789 .,;:!? ABCDEF' | head -c 70000
	} >"$IN"
	send -v -i bob@example.test
	[ "$status" -eq 0 ]
	client_after '<-- 235' | grep -E '^(-->|<--) ' | cut -c1-8 >"$BATS_TEST_TMPDIR/c"
	[ "$(head -n5 "$BATS_TEST_TMPDIR/c" | tr '\n' '|')" = "--> MAIL|--> RCPT|<-- 250 |<-- 250 |--> BDAT|" ]
	wire_of_dry -i bob@example.test
	same_files "$BATS_TEST_TMPDIR/dry.wire" "$(fault_message).wire"
}

@test "QUIT's reply lost after the message was accepted: delivered, exit 0, nothing on stderr" {
	scenario <<-'EOF'
	{"ehlo_tls": ["PIPELINING", "8BITMIME", "CHUNKING", "AUTH PLAIN"],
	 "replies": {"quit": {"drop": true}}}
	EOF
	send -i bob@example.test
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
	[ -n "$(fault_message)" ]
	transcript
	[ "$(tail -n1 "$T")" = "C: QUIT" ]
}

@test "one end of data, whatever the body holds (DATA, dot-stuffed)" {
	scenario <<<'{}'
	local body nb=0
	for body in 'a\n.\nb\n' 'a\r\n.\r\nb\r\n' '.\n' '..\n...\n' \
		'no newline at the end' 'a\n.' '\n\n.\n\n'; do
		nb=$((nb + 1))
		# (not $i: bats 1.8's run clobbers it)
		printf "Subject: body $nb\nDate: Mon, 2 Jan 2023 10:00:00 +0000\nMessage-ID: <b$nb@example.test>\n\n$body" >"$IN"
		send -i bob@example.test
		[ "$status" -eq 0 ] || { echo "body $nb: $stderr"; false; }
		fault_wait_sessions
		m=$(fault_message "$nb" 1)
		wire_of_dry -i bob@example.test
		same_files "$BATS_TEST_TMPDIR/dry.wire" "$m.eml"
		# the wire copy is the dot-stuffed form
		sed 's/^\./../' "$BATS_TEST_TMPDIR/dry.wire" >"$BATS_TEST_TMPDIR/stuffed"
		same_files "$BATS_TEST_TMPDIR/stuffed" "$m.wire"
		[ "$(fault_env bare_cr "$m")" = 0 ]
		[ "$(fault_env bare_lf "$m")" = 0 ]
		# exactly one message in the session, then QUIT
		T=$(fault_transcript "$nb")
		[ "$(grep -c '^C: DATA$' "$T")" -eq 1 ]
		[ "$(grep -c '^-- message' "$T")" -le 1 ]
		[ "$(grep -v '^-- ' "$T" | tail -n2 | head -n1)" = "C: QUIT" ]
	done
	[ "$(ls "$FAULT_DIR" | grep -c '^msg-.*\.env$')" -eq "$nb" ]
}

@test "without -i a lone dot ends the input: the rest is not sent" {
	scenario <<<'{}'
	printf 'Subject: lone\n\nkept\n..\n.\nnot sent\n.\n' >"$IN"
	send bob@example.test
	[ "$status" -eq 0 ]
	m=$(fault_message)
	grep -q kept "$m.eml"
	! grep -q 'not sent' "$m.eml"
	# ".." before the dot is a line of two dots (no unstuffing in -bm)
	grep -qx $'\.\.\r' "$m.eml"
}

@test "one of two recipients refused: the other gets it, exit 0 naming the refused one, a bounce notice queued" {
	scenario <<-'EOF'
	{"replies": {"rcpt:nobody@example.test":
	             {"code": 550, "text": "5.1.1 <nobody@example.test>: unknown"}}}
	EOF
	send -i bob@example.test nobody@example.test
	[ "$status" -eq 0 ]
	[ "${stderr_lines[0]}" = "postern: delivered to 1 of 2 recipients; refused nobody@example.test: 550 5.1.1 <nobody@example.test>: unknown" ]
	[[ "${stderr_lines[1]}" == "postern: a bounce notice to <alice@example.test> for the refused recipients is queued as "* ]]
	[ "$(fault_env rcpt)" = "<bob@example.test>" ]
	[ "$(fault_env rcpt_rejected)" = "<nobody@example.test> 550" ]
}

@test "a 4xx to one recipient: temporary failure naming it, the other delivered" {
	scenario <<-'EOF'
	{"replies": {"rcpt:later@example.test":
	             {"code": 450, "text": "4.2.1 mailbox busy"}}}
	EOF
	send -i later@example.test bob@example.test
	assert_tempfail "deferred later@example.test: 450 4.2.1 mailbox busy"
	[ "$(fault_env rcpt)" = "<bob@example.test>" ]
}

@test "greeting 554: 69, nothing sent but QUIT" {
	scenario <<<'{"replies": {"greeting": {"code": 554, "text": "5.3.2 no service here"}}}'
	send -i bob@example.test
	[ "$status" -eq 69 ]
	one_reason
	[[ "$stderr" == *"554 5.3.2 no service here"* ]]
	transcript
	lacks '^C: (EHLO|HELO|STARTTLS|AUTH|MAIL)'
}

@test "5xx to DATA and to the end of data: 65 with the server's reply" {
	scenario <<<'{"replies": {"data_end": {"code": 554, "text": "5.6.0 content refused"}}}'
	send -i bob@example.test
	[ "$status" -eq 65 ]
	stderr_line "postern: message refused: 554 5.6.0 content refused; the message was not sent"
	fault_stop
	scenario <<<'{"replies": {"data": {"code": 554, "text": "5.5.1 no DATA today"}}}'
	send -i bob@example.test
	[ "$status" -eq 65 ]
	stderr_line "postern: DATA refused: 554 5.5.1 no DATA today; the message was not sent"
}

@test "a stall longer than timeout: temporary failure within the timeout" {
	# the stall (60 s, over when postern hangs up) is far above the
	# bound, and the bound generous above the timeout (a loaded machine)
	scenario timeout 2 <<<'{"replies": {"mail": {"sleep": 60}}}'
	local t0=$SECONDS
	send -i bob@example.test
	assert_tempfail
	[ $((SECONDS - t0)) -lt 30 ]
	one_reason
	[[ "$stderr" == *"timed out"* || "$stderr" == *"timeout"* ]]
}

@test "421 mid-session: temporary failure with the server's reply" {
	scenario <<<'{"replies": {"rcpt": {"code": 421, "text": "4.3.2 shutting down"}}}'
	send -i bob@example.test
	assert_tempfail "421 4.3.2 shutting down"
	one_reason
	[ -z "$(ls "$FAULT_DIR" | grep '^msg-')" ]
}

@test "bytes injected after the STARTTLS 220: TLS refused (held), no AUTH, no mail" {
	scenario <<<'{"replies": {"starttls": {"inject": "250-AUTH PLAIN\r\n250 8BITMIME\r\n"}}}'
	send -i bob@example.test
	assert_tls_refused
	[[ "$stderr" == *"STARTTLS"* ]]
	transcript
	no_auth_no_mail
}

@test "AUTH offered only before TLS: 69, no AUTH sent" {
	scenario <<-'EOF'
	{"ehlo": ["PIPELINING", "STARTTLS", "AUTH PLAIN LOGIN"],
	 "ehlo_tls": ["PIPELINING", "8BITMIME"], "auth_requires_tls": false}
	EOF
	send -i bob@example.test
	[ "$status" -eq 69 ]
	one_reason
	[[ "$stderr" == *"AUTH"* ]]
	transcript
	no_auth_no_mail
}

@test "a broken TLS handshake: TLS refused (held); a connection closed after 220 STARTTLS: temporary" {
	scenario <<<'{"replies": {"starttls": {"tls": "garbage"}}}'
	send -i bob@example.test
	assert_tls_refused
	transcript
	no_auth_no_mail
	fault_stop
	scenario <<<'{"replies": {"starttls": {"tls": "close"}}}'
	send -i bob@example.test
	assert_tempfail
	transcript
	no_auth_no_mail
}

@test "a wrong password: 77 and no MAIL" {
	scenario <<<'{"users": {"alice@example.test": "other"}}'
	send -i bob@example.test
	[ "$status" -eq 77 ]
	stderr_line "postern: authentication failed (AUTH PLAIN): 535 5.7.8 Error: authentication failed; the password came from the configuration file ($XDG_CONFIG_HOME/postern/config:11, password): correct it there; the message was not sent"
	transcript
	lacks '^C: (MAIL|RCPT|DATA)'
}

@test "a tls_fingerprint that does not match: TLS refused (held), no AUTH, no mail" {
	scenario tls_fingerprint "$(printf '00:%.0s' $(seq 31))00" <<<'{}'
	send -i bob@example.test
	assert_tls_refused "TLS certificate refused: its fingerprint does not match tls_fingerprint"
	transcript
	no_auth_no_mail
}

@test "DSN asked for (mutt's -N failure) but not offered, dsn_required on: 69 before MAIL" {
	scenario dsn_required on <<<'{}'
	send -i -N failure bob@example.test
	[ "$status" -eq 69 ]
	one_reason
	[[ "$stderr" == *"DSN"* ]]
	transcript
	lacks '^C: MAIL'
}

@test "larger than the server's SIZE: 65 before MAIL" {
	scenario <<<'{"ehlo_tls": ["PIPELINING", "SIZE 100", "8BITMIME", "AUTH PLAIN"]}'
	send -i bob@example.test
	[ "$status" -eq 65 ]
	one_reason
	[[ "$stderr" == *"too big"*"at most 100"* ]]
	transcript
	lacks '^C: MAIL'
}

@test "-v against the fault server: AUTH PLAIN and LOGIN payloads redacted" {
	local mech b64
	for mech in plain login; do
		scenario auth "$mech" <<<'{"users": {"alice@example.test": "s3cret p@ss"}}'
		send -v -i bob@example.test
		[ "$status" -eq 0 ]
		[[ "$stderr" == *"--> AUTH ${mech^^}"* ]]
		[[ "$stderr" != *"s3cret"* ]]
		for b64 in "$(printf 's3cret p@ss' | base64)" \
			"$(printf '\0alice@example.test\0s3cret p@ss' | base64 -w0)"; do
			[[ "$stderr" != *"$b64"* ]]
			! grep -Fq "$b64" "$LOG"
		done
		# the server did get the real credentials
		transcript
		grep -Eq '^C: (AUTH PLAIN |)[A-Za-z0-9+/=]{8,}$' "$T"
		[ "$(fault_env auth_user)" = alice@example.test ]
		fault_stop
	done
}

@test "tls off: auth on is a config error (78, no connection); auth plain named explicitly sends" {
	scenario tls off auth on <<-'EOF2'
	{"ehlo": ["PIPELINING", "8BITMIME", "AUTH PLAIN LOGIN"],
	 "auth_requires_tls": false, "require_tls": false}
	EOF2
	send -i bob@example.test
	[ "$status" -eq 78 ]
	[[ "$stderr" == *"tls is off, so auth would send the password in clear"* ]]
	[ -z "$(ls "$FAULT_DIR" 2>/dev/null | grep '^session-')" ]
	submit_config "$(tb_account port "$FAULT_PORT" ipv6 off tls off \
		auth plain)"
	send -i bob@example.test
	[ "$status" -eq 0 ]
	transcript
	lacks '^C: STARTTLS'
	[ "$(fault_env tls)" = no ]
	[ "$(fault_env auth_user)" = alice@example.test ]
}
