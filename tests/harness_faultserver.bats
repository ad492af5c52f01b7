#!/usr/bin/env bats
# The fault server does what it claims: each scripted fault is provoked
# with Python's smtplib or a raw socket and checked on the wire, in the
# transcript and in the recorded messages.

load lib/common
load lib/faultserver

setup_file() {
	fault_certs "$BATS_FILE_TMPDIR/certs"
}

setup() {
	hermetic_env
	SCEN=$BATS_TEST_TMPDIR/scenario.json
	CA=$FAULT_CERT_DIR/ca.crt
	export CA
}

teardown() {
	fault_stop
}

# scenario: the JSON scenario from stdin, then start the server with it.
scenario() {
	cat >"$SCEN"
	fault_start "$SCEN" "$BATS_TEST_TMPDIR/fault" "$@"
}

# py: run a Python client (script on stdin) with smtplib at hand.
py() {
	"$PYTHON3" -c '
import os, smtplib, socket, ssl, sys, time
PORT = int(os.environ["FAULT_PORT"])
def raw():
    s = socket.create_connection(("127.0.0.1", PORT), timeout=5)
    return s
def recv_reply(s):
    """Read until a complete final reply line arrives."""
    data = b""
    while True:
        chunk = s.recv(65536)
        if not chunk:
            return data
        data += chunk
        lines = data.split(b"\r\n")
        if len(lines) > 1 and len(lines[-2]) >= 4 and lines[-2][3:4] == b" ":
            return data
exec(sys.stdin.read())
' "$@"
}

@test "faultserver: custom greeting code and text" {
	scenario <<-'EOF'
	{"replies": {"greeting": {"code": 554, "text": "5.3.2 no service for you"}}}
	EOF
	run py <<-'EOF'
	try:
	    smtplib.SMTP("127.0.0.1", PORT, timeout=5)
	except smtplib.SMTPConnectError as e:
	    print(e.smtp_code, e.smtp_error.decode())
	EOF
	[ "$status" -eq 0 ]
	[ "$output" = "554 5.3.2 no service for you" ]
	fault_wait_sessions
	grep -qx 'S: 554 5.3.2 no service for you' "$(fault_transcript)"
}

@test "faultserver: one RCPT refused with 550, the other accepted" {
	scenario <<-'EOF'
	{"replies": {"rcpt:nobody@example.test":
	               {"code": 550, "text": "5.1.1 <nobody@example.test>: unknown"},
	             "rcpt#3": {"code": 450, "text": "4.2.1 try later"}}}
	EOF
	run py <<-'EOF'
	s = smtplib.SMTP("127.0.0.1", PORT, timeout=5)
	r = s.sendmail("a@example.test", ["bob@example.test", "NoBody@example.test",
	               "carol@example.test"], b"Subject: t\r\n\r\nhi\r\n")
	for k in sorted(r):
	    print(k, r[k][0], r[k][1].decode())
	s.quit()
	EOF
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "NoBody@example.test 550 5.1.1 <nobody@example.test>: unknown" ]
	[ "${lines[1]}" = "carol@example.test 450 4.2.1 try later" ]
	[ "${#lines[@]}" -eq 2 ]
	m=$(fault_message)
	[ "$(fault_env rcpt "$m")" = "<bob@example.test>" ]
	[ "$(fault_env rcpt_rejected "$m" | wc -l)" -eq 2 ]
	fault_env rcpt_rejected "$m" | grep -qx '<NoBody@example.test> 550'
	[ "$(fault_env mail "$m")" = "<a@example.test>" ]
	fault_wait_sessions
	grep -qx 'C: rcpt TO:<bob@example.test>' "$(fault_transcript)"
}

@test "faultserver: drop after MAIL closes without a reply" {
	scenario <<-'EOF'
	{"replies": {"mail": {"drop": true}}}
	EOF
	run py <<-'EOF'
	s = smtplib.SMTP("127.0.0.1", PORT, timeout=5)
	s.ehlo()
	try:
	    print(s.mail("a@example.test"))
	except smtplib.SMTPServerDisconnected as e:
	    print("disconnected")
	EOF
	[ "$status" -eq 0 ]
	[ "$output" = disconnected ]
	fault_wait_sessions
	t=$(fault_transcript)
	[ "$(tail -n3 "$t" | head -n2)" = "C: mail FROM:<a@example.test>
-- dropped by server" ]
	! ls "$FAULT_DIR" | grep -q '^msg-'
}

@test "faultserver: stall longer than the client timeout, stop is prompt" {
	scenario <<-'EOF'
	{"replies": {"data_end": {"sleep": 30}}}
	EOF
	run py <<-'EOF'
	s = smtplib.SMTP("127.0.0.1", PORT, timeout=5)
	s.ehlo(); s.mail("a@example.test"); s.rcpt("b@example.test")
	s.sock.settimeout(0.5)
	t0 = time.monotonic()
	try:
	    s.data(b"Subject: slow\r\n\r\nbody\r\n")
	    print("no timeout")
	except (socket.timeout, TimeoutError, smtplib.SMTPServerDisconnected) as e:
	    assert "timed out" in str(e), e
	    print("timeout after %.1f" % (time.monotonic() - t0))
	EOF
	[ "$status" -eq 0 ]
	# 0.5 s, give or take a loaded machine; never the 30 s stall
	[[ $output =~ ^timeout\ after\ (0\.[5-9]|[1-4]\.[0-9])$ ]]
	grep -q -- '-- stalling 30 s' "$(fault_transcript)"
	# the client has gone: the stall ends then, not 30 s later
	wait_until 20 file_has "$(fault_transcript)" '^-- client hung up during the stall$'
	# the message was complete before the stall; reply is the planned one
	[ "$(fault_env reply)" = "250 2.0.0 Ok: queued as S1M1" ]
	local t0=$SECONDS pid=$FAULT_PID
	fault_stop
	[ $((SECONDS - t0)) -lt 9 ] # SIGTERM worked: no SIGKILL at 10 s
	[ ! -e "/proc/$pid" ] || grep -q ') Z' "/proc/$pid/stat"
	grep -qx 'faultserver: stopped' "$BATS_TEST_TMPDIR/fault/server.log"
}

@test "faultserver: STARTTLS 220 with injected bytes in the same read" {
	scenario <<-'EOF'
	{"ehlo": ["PIPELINING", "STARTTLS"],
	 "replies": {"starttls": {"inject": "250-injected\r\n250 AUTH PLAIN\r\n"}}}
	EOF
	run py <<-'EOF'
	s = raw()
	recv_reply(s)
	s.sendall(b"EHLO client.test\r\n")
	recv_reply(s)
	s.sendall(b"STARTTLS\r\n")
	print(repr(s.recv(65536)))	# the first read has it all
	EOF
	[ "$status" -eq 0 ]
	[ "$output" = "b'220 2.0.0 Ready to start TLS\\r\\n250-injected\\r\\n250 AUTH PLAIN\\r\\n'" ]
	fault_wait_sessions
	t=$(fault_transcript)
	grep -qx 'S: 250-injected' "$t"
	grep -q -- '-- 30 bytes injected after the starttls reply' "$t"
	grep -q -- '-- TLS handshake failed' "$t"
}

@test "faultserver: STARTTLS 220 then close instead of the handshake" {
	scenario <<-'EOF'
	{"replies": {"starttls": {"tls": "close"}}}
	EOF
	run py <<-'EOF'
	s = smtplib.SMTP("127.0.0.1", PORT, timeout=5)
	try:
	    s.starttls(context=ssl.create_default_context(cafile=os.environ["CA"]))
	    print("TLS up")
	except (ssl.SSLError, OSError, smtplib.SMTPServerDisconnected) as e:
	    print("handshake failed")
	EOF
	[ "$status" -eq 0 ]
	[ "$output" = "handshake failed" ]
	fault_wait_sessions
	grep -qx 'S: 220 2.0.0 Ready to start TLS' "$(fault_transcript)"
	! grep -q 'TLS started' "$(fault_transcript)"
}

@test "faultserver: AUTH advertised before TLS but not after" {
	scenario <<-'EOF'
	{"ehlo": ["PIPELINING", "STARTTLS", "AUTH PLAIN LOGIN"],
	 "ehlo_tls": ["PIPELINING", "8BITMIME"]}
	EOF
	run py <<-'EOF'
	s = smtplib.SMTP("localhost", PORT, timeout=5)
	s.ehlo()
	print("before", s.has_extn("auth"), s.has_extn("starttls"))
	s.starttls(context=ssl.create_default_context(cafile=os.environ["CA"]))
	s.ehlo()
	print("after", s.has_extn("auth"), s.has_extn("starttls"), s.has_extn("8bitmime"))
	s.quit()
	EOF
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "before True True" ]
	[ "${lines[1]}" = "after False False True" ]
	fault_wait_sessions
	t=$(fault_transcript)
	# AUTH appears only above the TLS marker
	sed '/^-- TLS started/q' "$t" | grep -qx 'S: 250 AUTH PLAIN LOGIN'
	sed -n '/^-- TLS started/,$p' "$t" | grep -qx 'S: 250 8BITMIME'
	! sed -n '/^-- TLS started/,$p' "$t" | grep -q AUTH
}

@test "faultserver: BDAT chunks recorded with their exact bytes" {
	scenario <<-'EOF'
	{"ehlo": ["PIPELINING", "CHUNKING", "BINARYMIME"]}
	EOF
	run py <<-'EOF'
	c1 = b"Subject: chunks\r\n\r\nline one\r\n.\r\n"
	c2 = b"bare\nLF and \x00 NUL, no final CRLF"
	s = raw()
	recv_reply(s)
	for cmd in (b"EHLO c\r\n", b"MAIL FROM:<a@example.test> BODY=BINARYMIME\r\n",
	            b"RCPT TO:<b@example.test> NOTIFY=NEVER\r\n"):
	    s.sendall(cmd); recv_reply(s)
	s.sendall(b"BDAT %d\r\n" % len(c1) + c1)
	print(recv_reply(s).decode().strip())
	s.sendall(b"BDAT %d LAST\r\n" % len(c2) + c2)
	print(recv_reply(s).decode().strip())
	s.sendall(b"QUIT\r\n"); recv_reply(s)
	open(os.environ["BATS_TEST_TMPDIR"] + "/sent", "wb").write(c1 + c2)
	EOF
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "250 2.0.0 Ok: 32 octets" ]
	[ "${lines[1]}" = "250 2.0.0 Ok: queued as S1M1" ]
	m=$(fault_message)
	cmp "$BATS_TEST_TMPDIR/sent" "$m.wire"
	[ "$(fault_env transport "$m")" = BDAT ]
	[ "$(fault_env mail "$m")" = "<a@example.test> BODY=BINARYMIME" ]
	[ "$(fault_env rcpt "$m")" = "<b@example.test> NOTIFY=NEVER" ]
	[ "$(fault_env bare_lf "$m")" = 1 ]
	[ "$(fault_env nul "$m")" = 1 ]
	[ "$(fault_env size "$m")" = 64 ]
}

@test "faultserver: DATA recorded exactly as sent, dot-stuffing kept" {
	scenario </dev/null <<-'EOF'
	{}
	EOF
	run py <<-'EOF'
	body = (b"Subject: dots\r\n\r\n..leading dot\r\n..\r\n.. \r\n"
	        b"smuggle\n.\r\nstill body\r\n")
	s = raw()
	recv_reply(s)
	for cmd in (b"EHLO c\r\n", b"MAIL FROM:<>\r\n", b"RCPT TO:<b@example.test>\r\n",
	            b"DATA\r\n"):
	    s.sendall(cmd); recv_reply(s)
	s.sendall(body + b".\r\n")
	print(recv_reply(s).decode().strip())
	s.sendall(b"QUIT\r\n"); recv_reply(s)
	open(os.environ["BATS_TEST_TMPDIR"] + "/sent", "wb").write(body)
	EOF
	[ "$status" -eq 0 ]
	[ "$output" = "250 2.0.0 Ok: queued as S1M1" ]
	m=$(fault_message)
	cmp "$BATS_TEST_TMPDIR/sent" "$m.wire"
	printf 'Subject: dots\r\n\r\n.leading dot\r\n.\r\n. \r\nsmuggle\n\r\nstill body\r\n' \
		>"$BATS_TEST_TMPDIR/unstuffed"
	cmp "$BATS_TEST_TMPDIR/unstuffed" "$m.eml"
	[ "$(fault_env mail "$m")" = "<>" ]
	[ "$(fault_env bare_lf "$m")" = 1 ]
	fault_wait_sessions
	grep -qx 'C: smuggle \[no CRLF\]' "$(fault_transcript)"
}

@test "faultserver: PIPELINING answers in order, RSET gives a second message" {
	scenario <<-'EOF'
	{"replies": {"rcpt#2": {"code": 550, "text": "5.1.1 second rcpt refused"},
	             "data_end#2": {"code": 451, "text": "4.3.0 second message deferred"}}}
	EOF
	run py <<-'EOF'
	s = raw()
	recv_reply(s)
	s.sendall(b"EHLO c\r\n"); recv_reply(s)
	for n in (1, 2):
	    s.sendall(b"MAIL FROM:<a@example.test>\r\nRCPT TO:<b@example.test>\r\n"
	              b"RCPT TO:<c@example.test>\r\nDATA\r\n")
	    got = b""
	    while got.count(b"\r\n") < 4:
	        got += s.recv(4096)
	    print(got.decode().replace("\r\n", "|"))
	    s.sendall(b"Subject: %d\r\n\r\nbody\r\n.\r\nRSET\r\n" % n)
	    got = b""
	    while got.count(b"\r\n") < 2:
	        got += s.recv(4096)
	    print(got.decode().replace("\r\n", "|"))
	s.sendall(b"QUIT\r\n"); recv_reply(s)
	EOF
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "250 2.1.0 Ok|250 2.1.5 Ok|550 5.1.1 second rcpt refused|354 End data with <CR><LF>.<CR><LF>|" ]
	[ "${lines[1]}" = "250 2.0.0 Ok: queued as S1M1|250 2.0.0 Ok|" ]
	[ "${lines[2]}" = "${lines[0]}" ]
	[ "${lines[3]}" = "451 4.3.0 second message deferred|250 2.0.0 Ok|" ]
	[ "$(fault_message)" = "$FAULT_DIR/msg-1-2" ]
	[ "$(fault_env reply "$FAULT_DIR/msg-1-1")" = "250 2.0.0 Ok: queued as S1M1" ]
	[ "$(fault_env reply)" = "451 4.3.0 second message deferred" ]
	grep -qx $'Subject: 2\r' "$FAULT_DIR/msg-1-2.eml"
	grep -qx $'Subject: 1\r' "$FAULT_DIR/msg-1-1.eml"
}

@test "faultserver: refused EHLO, malformed and over-long replies, per-session overrides" {
	scenario <<-'EOF'
	{"refuse_ehlo": true,
	 "replies": {"helo": {"code": 250, "lines": ["fault.example.test"], "count": 1000},
	             "noop": {"code": 250, "text": "ok", "long": 2000},
	             "rset": {"raw": "25O broken\r\n"}},
	 "sessions": {"2": {"refuse_ehlo": false,
	                    "replies": {"greeting": {"code": 421, "text": "4.3.2 busy"}}}}}
	EOF
	run py <<-'EOF'
	s = smtplib.SMTP("127.0.0.1", PORT, timeout=5)
	code, msg = s.ehlo_or_helo_if_needed() or (None, None)
	print("helo_resp lines", len(s.helo_resp.split(b"\n")), "ehlo", s.does_esmtp)
	code, msg = s.noop()
	print("noop", code, len(msg))
	s.putcmd("RSET")
	print(repr(s.file.readline()))
	try:
	    smtplib.SMTP("127.0.0.1", PORT, timeout=5)
	except smtplib.SMTPConnectError as e:
	    print("second", e.smtp_code)
	EOF
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "helo_resp lines 1000 ehlo False" ]
	[ "${lines[1]}" = "noop 250 2000" ]
	[ "${lines[2]}" = "b'25O broken\\r\\n'" ]
	[ "${lines[3]}" = "second 421" ]
	grep -qx 'S: 502 5.5.2 Error: command not recognized' "$FAULT_DIR/session-1.log"
}

@test "faultserver: drop during the body, and after it without a reply" {
	scenario <<-'EOF'
	{"replies": {"data_end#1": {"drop": "before", "reset": true}},
	 "sessions": {"2": {"replies": {"data_end": {"drop": "after"}}}}}
	EOF
	run py <<-'EOF'
	body = b"Subject: big\r\n\r\n" + b"x" * 998 + b"\r\n"
	for n in (1, 2):
	    s = smtplib.SMTP("127.0.0.1", PORT, timeout=5)
	    s.ehlo(); s.mail("a@example.test"); s.rcpt("b@example.test")
	    try:
	        s.data(body * (4000 if n == 1 else 1))
	        print(n, "accepted")
	    except (smtplib.SMTPServerDisconnected, OSError) as e:
	        print(n, "lost")
	EOF
	[ "$status" -eq 0 ]
	[ "$output" = "1 lost
2 lost" ]
	fault_wait_sessions
	grep -qx -- '-- dropped by server (RST)' "$FAULT_DIR/session-1.log"
	# session 1 never read the message; session 2 recorded it, unanswered
	[ "$(fault_message)" = "$FAULT_DIR/msg-2-1" ]
	[ "$(fault_env reply)" = "none (dropped)" ]
	[ "$(fault_env size)" = 1016 ]
}

@test "faultserver: AUTH steps answered as scripted" {
	scenario <<-'EOF'
	{"ehlo": ["AUTH LOGIN PLAIN"],
	 "replies": {"auth_step#1": {"code": 334, "text": "c2NyaXB0ZWQ="},
	             "auth_result": {"code": 454, "text": "4.7.0 Temporary authentication failure"}}}
	EOF
	run py <<-'EOF'
	s = raw()
	recv_reply(s)
	s.sendall(b"EHLO c\r\n"); recv_reply(s)
	s.sendall(b"AUTH LOGIN\r\n"); print(recv_reply(s).decode().strip())
	s.sendall(b"dXNlcg==\r\n"); print(recv_reply(s).decode().strip())
	s.sendall(b"cGFzcw==\r\n"); print(recv_reply(s).decode().strip())
	EOF
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "334 VXNlcm5hbWU6" ]
	[ "${lines[1]}" = "334 c2NyaXB0ZWQ=" ]
	[ "${lines[2]}" = "454 4.7.0 Temporary authentication failure" ]
	fault_wait_sessions
	grep -qx 'C: cGFzcw==' "$(fault_transcript)"
	! grep -q 'authenticated as' "$(fault_transcript)"
}

@test "faultserver: implicit TLS from the first byte" {
	fault_start "" "$BATS_TEST_TMPDIR/fault" --tls implicit
	run py <<-'EOF'
	ctx = ssl.create_default_context(cafile=os.environ["CA"])
	s = smtplib.SMTP_SSL("localhost", PORT, timeout=5, context=ctx)
	print(s.sock.version(), s.ehlo()[0], s.has_extn("starttls"))
	s.quit()
	EOF
	[ "$status" -eq 0 ]
	[ "$output" = "TLSv1.3 250 False" ]
	fault_wait_sessions
	[ "$(head -n1 "$(fault_transcript)")" = "-- TLS started TLSv1.3 TLS_AES_256_GCM_SHA384" ]
}

@test "faultserver: well-behaved mode accepts an authenticated STARTTLS submission" {
	fault_start "" "$BATS_TEST_TMPDIR/fault" --well-behaved \
		--user alice@example.test --password 's3cret p@ss'
	run py <<-'EOF'
	ctx = ssl.create_default_context(cafile=os.environ["CA"])
	s = smtplib.SMTP("localhost", PORT, timeout=5)
	s.ehlo()
	print("pre-TLS auth:", s.has_extn("auth"))
	print("refused", s.mail("alice@example.test")[0])
	s.starttls(context=ctx)
	s.ehlo()
	print("mechs:", s.esmtp_features["auth"].strip())
	try:
	    s.login("alice@example.test", "wrong")
	except smtplib.SMTPAuthenticationError as e:
	    print("bad password", e.smtp_code)
	s.user, s.password = "alice@example.test", "s3cret p@ss"
	print(s.auth("PLAIN", s.auth_plain)[0])
	r = s.sendmail("alice@example.test", ["bob@example.test"],
	               b"Subject: hello\r\n\r\nwell behaved\r\n",
	               mail_options=["BODY=8BITMIME"], rcpt_options=[])
	print("refused:", r)
	s.quit()
	EOF
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "pre-TLS auth: False" ]
	[ "${lines[1]}" = "refused 530" ]
	[ "${lines[2]}" = "mechs: PLAIN LOGIN CRAM-MD5" ]
	[ "${lines[3]}" = "bad password 535" ]
	[ "${lines[4]}" = 235 ]
	[ "${lines[5]}" = "refused: {}" ]
	m=$(fault_message)
	[ "$(fault_env tls "$m")" = TLSv1.3 ]
	[ "$(fault_env auth_user "$m")" = alice@example.test ]
	[ "$(fault_env mail "$m")" = "<alice@example.test> size=32 BODY=8BITMIME" ]
	[ "$(fault_env rcpt "$m")" = "<bob@example.test>" ]
	printf 'Subject: hello\r\n\r\nwell behaved\r\n' | cmp - "$m.wire"
	fault_wait_sessions
	t=$(fault_transcript)
	# the AUTH payload (kept verbatim) was sent only after TLS started
	plain=$(printf '\0alice@example.test\0s3cret p@ss' | base64)
	sed -n '/^-- TLS started/,$p' "$t" | grep -qxF "C: AUTH PLAIN $plain"
	! sed '/^-- TLS started/q' "$t" | grep -q '^C: AUTH'
	grep -qx 'S: 530 5.7.0 Must issue a STARTTLS command first' "$t"
}

@test "faultserver: listens on ::1 too, same port" {
	grep -q '00000000000000000000000000000001' /proc/net/if_inet6 2>/dev/null ||
		require_or_skip "no ::1 on this host"
	fault_start "" "$BATS_TEST_TMPDIR/fault" --ipv6
	run py <<-'EOF'
	for host in ("127.0.0.1", "::1"):
	    s = smtplib.SMTP(host, PORT, timeout=5)
	    print(host, s.noop()[0])
	    s.quit()
	EOF
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "127.0.0.1 250" ]
	[ "${lines[1]}" = "::1 250" ]
	run "$PYTHON3" "$SERVERS/faultserver.py" --out "$BATS_TEST_TMPDIR/x" \
		--listen 0.0.0.0
	[ "$status" -ne 0 ]
	[[ $output == *"refusing non-loopback"* ]]
}

@test "faultserver: split sends a reply one byte per write, filler adds lines" {
	scenario <<-'EOF2'
	{"replies": {"greeting": {"split": 1, "split_delay": 0.005},
	             "noop": {"filler": 10000, "text": "2.0.0 last"}}}
	EOF2
	run py <<-'EOF2'
	s = raw()
	reads = []
	data = b""
	while not data.endswith(b"\r\n"):
	    chunk = s.recv(65536)
	    reads.append(len(chunk))
	    data += chunk
	# one byte per write (the transcript line below); a loaded machine
	# may still deliver two in one read, so only "many reads" here
	print(len(reads) > 10, data.decode().rstrip())
	s.sendall(b"NOOP\r\n")
	rep = recv_reply(s).split(b"\r\n")
	print(len(rep) - 1, rep[0].decode(), rep[-2].decode())
	EOF2
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "True 220 fault.example.test ESMTP postern-faultserver" ]
	[ "${lines[1]}" = "10001 250-filler 0 250 2.0.0 last" ]
	fault_wait_sessions
	grep -q '^-- reply split into 50 writes of <= 1 bytes$' "$(fault_transcript)"
}

@test "faultserver: accept false stalls connect; tls stall says nothing" {
	scenario <<<'{"accept": false}'
	run py <<-'EOF2'
	try:
	    socket.create_connection(("127.0.0.1", PORT), timeout=1)
	    print("connected")
	except (socket.timeout, TimeoutError):
	    print("timed out")
	EOF2
	[ "$output" = "timed out" ]
	fault_stop
	scenario <<<'{"replies": {"starttls": {"tls": "stall", "tls_sleep": 1}}}'
	run py <<-'EOF2'
	s = raw()
	recv_reply(s)
	s.sendall(b"EHLO x\r\n"); recv_reply(s)
	s.sendall(b"STARTTLS\r\n"); print(recv_reply(s).decode().rstrip())
	t = time.time(); rest = s.recv(100)
	print(rest, round(time.time() - t) >= 1)
	EOF2
	[ "${lines[0]}" = "220 2.0.0 Ready to start TLS" ]
	[ "${lines[1]}" = "b'' True" ]
}
