#!/usr/bin/env bats
# bs.bats: postern -bs (SMTP on stdin/stdout) against the real Postfix +
# Dovecot test bed, driven as Symfony Mailer's SendmailTransport drives
# it: read 220, EHLO, then MAIL/RCPT/DATA/message/"." per message over
# one session, QUIT. A python client (written in setup_file) sends what
# a script says and prints every reply line as "S: ..." as it comes, so
# the assertions are on the exact replies, in order. Covers two messages
# delivered over one session, a refused recipient answered with the
# server's 550, partial refusal, a 450 queued (or answered 450 with
# queue off), RSET mid-transaction, NOOP, pipelined
# commands, an over-long line, a "." line inside the message, EOF
# without QUIT (after a message and inside DATA), and -v on stderr only.

load lib/common
load lib/postfix
load lib/submit
load lib/faultserver
bats_require_minimum_version 1.5.0

setup_file() {
	postfix_start
	fault_certs "$BATS_FILE_TMPDIR/certs"
	cat >"$BATS_FILE_TMPDIR/bsclient.py" <<'EOF'
# bsclient.py POSTERN ARGS... < SCRIPT: run POSTERN -bs ARGS, follow SCRIPT:
#   > TEXT      send TEXT + CRLF
#   raw BYTES   send a Python bytes literal as it is (pipelining, bare LF)
#   msg TOKEN   send a Symfony-like message (dot-stuffed, no final CRLF)
#               then "\r\n.\r\n"
#   < [N]       read N replies (default 1), print each line as "S: line"
#   eof         close postern's stdin
#   wait FILE TEXT  until FILE contains TEXT (<= 30 s)
# At the end: read until postern closes stdout, print "exit N"; stderr
# goes to $BS_STDERR.
import ast, os, select, subprocess, sys, time

p = subprocess.Popen(sys.argv[1:], stdin=subprocess.PIPE,
                     stdout=subprocess.PIPE,
                     stderr=open(os.environ['BS_STDERR'], 'wb'))
pending = b''
deadline = time.time() + 60

def line():
    global pending
    while b'\n' not in pending:
        r, _, _ = select.select([p.stdout], [], [], deadline - time.time())
        chunk = os.read(p.stdout.fileno(), 4096) if r else None
        if not chunk:
            print('S-EOF' if chunk == b'' else 'S-TIMEOUT')
            return None
        pending += chunk
    l, pending = pending.split(b'\n', 1)
    if not l.endswith(b'\r'):
        print('S-NOCRLF')
    return l.rstrip(b'\r').decode('utf-8', 'replace')

def reply():
    while True:
        l = line()
        if l is None:
            return
        print('S: ' + l)
        if len(l) < 4 or l[3] != '-':
            return

def send(b):
    p.stdin.write(b)
    p.stdin.flush()

def message(tok):
    return ('From: Alice <alice@example.test>\r\n'
            'To: Bob <bob@example.test>\r\n'
            'Subject: ' + tok + '\r\n'
            'Message-ID: <' + tok + '@example.test>\r\n'
            'MIME-Version: 1.0\r\n'
            'Date: Mon, 2 Jan 2023 10:00:00 +0000\r\n'
            'Content-Type: text/plain; charset=utf-8\r\n'
            'Content-Transfer-Encoding: quoted-printable\r\n'
            '\r\n'
            'first line\r\n'
            '..\r\n'
            '..leading dot\r\n'
            'last line').encode() + b'\r\n.\r\n'

for cmd in sys.stdin.read().splitlines():
    verb, _, arg = cmd.partition(' ')
    if verb == '>':
        send(arg.encode() + b'\r\n')
    elif verb == 'raw':
        send(ast.literal_eval(arg))
    elif verb == 'msg':
        send(message(arg))
    elif verb == '<':
        for _ in range(int(arg or 1)):
            reply()
    elif verb == 'eof':
        p.stdin.close()
    elif verb == 'wait':
        path, _, text = arg.partition(' ')
        end = time.time() + 30
        while time.time() < end:
            try:
                if text in open(path, errors='replace').read():
                    break
            except OSError:
                pass
            time.sleep(0.05)
        else:
            print('WAIT-TIMEOUT ' + text)
while line() is not None:
    print('S-EXTRA')
if not p.stdin.closed:
    p.stdin.close()
print('exit %d' % p.wait(timeout=30))
EOF
}

setup() {
	postfix_setup
	hermetic_env
	submit_config "$(tb_account)"
	export BS_STDERR=$BATS_TEST_TMPDIR/stderr
}

teardown() {
	fault_stop
}

teardown_file() {
	teardown_try postfix_stop
}

# bs [ARGS...] < SCRIPT: a -bs session; $output is the transcript.
bs() {
	run "$PYTHON3" "$BATS_FILE_TMPDIR/bsclient.py" "$POSTERN" -bs "$@"
	echo "$output"
	echo "--- stderr:"
	cat "$BS_STDERR"
}

# replies LINE...: the transcript is exactly these lines (glob patterns).
replies() {
	local i=0 l
	for l in "$@"; do
		# shellcheck disable=SC2053 # the want line is a pattern
		[[ "${lines[$i]}" == $l ]] || {
			echo "line $i: got '${lines[$i]}', want '$l'"
			return 1
		}
		i=$((i + 1))
	done
	[ "${#lines[@]}" -eq "$i" ] || {
		echo "${#lines[@]} lines, want $i"
		return 1
	}
}

# stderr_is TEXT: postern's stderr is exactly the line TEXT.
stderr_is() {
	[ "$(cat "$BS_STDERR")" = "$1" ] && return 0
	echo "stderr: want '$1'"
	return 1
}

EHLO_REPLY=("S: 250-*" "S: 250-PIPELINING" "S: 250-8BITMIME"
	"S: 250-SIZE 104857600" "S: 250 ENHANCEDSTATUSCODES")
OK_SENT="S: 250 2.0.0 Ok: delivered to 1 recipient; the server said: 250 2.0.0 Ok: *queued as *"

# delivered TOKEN RCPT...: TOKEN arrived from alice to exactly RCPT...,
# with its dot lines intact.
delivered() {
	local tok=$1
	shift
	wait_mail "$tok"
	env_is sender alice@example.test
	env_rcpts "$@"
	env_is sasl_username alice@example.test
	tr -d '\r' <"$mail_eml" >"$BATS_TEST_TMPDIR/got"
	grep -A3 -x 'first line' "$BATS_TEST_TMPDIR/got" |
		cmp - <(printf '%s\n' 'first line' . .leading\ dot 'last line')
}

@test "Symfony Mailer's session: two messages over one -bs session, both delivered" {
	bs <<-'EOF'
	<
	> EHLO [127.0.0.1]
	<
	> MAIL FROM:<alice@example.test>
	<
	> RCPT TO:<bob@example.test>
	<
	> DATA
	<
	msg tok-bs-one
	<
	> MAIL FROM:<alice@example.test>
	<
	> RCPT TO:<carol@example.test>
	<
	> DATA
	<
	msg tok-bs-two
	<
	> QUIT
	<
	EOF
	[ "$status" -eq 0 ]
	replies "S: 220 * ESMTP postern" "${EHLO_REPLY[@]}" \
		"S: 250 2.1.0 Ok" "S: 250 2.1.5 Ok" \
		"S: 354 End data with <CR><LF>.<CR><LF>" "$OK_SENT" \
		"S: 250 2.1.0 Ok" "S: 250 2.1.5 Ok" \
		"S: 354 End data with <CR><LF>.<CR><LF>" "$OK_SENT" \
		"S: 221 2.0.0 Bye" "S-EOF" "exit 0"
	[ ! -s "$BS_STDERR" ]
	delivered tok-bs-one bob@example.test
	delivered tok-bs-two carol@example.test
}

@test "a refused recipient is answered with the server's 550 and its text; exit 67" {
	bs <<-'EOF'
	<
	> EHLO [127.0.0.1]
	<
	> MAIL FROM:<alice@example.test>
	<
	> RCPT TO:<reject@example.test>
	<
	> DATA
	<
	msg tok-bs-reject
	<
	> QUIT
	<
	EOF
	[ "$status" -eq 0 ]
	replies "S: 220 *" "${EHLO_REPLY[@]}" "S: 250 2.1.0 Ok" \
		"S: 250 2.1.5 Ok" "S: 354 *" \
		"S: 550 5.1.1 every recipient refused; <reject@example.test>: 550 5.1.1 <reject@example.test>: Recipient address rejected: Recipient rejected by the test bed" \
		"S: 221 2.0.0 Bye" "S-EOF" "exit 67"
	stderr_is "postern: every recipient refused; <reject@example.test>: 550 5.1.1 <reject@example.test>: Recipient address rejected: Recipient rejected by the test bed"
	assert_no_mail tok-bs-reject
}

@test "partial refusal: 250 naming the refused recipient, the others get it" {
	bs <<-'EOF'
	<
	> EHLO client
	<
	> MAIL FROM:<alice@example.test>
	<
	> RCPT TO:<bob@example.test>
	<
	> RCPT TO:<reject@example.test>
	<
	> DATA
	<
	msg tok-bs-partial
	<
	> QUIT
	<
	EOF
	[ "$status" -eq 0 ]
	stderr_is "postern: delivered to 1 of 2 recipients; refused reject@example.test: 550 5.1.1 <reject@example.test>: Recipient address rejected: Recipient rejected by the test bed"
	replies "S: 220 *" "${EHLO_REPLY[@]}" "S: 250 2.1.0 Ok" \
		"S: 250 2.1.5 Ok" "S: 250 2.1.5 Ok" "S: 354 *" \
		"S: 250 2.0.0 Ok: delivered to 1 of 2 recipients; refused reject@example.test: 550 5.1.1 <reject@example.test>: Recipient address rejected: Recipient rejected by the test bed; bounce notice queued as *" \
		"S: 221 2.0.0 Bye" "S-EOF" "exit 67"
	delivered tok-bs-partial bob@example.test
}

@test "the server's sender refusal (553) answers the end of data as 554 with its text" {
	bs <<-'EOF'
	<
	> EHLO client
	<
	> MAIL FROM:<reject@example.test>
	<
	> RCPT TO:<bob@example.test>
	<
	> DATA
	<
	msg tok-bs-553
	<
	> QUIT
	<
	EOF
	[ "$status" -eq 0 ]
	replies "S: 220 *" "${EHLO_REPLY[@]}" "S: 250 2.1.0 Ok" \
		"S: 250 2.1.5 Ok" "S: 354 *" \
		"S: 554 5.7.1 sender address refused: 553 5.7.1 <reject@example.test>: Sender address rejected: Sender rejected by the test bed" \
		"S: 221 2.0.0 Bye" "S-EOF" "exit 65"
	assert_no_mail tok-bs-553
}

@test "a temporary refusal (450) is queued and answered 250 queued as ID; with queue off, 450 and exit 75" {
	bs <<-'EOF'
	<
	> EHLO client
	<
	> MAIL FROM:<alice@example.test>
	<
	> RCPT TO:<tempfail@example.test>
	<
	> DATA
	<
	msg tok-bs-450
	<
	> QUIT
	<
	EOF
	[ "$status" -eq 0 ]
	replies "S: 220 *" "${EHLO_REPLY[@]}" "S: 250 2.1.0 Ok" \
		"S: 250 2.1.5 Ok" "S: 354 *" \
		"S: 250 2.0.0 Ok: queued as *: no recipient accepted; <tempfail@example.test>: 450 4.2.1 <tempfail@example.test>: Recipient address rejected: Recipient temporarily unavailable (test bed)" \
		"S: 221 2.0.0 Bye" "S-EOF" "exit 0"
	id=${lines[9]#S: 250 2.0.0 Ok: queued as }
	id=${id%%:*}
	q=$XDG_STATE_HOME/postern/queue/new
	[ -f "$q/$id.env" ] && [ -f "$q/$id.msg" ]
	grep -q '^Subject: tok-bs-450' "$q/$id.msg"
	[ ! -s "$BS_STDERR" ]

	submit_config "$(tb_account queue off)"
	bs <<-'EOF'
	<
	> EHLO client
	<
	> MAIL FROM:<alice@example.test>
	<
	> RCPT TO:<tempfail@example.test>
	<
	> DATA
	<
	msg tok-bs-450-off
	<
	> QUIT
	<
	EOF
	[ "$status" -eq 0 ]
	replies "S: 220 *" "${EHLO_REPLY[@]}" "S: 250 2.1.0 Ok" \
		"S: 250 2.1.5 Ok" "S: 354 *" \
		"S: 450 4.2.1 no recipient accepted; <tempfail@example.test>: 450 4.2.1 <tempfail@example.test>: Recipient address rejected: Recipient temporarily unavailable (test bed)" \
		"S: 221 2.0.0 Bye" "S-EOF" "exit 75"
	[ "$(ls "$q" | wc -l)" -eq 2 ] # nothing more was queued
}

@test "RSET mid-transaction, NOOP, an over-long line, pipelined commands" {
	long=$(printf 'x%.0s' $(seq 1 600))
	bs <<-EOF
	<
	raw b"EHLO client\r\nNOOP\r\nMAIL FROM:<alice@example.test>\r\nRCPT TO:<carol@example.test>\r\nRSET\r\n"
	< 5
	> NOOP $long
	<
	raw b"MAIL FROM:<alice@example.test>\r\nRCPT TO:<bob@example.test>\r\nDATA\r\n"
	< 3
	msg tok-bs-pipe
	<
	> QUIT
	<
	EOF
	[ "$status" -eq 0 ]
	replies "S: 220 *" "${EHLO_REPLY[@]}" "S: 250 2.0.0 Ok" \
		"S: 250 2.1.0 Ok" "S: 250 2.1.5 Ok" "S: 250 2.0.0 Ok" \
		"S: 500 5.5.2 Error: line too long (the limit is 512 octets)" \
		"S: 250 2.1.0 Ok" "S: 250 2.1.5 Ok" "S: 354 *" "$OK_SENT" \
		"S: 221 2.0.0 Bye" "S-EOF" "exit 0"
	# RSET dropped carol: only bob got it
	delivered tok-bs-pipe bob@example.test
}

@test "bare LF line ends (PHP) and a lone '.' line inside the message" {
	bs <<-'EOF'
	<
	raw b"EHLO client\nMAIL FROM:<alice@example.test>\nRCPT TO:<bob@example.test>\nDATA\n"
	< 4
	raw b"Subject: tok-bs-lf\nTo: bob@example.test\n\nfirst line\n..\n..leading dot\nlast line\r\n.\r\n"
	<
	eof
	EOF
	[ "$status" -eq 0 ]
	replies "S: 220 *" "${EHLO_REPLY[@]}" "S: 250 2.1.0 Ok" \
		"S: 250 2.1.5 Ok" "S: 354 *" "$OK_SENT" "S-EOF" "exit 0"
	delivered tok-bs-lf bob@example.test
	grep -qx 'Subject: tok-bs-lf' "$BATS_TEST_TMPDIR/got"
}

@test "a bare LF never ends the data: '.' after or before a bare LF is text" {
	bs <<-'EOF'
	<
	raw b"EHLO client\r\nMAIL FROM:<alice@example.test>\r\nRCPT TO:<bob@example.test>\r\nDATA\r\n"
	< 4
	raw b"Subject: tok-bs-nolf\r\n\r\nfirst line\r\n.\n..\r\n..leading dot\n.\r\nlast line\n.\n"
	eof
	EOF
	[ "$status" -eq 0 ]
	# no reply to any of those dots; at EOF nothing is sent
	replies "S: 220 *" "${EHLO_REPLY[@]}" "S: 250 2.1.0 Ok" \
		"S: 250 2.1.5 Ok" "S: 354 *" "S-EOF" "exit 0"
	assert_no_mail tok-bs-nolf
}

# The reproducer of issue 18: with a bare LF read as a line end, "\n.\n"
# ended the data and the rest ran as a second transaction.
@test "SMTP smuggling: <LF>.<LF> does not end the data; one message, no second" {
	bs <<-'EOF'
	<
	raw b"EHLO x\r\nMAIL FROM:<alice@example.test>\r\nRCPT TO:<bob@example.test>\r\nDATA\r\n"
	< 4
	raw b"Subject: tok-bs-innocent\r\n\r\nhello\n.\nMAIL FROM:<alice@example.test>\nRCPT TO:<carol@example.test>\nDATA\nSubject: tok-bs-smuggled\n\nevil\n.\nrest\r\n.\r\nQUIT\r\n"
	< 2
	EOF
	[ "$status" -eq 0 ]
	replies "S: 220 *" "${EHLO_REPLY[@]}" "S: 250 2.1.0 Ok" \
		"S: 250 2.1.5 Ok" "S: 354 *" "$OK_SENT" "S: 221 2.0.0 Bye" \
		"S-EOF" "exit 0"
	wait_mail tok-bs-innocent
	env_rcpts bob@example.test
	# the would-be commands are the body of the one message, dots kept
	tr -d '\r' <"$mail_eml" | sed -n '/^hello$/,$p' >"$BATS_TEST_TMPDIR/body"
	printf '%s\n' hello . 'MAIL FROM:<alice@example.test>' \
		'RCPT TO:<carol@example.test>' DATA 'Subject: tok-bs-smuggled' \
		'' evil . rest | cmp - "$BATS_TEST_TMPDIR/body"
	# no other message holds the smuggled subject (once Postfix's queue
	# is empty, every message it took is delivered)
	assert_no_mail tok-bs-no-such-token
	[ "$(grep -lF tok-bs-smuggled "$TB_DIR"/mail/new/*.eml)" = "$mail_eml" ]
}

@test "EOF without QUIT: after a message exit 0; inside DATA nothing is sent" {
	bs <<-'EOF'
	<
	> EHLO client
	<
	> MAIL FROM:<alice@example.test>
	<
	> RCPT TO:<bob@example.test>
	<
	> DATA
	<
	raw b"Subject: tok-bs-cut\r\n\r\nthe end never comes\r\n"
	eof
	EOF
	[ "$status" -eq 0 ]
	replies "S: 220 *" "${EHLO_REPLY[@]}" "S: 250 2.1.0 Ok" \
		"S: 250 2.1.5 Ok" "S: 354 *" "S-EOF" "exit 0"
	[ ! -s "$BS_STDERR" ]
	assert_no_mail tok-bs-cut
}

@test "-v: the transcript goes to stderr; stdout carries only SMTP replies" {
	bs -v <<-'EOF'
	<
	> EHLO client
	<
	> MAIL FROM:<alice@example.test>
	<
	> RCPT TO:<bob@example.test>
	<
	> DATA
	<
	msg tok-bs-verbose
	<
	> QUIT
	<
	EOF
	[ "$status" -eq 0 ]
	replies "S: 220 *" "${EHLO_REPLY[@]}" "S: 250 2.1.0 Ok" \
		"S: 250 2.1.5 Ok" "S: 354 *" "$OK_SENT" "S: 221 2.0.0 Bye" \
		"S-EOF" "exit 0"
	grep -Fxq 'postern: --- bs client: MAIL FROM:<alice@example.test>' "$BS_STDERR"
	grep -Fxq 'postern: --- bs reply: 354 End data with <CR><LF>.<CR><LF>' "$BS_STDERR"
	grep -q '^postern: --> MAIL FROM:<alice@example.test> SIZE=' "$BS_STDERR"
	grep -q '^postern: <-- 250 2.0.0 Ok: .*queued as ' "$BS_STDERR"
	grep -q '^postern: --- bs reply: 250 2.0.0 Ok: delivered to 1 recipient; ' "$BS_STDERR"
	! grep -q "$TB_PASS" "$BS_STDERR"
	delivered tok-bs-verbose bob@example.test
}

# The messages of one -bs session go over one upstream session: Postfix
# logs one connection, with 3 MAIL, and a QUIT once the client QUITs.
@test "three messages, one upstream session; a refused recipient in the second does not break the third" {
	before=$(wc -l <"$TB_MAILLOG")
	bs <<-'EOF'
	<
	> EHLO [127.0.0.1]
	<
	> MAIL FROM:<alice@example.test>
	<
	> RCPT TO:<bob@example.test>
	<
	> DATA
	<
	msg tok-bs-k1
	<
	> MAIL FROM:<alice@example.test>
	<
	> RCPT TO:<reject@example.test>
	<
	> DATA
	<
	msg tok-bs-k2
	<
	> MAIL FROM:<alice@example.test>
	<
	> RCPT TO:<carol@example.test>
	<
	> DATA
	<
	msg tok-bs-k3
	<
	> QUIT
	<
	EOF
	[ "$status" -eq 0 ]
	replies "S: 220 * ESMTP postern" "${EHLO_REPLY[@]}" \
		"S: 250 2.1.0 Ok" "S: 250 2.1.5 Ok" "S: 354 *" "$OK_SENT" \
		"S: 250 2.1.0 Ok" "S: 250 2.1.5 Ok" "S: 354 *" \
		"S: 550 5.1.1 every recipient refused; <reject@example.test>: 550 5.1.1 <reject@example.test>: Recipient address rejected: Recipient rejected by the test bed" \
		"S: 250 2.1.0 Ok" "S: 250 2.1.5 Ok" "S: 354 *" "$OK_SENT" \
		"S: 221 2.0.0 Bye" "S-EOF" "exit 67"
	delivered tok-bs-k1 bob@example.test
	delivered tok-bs-k3 carol@example.test
	assert_no_mail tok-bs-k2
	# Postfix logs the session's end with its counts once postern QUITs.
	for _ in $(seq 100); do
		tail -n +"$((before + 1))" "$TB_MAILLOG" |
			grep -q 'submission/smtpd.*disconnect from.* quit=1' && break
		sleep 0.1
	done
	log=$(tail -n +"$((before + 1))" "$TB_MAILLOG")
	echo "$log" | grep 'submission/smtpd'
	[ "$(echo "$log" | grep -c 'submission/smtpd.*: connect from')" -eq 1 ]
	echo "$log" | grep -q 'submission/smtpd.*disconnect from.* mail=3 .*quit=1'
}

# The server hangs up while the -bs client is idle between messages:
# the next message goes over a new session and is answered 250.
@test "the server closed the session between messages: the next one reconnects and is delivered" {
	echo '{"timeout": 1}' >"$BATS_TEST_TMPDIR/scenario.json"
	fault_start "$BATS_TEST_TMPDIR/scenario.json" "$BATS_TEST_TMPDIR/fault" --well-behaved
	submit_config "$(TB_USER=alice@example.test TB_PASS="s3cret p@ss" tb_account port "$FAULT_PORT" ipv6 off tls_trust_file "$FAULT_CERT_DIR/ca.crt" auth plain)"
	sed "s|@LOG1@|$FAULT_DIR/session-1.log|" >"$BATS_TEST_TMPDIR/script" <<-'EOF'
	<
	> EHLO [127.0.0.1]
	<
	> MAIL FROM:<alice@example.test>
	<
	> RCPT TO:<bob@example.test>
	<
	> DATA
	<
	msg tok-bs-r1
	<
	wait @LOG1@ idle timeout, closing
	> MAIL FROM:<alice@example.test>
	<
	> RCPT TO:<carol@example.test>
	<
	> DATA
	<
	msg tok-bs-r2
	<
	> QUIT
	<
	EOF
	bs <"$BATS_TEST_TMPDIR/script"
	[ "$status" -eq 0 ]
	replies "S: 220 * ESMTP postern" "S: 250-*" "S: 250-*" "S: 250-*" \
		"S: 250-*" "S: 250 *" \
		"S: 250 2.1.0 Ok" "S: 250 2.1.5 Ok" "S: 354 *" "S: 250 2.0.0 Ok: delivered to 1 recipient*" \
		"S: 250 2.1.0 Ok" "S: 250 2.1.5 Ok" "S: 354 *" "S: 250 2.0.0 Ok: delivered to 1 recipient*" \
		"S: 221 2.0.0 Bye" "S-EOF" "exit 0"
	fault_wait_sessions
	# Message 1 over session 1, message 2 over session 2, once each.
	ls "$FAULT_DIR"
	[ "$(ls "$FAULT_DIR"/msg-*.env | wc -l)" -eq 2 ]
	grep -q 'Subject: tok-bs-r1' "$FAULT_DIR/msg-1-1.wire"
	grep -q 'Subject: tok-bs-r2' "$FAULT_DIR/msg-2-1.wire"
	grep -qx 'C: QUIT' "$FAULT_DIR/session-2.log"
}

# A message for another account (chosen by MAIL FROM, as -f chooses it)
# closes the session and opens one; the same account again reuses it.
@test "another account's message: a new upstream session, the first one QUIT" {
	echo '{}' >"$BATS_TEST_TMPDIR/scenario.json"
	fault_start "$BATS_TEST_TMPDIR/scenario.json" "$BATS_TEST_TMPDIR/fault" --well-behaved
	acct() {
		TB_USER=$1 TB_PASS="s3cret p@ss" tb_account port "$FAULT_PORT" \
			ipv6 off tls_trust_file "$FAULT_CERT_DIR/ca.crt" auth plain
	}
	submit_config "$(acct alice@example.test)" \
		"$(acct carol@example.test | sed 's/^account default$/account other/')"
	bs <<-'EOF2'
	<
	> EHLO [127.0.0.1]
	<
	> MAIL FROM:<alice@example.test>
	<
	> RCPT TO:<bob@example.test>
	<
	> DATA
	<
	msg tok-bs-a1
	<
	> MAIL FROM:<carol@example.test>
	<
	> RCPT TO:<bob@example.test>
	<
	> DATA
	<
	msg tok-bs-c1
	<
	> MAIL FROM:<carol@example.test>
	<
	> RCPT TO:<bob@example.test>
	<
	> DATA
	<
	msg tok-bs-c2
	<
	> QUIT
	<
	EOF2
	[ "$status" -eq 0 ]
	[ "$(grep -c '^S: 250 2.0.0 Ok: delivered to 1 recipient' <<<"$output")" -eq 3 ]
	fault_wait_sessions
	ls "$FAULT_DIR"
	[ "$(ls "$FAULT_DIR"/msg-*.env | wc -l)" -eq 3 ]
	grep -q '^mail=<alice@example.test>' "$FAULT_DIR/msg-1-1.env"
	grep -qx 'auth_user=alice@example.test' "$FAULT_DIR/msg-1-1.env"
	grep -qx 'C: QUIT' "$FAULT_DIR/session-1.log"
	grep -q '^mail=<carol@example.test>' "$FAULT_DIR/msg-2-1.env"
	grep -qx 'auth_user=carol@example.test' "$FAULT_DIR/msg-2-2.env"
	grep -q 'Subject: tok-bs-c2' "$FAULT_DIR/msg-2-2.wire"
	grep -qx 'C: QUIT' "$FAULT_DIR/session-2.log"
}

# The server drops the kept session at the next message's MAIL (EOF, no
# reply; no CHUNKING, so nothing of the body went out): nothing of the
# message was taken, so it goes once more over a new session, 250.
@test "the kept session dropped at the next MAIL: sent again over a new one, once" {
	echo '{"sessions": {"1": {"replies": {"mail#2": {"drop": "after"}}}}}' >"$BATS_TEST_TMPDIR/scenario.json"
	fault_start "$BATS_TEST_TMPDIR/scenario.json" "$BATS_TEST_TMPDIR/fault" --well-behaved
	submit_config "$(TB_USER=alice@example.test TB_PASS="s3cret p@ss" tb_account port "$FAULT_PORT" ipv6 off tls_trust_file "$FAULT_CERT_DIR/ca.crt" auth plain)"
	bs <<-'EOF2'
	<
	> EHLO [127.0.0.1]
	<
	> MAIL FROM:<alice@example.test>
	<
	> RCPT TO:<bob@example.test>
	<
	> DATA
	<
	msg tok-bs-f1
	<
	> MAIL FROM:<alice@example.test>
	<
	> RCPT TO:<carol@example.test>
	<
	> DATA
	<
	msg tok-bs-f2
	<
	> QUIT
	<
	EOF2
	[ "$status" -eq 0 ]
	[ "$(grep -c '^S: 250 2.0.0 Ok: delivered to 1 recipient' <<<"$output")" -eq 2 ]
	fault_wait_sessions
	ls "$FAULT_DIR"
	[ "$(ls "$FAULT_DIR"/msg-*.env | wc -l)" -eq 2 ]
	grep -q 'Subject: tok-bs-f1' "$FAULT_DIR/msg-1-1.wire"
	grep -q 'Subject: tok-bs-f2' "$FAULT_DIR/msg-2-1.wire"
	[ "$(grep -c '^C: MAIL FROM:' "$FAULT_DIR/session-1.log")" -eq 2 ]
	grep -qx -- '-- dropped by server' "$FAULT_DIR/session-1.log"
	! grep -q '^C: DATA' "$FAULT_DIR/session-1.log" ||
		[ "$(grep -c '^C: DATA' "$FAULT_DIR/session-1.log")" -eq 1 ]
}
