#!/usr/bin/env bats
# submit_postfix.bats: postern itself (the binary with a configuration
# file) submitting to the real Postfix + Dovecot test bed (issue 4):
# STARTTLS and implicit TLS, AUTH PLAIN/LOGIN/SCRAM-SHA-256 and "auth on",
# the delivered message byte-identical to --dry-run apart from Postfix's
# Received header, the exact envelope; refusals (certificates, STARTTLS
# missing, pins, password) with their exit codes and no mail; recipient
# and sender refusals; the exit codes of doc/postern.1 that submission
# can produce; -v redaction, the logfile line and the syslog line.

load lib/common
load lib/postfix
load lib/submit
load lib/secretscan
bats_require_minimum_version 1.5.0

setup_file() {
	postfix_start
}

setup() {
	postfix_setup
	hermetic_env
	IN=$BATS_TEST_TMPDIR/in
}

teardown() {
	if [ -n "${lat_pid:-}" ]; then
		kill "$lat_pid" 2>/dev/null || true
		wait "$lat_pid" 2>/dev/null || true
	fi
}

teardown_file() {
	teardown_try postfix_stop
}

# message TOKEN: a complete message (nothing for postern to add) whose
# body has every dot-line shape, into $IN.
message() {
	printf '%s\n' "From: Alice <alice@example.test>" \
		"To: Bob <bob@example.test>" "Cc: carol@example.test" \
		"Subject: $1" "Date: Mon, 2 Jan 2023 10:00:00 +0000" \
		"Message-ID: <$1@example.test>" "" "first" "." ".." \
		"...three" ".dot" " . " "last" >"$IN"
}

# refused TOKEN: the last run was refused before AUTH and before any
# mail went out, and TOKEN was not delivered.
refused_quietly() {
	[[ "$stderr" != *"--> AUTH"* ]] || { echo "AUTH was sent"; return 1; }
	[[ "$stderr" != *"--> MAIL"* ]] || { echo "MAIL was sent"; return 1; }
	[[ "$stderr" != *"--> BDAT"* && "$stderr" != *"--> DATA"* ]] ||
		{ echo "the message was sent"; return 1; }
	assert_no_mail "$1"
}

@test "STARTTLS, auth on: SCRAM-SHA-256; delivered bytes equal --dry-run; exact envelope" {
	submit_config "$(tb_account)"
	message tok-pf-starttls
	send -i bob@example.test carol@example.test
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
	[ -z "$output" ]
	wait_mail tok-pf-starttls
	env_is sender alice@example.test
	env_rcpts bob@example.test carol@example.test
	env_is sasl_method SCRAM-SHA-256
	env_is sasl_username alice@example.test
	env_is client_helo localhost
	grep -q 'using TLSv1\.[23] with cipher' "$mail_eml"
	dry_message -i bob@example.test carol@example.test
	delivered_message
	same_files "$BATS_TEST_TMPDIR/dry.eml" "$BATS_TEST_TMPDIR/got.eml"
	# the dot lines arrive as they were written
	grep -xq '\.\.\.three' "$BATS_TEST_TMPDIR/got.eml"
}

@test "AUTH PLAIN, LOGIN and SCRAM-SHA-256 each, over STARTTLS and implicit TLS" {
	local mech port tls tok
	for port in "$TB_SUBMISSION_PORT" "$TB_SMTPS_PORT"; do
		tls=on
		[ "$port" = "$TB_SUBMISSION_PORT" ] || tls=off
		for mech in plain login scram-sha-256; do
			tok=tok-pf-$mech-$port
			submit_config "$(tb_account port "$port" auth "$mech" \
				tls_starttls "$tls")"
			message "$tok"
			send -i bob@example.test
			[ "$status" -eq 0 ] || { echo "$mech $port: $stderr"; false; }
			wait_mail "$tok"
			env_is sasl_method "${mech^^}"
			env_is sasl_username alice@example.test
			env_is sender alice@example.test
			env_rcpts bob@example.test
			dry_message -i bob@example.test
			delivered_message
			same_files "$BATS_TEST_TMPDIR/dry.eml" \
				"$BATS_TEST_TMPDIR/got.eml"
		done
	done
}

@test "fix-ups and an 8-bit body: delivered as --dry-run shows it (BODY=8BITMIME)" {
	submit_config "$(tb_account)"
	printf 'To: bob\nSubject: tok-pf-8bit caf\303\251\n\nna\303\257ve\n.\n..\nend\n' >"$IN"
	send -v -i bob
	[ "$status" -eq 0 ]
	[[ "$stderr" == *"--> MAIL FROM:<alice@example.test> SIZE="*" BODY=8BITMIME"* ]]
	[[ "$stderr" == *"--> RCPT TO:<bob@example.test>"* ]]
	wait_mail tok-pf-8bit
	env_rcpts bob@example.test
	dry_message -i bob
	delivered_message
	mask_generated "$BATS_TEST_TMPDIR/dry.eml"
	mask_generated "$BATS_TEST_TMPDIR/got.eml"
	same_files "$BATS_TEST_TMPDIR/dry.eml" "$BATS_TEST_TMPDIR/got.eml"
	grep -xq 'To: bob@example.test' "$BATS_TEST_TMPDIR/got.eml"
}

@test "wrong CA, other host name, expired certificate: TLS refused (held), no AUTH, no mail" {
	local port tls
	for port in "$TB_SUBMISSION_WRONGCA_PORT" "$TB_SUBMISSION_OTHERHOST_PORT" \
		"$TB_SUBMISSION_EXPIRED_PORT" "$TB_SMTPS_WRONGCA_PORT" \
		"$TB_SMTPS_OTHERHOST_PORT" "$TB_SMTPS_EXPIRED_PORT"; do
		tls=on
		case $port in "$TB_SMTPS_WRONGCA_PORT" | "$TB_SMTPS_OTHERHOST_PORT" | \
			"$TB_SMTPS_EXPIRED_PORT") tls=off ;; esac
		submit_config "$(tb_account port "$port" tls_starttls "$tls")"
		message "tok-pf-badcert-$port"
		send -i bob@example.test
		assert_tls_refused || { echo "port $port"; false; }
		[ "${#lines[@]}" -eq 0 ]
		[ "$(printf '%s\n' "$stderr" | wc -l)" -eq 2 ]
		[[ "$stderr" == "postern: WARNING: TLS refused: "*"certificate"* ]]
		send -v -i bob@example.test
		assert_tls_refused
		refused_quietly "tok-pf-badcert-$port"
	done
}

@test "the reason names what is wrong with the certificate" {
	submit_config "$(tb_account port "$TB_SUBMISSION_OTHERHOST_PORT")"
	message tok-pf-why
	send -i bob@example.test
	assert_tls_refused "localhost: TLS certificate refused: the host name in it does not match"
	submit_config "$(tb_account port "$TB_SUBMISSION_EXPIRED_PORT")"
	send -i bob@example.test
	assert_tls_refused "localhost: TLS certificate refused: it has expired"
	submit_config "$(tb_account tls_trust_file "$TB_WRONG_CA")"
	send -i bob@example.test
	assert_tls_refused "localhost: TLS certificate refused: its issuer is not in the trusted CAs (tls_trust_file)"
	assert_no_mail tok-pf-why
}

@test "a server without STARTTLS: TLS refused (held), no AUTH, no mail" {
	submit_config "$(tb_account port "$TB_PLAIN_PORT")"
	message tok-pf-nostarttls
	send -i bob@example.test
	assert_tls_refused "127.0.0.1 port $TB_PLAIN_PORT does not offer STARTTLS; refusing to continue without TLS"
	send -v -i bob@example.test
	assert_tls_refused
	refused_quietly tok-pf-nostarttls
}

@test "tls off with auth on: AUTH is not offered in plaintext; 69, no mail" {
	submit_config "$(tb_account port "$TB_PLAIN_PORT" tls off auth plain)"
	message tok-pf-plainauth
	send -v -i bob@example.test
	[ "$status" -eq 69 ]
	refused_quietly tok-pf-plainauth
}

@test "tls off, auth off, plain port: delivered without TLS and without AUTH" {
	submit_config "$(tb_account port "$TB_PLAIN_PORT" tls off auth off \
		user "" password "")"
	message tok-pf-cleartext
	send -i bob@example.test
	[ "$status" -eq 0 ]
	wait_mail tok-pf-cleartext
	env_is sasl_method ""
	env_is sender alice@example.test
	! grep -q 'using TLS' "$mail_eml"
}

@test "tls_fingerprint: a mismatch is TLS refused (held) without AUTH; a match delivers without the CA" {
	submit_config "$(tb_account tls_fingerprint \
		"$(cat "$TB_CERT_DIR/otherhost.sha256")")"
	message tok-pf-pin
	send -v -i bob@example.test
	assert_tls_refused
	[[ "$stderr" == *"fingerprint does not match"* ]]
	refused_quietly tok-pf-pin
	send -i bob@example.test
	assert_tls_refused "TLS certificate refused: its fingerprint does not match tls_fingerprint"
	# the trust file does not hold the test CA: the pin alone decides
	submit_config "$(tb_account tls_trust_file "$TB_WRONG_CA" \
		tls_fingerprint "$TB_SERVER_SHA256")"
	message tok-pf-pinok
	send -v -i bob@example.test
	[ "$status" -eq 0 ]
	[[ "$stderr" == *"verified by fingerprint"* ]]
	wait_mail tok-pf-pinok
	env_is sasl_username alice@example.test
}

@test "a wrong password: 77, the server's reply, no mail" {
	submit_config "$(tb_account password '"not it"' auth plain)"
	message tok-pf-badpw
	send -i bob@example.test
	[ "$status" -eq 77 ]
	one_reason
	[[ "$(reason)" == *"535 5.7.8"*"; the message was not sent" ]]
	assert_no_mail tok-pf-badpw
}

@test "one of two recipients refused (550): the other gets it, exit 0 naming the refused one, a bounce notice queued" {
	submit_config "$(tb_account)"
	message tok-pf-partial
	send -i bob@example.test reject@example.test
	[ "$status" -eq 0 ]
	[ "${stderr_lines[0]}" = "postern: delivered to 1 of 2 recipients; refused reject@example.test: 550 5.1.1 <reject@example.test>: Recipient address rejected: Recipient rejected by the test bed" ]
	[[ "${stderr_lines[1]}" == "postern: a bounce notice to <$TB_USER> for the refused recipients is queued as "* ]]
	wait_mail tok-pf-partial
	env_rcpts bob@example.test
}

@test "every recipient refused: 67, no mail" {
	submit_config "$(tb_account)"
	message tok-pf-allrefused
	send -i reject@example.test
	[ "$status" -eq 67 ]
	[[ "$(reason)" == "postern: every recipient refused; <reject@example.test>: 550 5.1.1 "*"; the message was not sent" ]]
	assert_no_mail tok-pf-allrefused
}

@test "a 4xx recipient: temporary failure naming it; a 4xx beside a good one delivers the good one" {
	submit_config "$(tb_account)"
	message tok-pf-temp1
	send -i tempfail@example.test
	assert_tempfail "<tempfail@example.test>: 450 4.2.1"
	assert_no_mail tok-pf-temp1
	message tok-pf-temp2
	send -i tempfail@example.test bob@example.test
	assert_tempfail "deferred tempfail@example.test: 450 4.2.1"
	wait_mail tok-pf-temp2
	env_rcpts bob@example.test
}

@test "sender refused: 553 is 65, 451 is a temporary failure; no mail" {
	submit_config "$(tb_account)"
	message tok-pf-sender
	send -i -f reject@example.test bob@example.test
	[ "$status" -eq 65 ]
	[[ "$(reason)" == "postern: sender address refused: 553 5.7.1 "*"; the message was not sent" ]]
	send -i -f tempfail@example.test bob@example.test
	assert_tempfail "451 4.3.0"
	assert_no_mail tok-pf-sender
}

@test "a host under .invalid: 68" {
	submit_config "$(tb_account host smtp.example.invalid)"
	message tok-pf-nohost
	send -i bob@example.test
	[ "$status" -eq 68 ]
	one_reason
	[[ "$stderr" == "postern: "*"smtp.example.invalid"* ]]
}

@test "nothing listening: a temporary failure" {
	submit_config "$(tb_account port 1)"
	message tok-pf-noconn
	send -i bob@example.test
	assert_tempfail "cannot connect to localhost port 1"
	# with the queue off the caller keeps the message: 75
	submit_config "$(tb_account port 1 queue off)"
	send -i bob@example.test
	[ "$status" -eq 75 ]
	stderr_line "postern: cannot connect to localhost port 1: Connection refused; the message was not sent (temporary failure: try again later)"
}

@test "usage, config and input errors: 64, 78, 74" {
	submit_config "$(tb_account)"
	message tok-pf-codes
	send -i
	[ "$status" -eq 64 ]
	[[ "$stderr" == *"no recipients"* ]]
	submit_config "$(tb_account)" "tls_fingerprnt AB"
	send -i bob@example.test
	[ "$status" -eq 78 ]
	[[ "$stderr" == *"config:"*"tls_fingerprnt"* ]]
	submit_config "$(tb_account)"
	run --separate-stderr "$POSTERN" -i bob@example.test <"$BATS_TEST_TMPDIR"
	[ "$status" -eq 74 ]
	one_reason
	assert_no_mail tok-pf-codes
}

@test "passwordeval failing: a temporary failure, no AUTH sent" {
	submit_config "$(tb_account password "" passwordeval '"exit 3"')"
	message tok-pf-peval
	send -v -i bob@example.test
	assert_tempfail
	refused_quietly tok-pf-peval
}

@test "-v: AUTH payloads redacted; the password is in neither stderr nor the logfile" {
	local mech
	for mech in plain login scram-sha-256; do
		submit_config "$(tb_account auth "$mech")"
		message "tok-pf-redact-$mech"
		send -v -i bob@example.test
		[ "$status" -eq 0 ]
		printf '%s\n' "$stderr" >"$BATS_TEST_TMPDIR/stderr"
		secret_scan_files "$TB_PASS" "$TB_USER" \
			"$BATS_TEST_TMPDIR/stderr" "$LOG"
		grep -Fxq "postern: --> AUTH ${mech^^} <redacted>" \
			"$BATS_TEST_TMPDIR/stderr" ||
			grep -Fxq "postern: --> AUTH ${mech^^}" "$BATS_TEST_TMPDIR/stderr"
		# every client line after AUTH up to the 235 is redacted
		awk '/--> AUTH /{a=1; next} /<-- 235/{a=0} a && /-->/ && !/--> <redacted>$/ {bad=1; print} END{exit bad}' \
			"$BATS_TEST_TMPDIR/stderr"
		wait_mail "tok-pf-redact-$mech"
	done
	# a failed AUTH does not leak either
	submit_config "$(tb_account auth plain password '"s3cret p@sx"')"
	send -v -i bob@example.test
	[ "$status" -eq 77 ]
	printf '%s\n' "$stderr" >"$BATS_TEST_TMPDIR/stderr"
	! grep -Fq 's3cret p@sx' "$BATS_TEST_TMPDIR/stderr" "$LOG"
}

@test "the logfile line: time with year and zone, account, host, tls, auth, from, each rcpt, size, reply, exit" {
	submit_config "$(tb_account auth login)"
	message tok-pf-log
	send -i bob@example.test reject@example.test
	[ "$status" -eq 0 ] # partial refusal: a bounce notice, exit 0
	[ "$(wc -l <"$LOG")" -eq 1 ]
	local size re
	size=$(dry_message -i bob@example.test && wc -c <"$BATS_TEST_TMPDIR/dry.out")
	re='^20[0-9]{2}-[01][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-6][0-9][+-][0-9]{4} '
	re+="account=default host=localhost port=$TB_SUBMISSION_PORT "
	re+='tls="TLS1\.[23] [^"]+" auth=LOGIN from=alice@example\.test '
	re+='rcpt=bob@example\.test status=sent '
	re+='rcpt=reject@example\.test status=refused rcpt_reply="550 5\.1\.1 [^"]*" '
	re+='size=[0-9]+ reply="delivered to 1 of 2 recipients; refused [^"]*" '
	re+='duration_ms=[0-9]+ exit=0$'
	grep -Eq "$re" "$LOG" || { cat "$LOG"; false; }
	# size is the message's size in bytes, as sent
	local msgsize=$(($(wc -c <"$BATS_TEST_TMPDIR/dry.out") - $(sed -n '1,/^$/p' "$BATS_TEST_TMPDIR/dry.out" | wc -c)))
	grep -q " size=$msgsize " "$LOG" || { echo "size $msgsize"; cat "$LOG"; false; }
	wait_mail tok-pf-log
	: "$size"
	# a success logs the server's final reply
	message tok-pf-log2
	send -i bob@example.test
	[ "$status" -eq 0 ]
	# (not the last line: the bounce notice of the partial refusal above
	# follows over the same session and logs its own line)
	grep -Eq ' rcpt=bob@example\.test status=sent size=[0-9]+ reply="250 2\.0\.0 Ok: [^"]*" duration_ms=[0-9]+ exit=0$' "$LOG"
}

@test "the syslog line: LOG_MAIL, same fields, no password" {
	require_cmd unshare util-linux
	local d=$BATS_TEST_TMPDIR/dev
	mkdir -p "$d"
	# a private /dev with a log socket we read, in a mount namespace
	"$PYTHON3" -c '
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
open(sys.argv[2], "w").close()
s.settimeout(120)  # stopped by PID once the line is in
with open(sys.argv[3], "ab") as out:
    try:
        while True:
            out.write(s.recv(65536) + b"\n")
            out.flush()
    except socket.timeout:
        pass
' "$d/log" "$BATS_TEST_TMPDIR/ready" "$BATS_TEST_TMPDIR/syslog" 3>&- &
	local pid=$!
	wait_until 60 test -e "$BATS_TEST_TMPDIR/ready"
	submit_config "$(tb_account auth plain)"
	sed -i 's/^syslog off$/syslog on/; /^logfile /d' \
		"$XDG_CONFIG_HOME/postern/config"
	echo "syslog LOG_MAIL" >>"$XDG_CONFIG_HOME/postern/config"
	message tok-pf-syslog
	run --separate-stderr unshare -m sh -c '
		d=$1; shift
		for n in null zero random urandom full tty; do
			: >"$d/$n" && mount --bind "/dev/$n" "$d/$n" || exit 99
		done
		ln -sf /proc/self/fd "$d/fd"
		mount --bind "$d" /dev || exit 99
		exec "$@"' sh "$d" "$POSTERN" -i bob@example.test <"$IN"
	# The datagram is queued on the socket when postern exits; give the
	# reader up to 60 s to write it out before stopping it.
	wait_until 60 file_has "$BATS_TEST_TMPDIR/syslog" 'postern\[' || true
	kill "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
	[ "$status" -eq 0 ] || { echo "$stderr"; false; }
	wait_mail tok-pf-syslog
	# <22> = LOG_MAIL (2 << 3) | LOG_INFO (6)
	grep -Eq '^<22>.* postern\[[0-9]+\]: account=default host=localhost port=[0-9]+ tls="TLS1\.[23] [^"]+" auth=PLAIN from=alice@example\.test rcpt=bob@example\.test status=sent size=[0-9]+ reply="250 [^"]*" duration_ms=[0-9]+ exit=0$' \
		"$BATS_TEST_TMPDIR/syslog" || { cat "$BATS_TEST_TMPDIR/syslog"; false; }
	secret_scan_files "$TB_PASS" "$TB_USER" "$BATS_TEST_TMPDIR/syslog"
}

# latproxy DELAY_MS TARGET_PORT: bench/latproxy.py in front of the test
# bed; its port in $lat_port, its PID in $lat_pid (the test stops it).
latproxy() {
	local i ready=$BATS_TEST_TMPDIR/lat.port
	python3 "$POSTERN_SRCDIR/bench/latproxy.py" --delay-ms "$1" \
		--target-port "$2" --ready "$ready" </dev/null >/dev/null 2>&1 3>&- &
	lat_pid=$!
	for i in $(seq 200); do
		[ -s "$ready" ] && break
		sleep 0.05
	done
	lat_port=$(cat "$ready")
}

@test "--trace-timing and -vv: every transcript line timed; a round trip shows in the gaps" {
	command -v python3 >/dev/null || require_or_skip "python3 not installed"
	latproxy 50 "$TB_SUBMISSION_PORT"
	submit_config "$(tb_account auth plain port "$lat_port")"
	local opt
	for opt in --trace-timing -vv; do
		message "tok-pf-timing$opt"
		send "$opt" -i bob@example.test
		[ "$status" -eq 0 ]
		printf '%s\n' "$stderr" >"$BATS_TEST_TMPDIR/stderr"
		secret_scan_files "$TB_PASS" "$TB_USER" "$BATS_TEST_TMPDIR/stderr"
		# every transcript line: "[   ms since start ms  +since last] dir"
		grep -E -- ' (-->|<--|---) ' "$BATS_TEST_TMPDIR/stderr" >"$BATS_TEST_TMPDIR/t"
		[ "$(wc -l <"$BATS_TEST_TMPDIR/t")" -gt 10 ]
		! grep -Ev '^postern: \[ *[0-9]+\.[0-9]{3} ms +\+ *[0-9]+\.[0-9]{3}\] (-->|<--|---) ' \
			"$BATS_TEST_TMPDIR/t"
		grep -q '^postern: \[.*\] --> AUTH PLAIN <redacted>$' "$BATS_TEST_TMPDIR/t"
		# times rise; the reply to the first EHLO comes one round trip
		# (2 x 50 ms) or more after it was sent
		awk '{ gsub(/[][]/, ""); t = $2 + 0; if (t < last) bad = 1; last = t }
			END { exit bad }' "$BATS_TEST_TMPDIR/t"
		awk '/--> EHLO/ && !s { s = 1; next } s == 1 && /<-- 250[ -]/ {
				gsub(/[][+]/, " "); if ($4 >= 100) ok = 1; exit }
			END { exit !ok }' "$BATS_TEST_TMPDIR/t"
		wait_mail "tok-pf-timing$opt"
	done
	# plain -v stays as it was: no times
	message tok-pf-timing-v
	send -v -i bob@example.test
	[ "$status" -eq 0 ]
	grep -q '^postern: --> EHLO ' <<<"$stderr"
	! grep -q '^postern: \[' <<<"$stderr"
}
