#!/usr/bin/env bats
# guarantees.bats: end-to-end tests for guarantees that a mutation of
# src/ showed unguarded (issue 18 item 10; tests/mutations holds the
# mutations, and each names the test here that catches it):
#  - the queue directory is fsynced after the rename that publishes an
#    entry, and each file before its rename (strace);
#  - the queue lifetime counts from the creation time, not from the next
#    attempt (faketime);
#  - SIZE: a message exactly at the server's limit goes out, one octet
#    over is refused before MAIL;
#  - a 5xx recipient followed by a 4xx one: the 5xx is final (a notice,
#    never retried), the 4xx is retried;
#  - a bare CR in the message never reaches the wire, not even one
#    planted in a queued message (the last guard, the DATA writer);
#  - AUTH is never sent before TLS (tls off and auth on is a config
#    error; STARTTLS required and not offered: no AUTH);
#  - a config file holding a password is refused when the group can read
#    it (not only others);
#  - a reply line of 512 octets (with its CRLF) is read, 513 is refused;
#    a reply of 100 lines is read, 101 are refused;
#  - the null sender is never bounced (not even a failed attempt);
#  - what the server announced before STARTTLS (SIZE) is forgotten.
# The resumed-session host name check is in tls_resume.bats (it needs
# Postfix's session tickets).

load lib/common
load lib/faultserver
load lib/queue
bats_require_minimum_version 1.5.0

# faketime_run ARGS...: run postern under faketime (ASan tolerates it).
faketime_run() {
	local off=$1
	shift
	ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0" \
		faketime -f "$off" "$POSTERN" "$@"
}

@test "publishing a queue entry fsyncs new/ after the renames, and each file before" {
	require_cmd strace strace
	config "$(dead_port)"
	# LeakSanitizer cannot run under ptrace (an --enable-asan build).
	run -0 env ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" \
		strace -f -y -qq -o "$BATS_TEST_TMPDIR/trace" \
		-e trace=rename,renameat,renameat2,fsync,fdatasync \
		sh -c 'printf "Subject: tok-fsync\n\nbody\n" | "$1" -odq bob@example.test' \
		sh "$POSTERN"
	id=$(ids)
	[ -n "$id" ]
	cat "$BATS_TEST_TMPDIR/trace"
	# the line numbers of the rename of ID.env into new/ and of the last
	# fsync of the new/ directory itself
	ren=$(grep -n "rename.*\"$Q/new/$id\.env\".* = 0$" "$BATS_TEST_TMPDIR/trace" |
		tail -n1 | cut -d: -f1)
	syn=$(grep -n "fsync([0-9]*<$Q/new>) = 0$" "$BATS_TEST_TMPDIR/trace" |
		tail -n1 | cut -d: -f1)
	[ -n "$ren" ]
	[ -n "$syn" ]
	[ "$syn" -gt "$ren" ]
	# and each file renamed into new/ was fsynced before, under its
	# temporary name
	fsynced_before_rename "$Q/new/$id.env"
	fsynced_before_rename "$Q/new/$id.msg"
}

# fsynced_before_rename PATH: in the trace, PATH came from a rename whose
# source file was fsynced earlier.
fsynced_before_rename() {
	local line src n
	line=$(grep -n "rename.*\"$1\".* = 0$" "$BATS_TEST_TMPDIR/trace" | tail -n1)
	[ -n "$line" ] || { echo "no rename to $1"; return 1; }
	src=$(sed 's/^[^"]*"\([^"]*\)".*/\1/' <<<"${line#*:}")
	n=$(head -n "${line%%:*}" "$BATS_TEST_TMPDIR/trace" |
		grep -cF "<$src>) = 0" || true)
	[ "$n" -ge 1 ] || { echo "$src not fsynced before its rename to $1"; return 1; }
}

@test "queue_lifetime counts from creation: an entry retried before it ends still expires" {
	require_cmd faketime faketime
	CONFIG_EXTRA=(queue_lifetime 1h retry_min 1 retry_max 1)
	config "$(dead_port)" "${CONFIG_EXTRA[@]}"
	run -0 send tok-life bob@example.test
	id=$(ids)
	[ -n "$id" ]
	# 50 minutes on: retried (the server is still down), not expired
	run -0 faketime_run +50m -q
	[ "$(ids)" = "$id" ]
	grep -qx 'attempts: 2' "$Q/new/$id.env"
	# 70 minutes after creation, 20 after the last attempt: expired,
	# not sent although the server is up now
	server
	run -0 faketime_run +70m -q
	fault_wait_sessions
	[ "$(count_delivered tok-life)" = 0 ]
	[ -z "$(ids)" ]
	[ -e "$Q/failed/$id.env" ]
	b=$(fault_message 1 1)
	[ "$(fault_env mail "$b")" = "<>" ]
	grep -qx $'Status: 4.4.7\r' "$b.eml"
}

# size_server LIMIT: the fault server announcing SIZE LIMIT, no TLS.
size_server() {
	echo "{\"ehlo\": [\"PIPELINING\", \"8BITMIME\", \"SIZE $1\"]}" >"$SCEN"
	server
}

# size_message: a message with its own Date and Message-ID (postern adds
# nothing, so its size is the same every run).
size_message() {
	printf 'From: alice@example.test\nTo: bob@example.test\n'
	printf 'Date: Mon, 7 Dec 2026 12:00:00 +0000\n'
	printf 'Message-ID: <size-%s@example.test>\nSubject: %s\n\n' "$1" "$1"
	printf 'body of %s\n' "$1"
}

@test "SIZE: exactly at the server's limit goes out; one octet over is refused before MAIL" {
	size_message tok-size >"$BATS_TEST_TMPDIR/m"
	size_server 1000000
	run -0 "$POSTERN" -i bob@example.test <"$BATS_TEST_TMPDIR/m"
	fault_wait_sessions
	size=$(sed -n 's/^C: MAIL FROM:<alice@example.test> .*SIZE=\([0-9]*\).*/\1/p' \
		"$(fault_transcript 1)")
	[ -n "$size" ]
	[ "$size" -gt 100 ]
	fault_stop
	# the limit is the size: accepted, delivered whole
	size_server "$size"
	run -0 --separate-stderr "$POSTERN" -i bob@example.test <"$BATS_TEST_TMPDIR/m"
	[ -z "$stderr" ]
	fault_wait_sessions
	[ "$(count_delivered tok-size)" = 2 ]
	fault_stop
	# one octet less: refused with the sizes, nothing sent, not queued
	size_server "$((size - 1))"
	run -65 --separate-stderr "$POSTERN" -i bob@example.test <"$BATS_TEST_TMPDIR/m"
	[[ "$stderr" == *"message too big: $size bytes, the server accepts at most $((size - 1))"* ]]
	fault_wait_sessions
	! grep -q '^C: MAIL' "$(fault_transcript 1)"
	[ "$(count_delivered tok-size)" = 2 ]
	[ -z "$(ids)" ]
}

@test "a 5xx recipient then a 4xx one: the 5xx is final (notice, no retry), the 4xx retried" {
	cat >"$SCEN" <<-'EOF'
	{"replies": {"rcpt:carol@example.test": {"code": 550, "text": "5.1.1 no such user"},
	             "rcpt:dave@example.test": {"code": 451, "text": "4.3.0 try later"}}}
	EOF
	server
	run -0 send tok-54 -odq carol@example.test dave@example.test
	id=$(ids)
	run -0 "$POSTERN" -q
	fault_wait_sessions
	[ "$(count_delivered tok-54)" = 0 ]
	grep -qx 'C: RCPT TO:<carol@example.test>' "$(fault_transcript 1)"
	grep -qx 'C: RCPT TO:<dave@example.test>' "$(fault_transcript 1)"
	grep -qx "rcpt: refused carol@example.test" "$Q/new/$id.env"
	! grep -qx "rcpt: refused dave@example.test" "$Q/new/$id.env"
	# carol's notice went out (the only message so far: a null sender)
	b=$(fault_message)
	[ "$(fault_env mail "$b")" = "<>" ]
	grep -qx $'Final-Recipient: rfc822; carol@example.test\r' "$b.eml"
	! grep -q 'Final-Recipient: rfc822; dave@example.test' "$b.eml"
	# the next run, to a server that takes everything: dave only
	fault_stop
	echo '{}' >"$SCEN"
	server
	run -0 "$POSTERN" -qf
	fault_wait_sessions
	[ "$(count_delivered tok-54)" = 1 ]
	m=$(fault_message 1 1)
	[ "$(fault_env rcpt "$m")" = "<dave@example.test>" ]
	! grep -q 'carol' "$(fault_transcript 1)"
	[ -z "$(ids)" ]
}

@test "a bare CR in the message never reaches the wire" {
	server
	printf 'Subject: tok-cr\n\nbare\rCR in the body\r\nand CR LF\r\n\r.\rdot\n' \
		>"$BATS_TEST_TMPDIR/m"
	run -0 --separate-stderr "$POSTERN" -i bob@example.test <"$BATS_TEST_TMPDIR/m"
	fault_wait_sessions
	m=$(fault_message)
	[ "$(fault_env bare_cr "$m")" = 0 ]
	# every CR on the wire is followed by LF, every LF preceded by CR
	"$PYTHON3" -c 'import re, sys
d = open(sys.argv[1], "rb").read()
sys.exit(1 if re.search(rb"\r(?!\n)|(?<!\r)\n", d) else 0)' "$m.wire"
	[ "$(count_delivered tok-cr)" = 1 ]
}

@test "AUTH is never sent before TLS: tls off, auth on, the server offers AUTH PLAIN" {
	echo '{"ehlo": ["PIPELINING", "AUTH PLAIN LOGIN"]}' >"$SCEN"
	CONFIG_EXTRA=(auth on user alice password "s3cret")
	server
	run -78 --separate-stderr "$POSTERN" -i bob@example.test <<<'Subject: tok-plain'
	[[ "$stderr" == *"account default: tls is off, so auth would send the password in clear; turn tls on, or name a mechanism (auth plain) to allow that"* ]]
	[[ "$stderr" != *s3cret* ]]
	# refused before connecting: the server saw nothing
	[ ! -e "$FAULT_DIR/session-1.log" ]
	# with STARTTLS required and not offered: no AUTH, no MAIL either
	# (the message is kept: queued, the account held)
	CONFIG_EXTRA=(tls on tls_trust_file /dev/null auth on user alice password "s3cret")
	config "$FAULT_PORT" "${CONFIG_EXTRA[@]}"
	run -0 --separate-stderr "$POSTERN" -i bob@example.test <<<'Subject: tok-plain'
	[[ "$stderr" == *"does not offer STARTTLS; refusing to continue without TLS"* ]]
	[ -n "$(ids)" ]
	fault_wait_sessions
	! grep -q '^C: AUTH' "$(fault_transcript 1)"
	! grep -q '^C: MAIL' "$(fault_transcript 1)"
	[[ "$stderr" != *s3cret* ]]
	[ "$(count_delivered tok-plain)" = 0 ]
}

@test "a config file with a password, readable by the group: refused (chmod 600)" {
	config "$(dead_port)" password secret
	chmod 640 "$XDG_CONFIG_HOME/postern/config"
	run -78 --separate-stderr "$POSTERN" -odq bob@example.test <<<'Subject: tok-640'
	[[ "$stderr" == *"$XDG_CONFIG_HOME/postern/config"*"holds a password, so only you may read it (chmod 600)"* ]]
	[ -z "$(ids)" ]
	chmod 600 "$XDG_CONFIG_HOME/postern/config"
	run -0 --separate-stderr "$POSTERN" -odq bob@example.test <<<'Subject: tok-600'
	[ -n "$(ids)" ]
}

# reply_server OCTETS: a server whose EHLO reply's last line is OCTETS
# long with its CRLF ("250 " + text + CRLF).
reply_server() {
	echo "{\"replies\": {\"ehlo\": {\"long\": $(($1 - 6))}}}" >"$SCEN"
	server
}

@test "a reply line of 512 octets with its CRLF is read; 513 is refused" {
	reply_server 512
	run -0 --separate-stderr "$POSTERN" -i bob@example.test <<<'Subject: tok-512'
	fault_wait_sessions
	line=$(grep -m1 '^S: 250 ' "$(fault_transcript 1)")
	[ "$((${#line} - 3 + 2))" = 512 ] # without "S: ", with CRLF
	[ "$(count_delivered tok-512)" = 1 ]
	fault_stop
	reply_server 513
	run -76 --separate-stderr "$POSTERN" -i bob@example.test <<<'Subject: tok-513'
	[[ "$stderr" == *"reply line longer than 512 octets"* ]]
	fault_wait_sessions
	! grep -q '^C: MAIL' "$(fault_transcript 1)"
	[ "$(count_delivered tok-513)" = 0 ]
}

@test "a bare CR planted in a queued message is refused, never sent" {
	config "$(dead_port)"
	run -0 send tok-plant -odq bob@example.test
	id=$(ids)
	grep -q 'body of tok-plant' "$Q/new/$id.msg"
	# same size: one octet of the body becomes a bare CR
	sed -i 's/body of tok-plant/body\rof tok-plant/' "$Q/new/$id.msg"
	server
	run -0 --separate-stderr "$POSTERN" -qf
	fault_wait_sessions
	for m in "$FAULT_DIR"/msg-*.env; do
		[ -e "$m" ] || continue
		[ "$(fault_env bare_cr "${m%.env}")" = 0 ]
	done
	! LC_ALL=C grep -q $'body\rof' "$FAULT_DIR"/*.wire 2>/dev/null
	[ "$(count_delivered tok-plant)" = 0 ]
	# given up on, with the reason, and a notice saying it
	[ -z "$(ids)" ]
	grep -qx 'rcpt: refused bob@example.test' "$Q/failed/$id.env"
	b=$(fault_message)
	[ "$(fault_env mail "$b")" = "<>" ]
	grep -q $'^Diagnostic-Code: smtp; the message is not canonical (bare CR, LF or NUL near byte [0-9]*); not sent\r$' "$b.eml"
}

@test "the null sender is never bounced: no notice, not even an attempt at one" {
	cat >"$SCEN" <<-'EOF2'
	{"replies": {"rcpt:carol@example.test": {"code": 550, "text": "5.1.1 no such user"}}}
	EOF2
	server
	run -0 --separate-stderr send tok-null -odq -f '<>' carol@example.test
	id=$(ids)
	# -v shows the queue run's notes ("bounce notice ID to <...>", or
	# "cannot make the bounce notice")
	run -0 --separate-stderr "$POSTERN" -q -v
	echo "queue run: $output $stderr"
	[[ "$stderr" == *"$id"* ]]
	fault_wait_sessions
	[ ! -e "$FAULT_DIR/session-2.log" ]
	[ -e "$Q/failed/$id.env" ]
	[ -z "$(ids)" ]
	[[ "$output$stderr" != *"bounce notice"* ]]
	! grep -q 'bounce notice' "$BATS_TEST_TMPDIR/log"
}

# tls_server SCENARIO-JSON: the fault server with STARTTLS (test CA) and
# an account for it (tls on, auth off).
tls_server() {
	fault_certs "$BATS_TEST_TMPDIR/certs"
	echo "$1" >"$SCEN"
	server
	config "$FAULT_PORT" tls on tls_starttls on \
		tls_trust_file "$FAULT_CERT_DIR/ca.crt" host localhost
}

@test "what the server said before STARTTLS is forgotten: a SIZE before TLS does not apply after" {
	tls_server '{"ehlo": ["PIPELINING", "STARTTLS", "SIZE 10"], "ehlo_tls": ["PIPELINING", "8BITMIME"]}'
	run -0 --separate-stderr "$POSTERN" -i bob@example.test <<<'Subject: tok-caps'
	[ -z "$stderr" ]
	fault_wait_sessions
	[ "$(count_delivered tok-caps)" = 1 ]
	# and the other way round: a SIZE after TLS applies
	fault_stop
	tls_server '{"ehlo": ["PIPELINING", "STARTTLS"], "ehlo_tls": ["PIPELINING", "SIZE 10"]}'
	run -65 --separate-stderr "$POSTERN" -i bob@example.test <<<'Subject: tok-caps2'
	[[ "$stderr" == *"message too big: "*" bytes, the server accepts at most 10"* ]]
}

# lines_server N: the reply to MAIL has N lines.
lines_server() {
	echo "{\"replies\": {\"mail\": {\"filler\": $(($1 - 1))}}}" >"$SCEN"
	server
}

@test "a reply of 100 lines is read; 101 lines are refused" {
	lines_server 100
	run -0 --separate-stderr "$POSTERN" -i bob@example.test <<<'Subject: tok-100'
	fault_wait_sessions
	[ "$(grep -c '^S: 250[- ]' "$(fault_transcript 1)" | head -n1)" -ge 100 ]
	[ "$(count_delivered tok-100)" = 1 ]
	fault_stop
	lines_server 101
	run -76 --separate-stderr "$POSTERN" -i bob@example.test <<<'Subject: tok-101'
	[[ "$stderr" == *"reply has too many lines"* ]]
	[ "$(count_delivered tok-101)" = 0 ]
}
