#!/usr/bin/env bats
# harness_postfix.bats: proof that the Postfix + Dovecot test bed is real.
#
# Talks to it with Debian's python3 smtplib (no postern involved): TLS is
# verified against TB_CA and the name localhost, AUTH goes through Dovecot,
# and every delivered message is checked in the capture files.

load lib/common
load lib/postfix

setup_file() {
	postfix_start
	# Small python helpers shared by the tests (imported as "tb").
	cat >"$BATS_FILE_TMPDIR/tb.py" <<'EOF'
import base64, hashlib, hmac, os, smtplib, ssl, sys

E = os.environ
MSG = ('From: Alice <alice@example.test>\r\nTo: bob@example.test\r\n'
       'Subject: {tok}\r\n\r\nbody line 1\r\n.dot line\r\n')

def ctx(cafile=None):
    """Verifying context: CA file and host name (default on)."""
    return ssl.create_default_context(cafile=cafile or E['TB_CA'])

def submission(port=None, tls=True, cafile=None):
    s = smtplib.SMTP('localhost', int(port or E['TB_SUBMISSION_PORT']),
                     timeout=10)
    s.ehlo('client.example.test')
    if tls:
        s.starttls(context=ctx(cafile))
        s.ehlo('client.example.test')
    return s

def smtps(port=None, cafile=None):
    s = smtplib.SMTP_SSL('localhost', int(port or E['TB_SMTPS_PORT']),
                         context=ctx(cafile), timeout=10)
    s.ehlo('client.example.test')
    return s

def scram_sha256(s, user, password):
    """AUTH SCRAM-SHA-256 (RFC 5802/7677) by hand; returns the 235 reply."""
    b64 = lambda b: base64.b64encode(b).decode()
    nonce = b64(os.urandom(18))
    first = 'n=%s,r=%s' % (user, nonce)
    code, chal = s.docmd('AUTH', 'SCRAM-SHA-256 ' + b64(b'n,,' + first.encode()))
    assert code == 334, (code, chal)
    server_first = base64.b64decode(chal).decode()
    f = dict(kv.split('=', 1) for kv in server_first.split(','))
    assert f['r'].startswith(nonce)
    salted = hashlib.pbkdf2_hmac('sha256', password.encode(),
                                 base64.b64decode(f['s']), int(f['i']))
    mac = lambda k, m: hmac.new(k, m.encode(), hashlib.sha256).digest()
    client_key = mac(salted, 'Client Key')
    final = 'c=biws,r=' + f['r']
    auth_msg = ','.join((first, server_first, final))
    sig = mac(hashlib.sha256(client_key).digest(), auth_msg)
    proof = bytes(a ^ b for a, b in zip(client_key, sig))
    code, chal = s.docmd(b64((final + ',p=' + b64(proof)).encode()))
    assert code == 334, (code, chal)
    want = 'v=' + b64(mac(mac(salted, 'Server Key'), auth_msg))
    assert base64.b64decode(chal).decode() == want, 'bad server signature'
    return s.docmd('')
EOF
	export PYTHONPATH="$BATS_FILE_TMPDIR"
}

teardown_file() {
	teardown_try postfix_stop
}

setup() {
	postfix_setup
	tok="tok-$BATS_TEST_NUMBER-$$-$RANDOM"
}

# env_get KEY: the value of KEY= in the delivered message's .env.
env_get() {
	sed -n "s/^$1=//p" "$mail_env"
}

@test "submission: STARTTLS + AUTH PLAIN, verified cert, exact envelope" {
	run "$PYTHON3" - "$tok" <<'EOF'
import sys, tb
s = tb.submission()
cert = s.sock.getpeercert()          # only set when verification passed
print('san', sorted(v for k, v in cert['subjectAltName']))
s.user, s.password = tb.E['TB_USER'], tb.E['TB_PASS']
print('auth', s.auth('PLAIN', s.auth_plain)[0])
msg = tb.MSG.format(tok=sys.argv[1])
print('refused', s.sendmail('alice@example.test',
      ['bob@example.test', 'carol@other.test'], msg))
s.quit()
open(tb.E['BATS_FILE_TMPDIR'] + '/sent-' + sys.argv[1], 'w').write(
    msg.replace('\r\n', '\n'))
EOF
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"san ['0:0:0:0:0:0:0:1', '127.0.0.1', 'localhost']"* ]]
	[[ "$output" == *"auth 235"* ]]
	[[ "$output" == *"refused {}"* ]]

	wait_mail "$tok"
	cat "$mail_env"
	[ "$(env_get sender)" = alice@example.test ]
	[ "$(env_get recipient | sort | tr '\n' ' ')" = \
		"bob@example.test carol@other.test " ]
	[ "$(env_get sasl_username)" = alice@example.test ]
	[ "$(env_get sasl_method)" = PLAIN ]
	[ "$(env_get client_address)" = 127.0.0.1 ]
	# Exactly one Received: header was added, saying TLS + AUTH.
	received=$(sed -n '1,/^[^ \t]/{/^Received:/,/^[^ \t]/p}' "$mail_eml")
	[[ "$received" == *"using TLS"* ]]
	[[ "$received" == *"by submission.$TB_HOSTNAME (Postfix) with ESMTPSA"* ]]
	[[ "$received" == *"(Authenticated sender: alice@example.test)"* ]]
	# The rest is byte for byte what was sent (LF line ends, dots undone).
	awk 'h && /^[^ \t]/ { h = 0 } NR == 1 { h = 1 } !h' "$mail_eml" \
		>"$BATS_TEST_TMPDIR/body"
	diff -u "$BATS_FILE_TMPDIR/sent-$tok" "$BATS_TEST_TMPDIR/body"
	[ "$(grep -c '^Received:' "$mail_eml")" -eq 1 ]
}

@test "smtps: implicit TLS + AUTH LOGIN as bob" {
	run "$PYTHON3" - "$tok" <<'EOF'
import sys, tb
s = tb.smtps()
s.user, s.password = tb.E['TB_USER2'], tb.E['TB_PASS2']
print('auth', s.auth('LOGIN', s.auth_login, initial_response_ok=False)[0])
print('refused', s.sendmail('bob@example.test', ['alice@example.test'],
      tb.MSG.format(tok=sys.argv[1])))
s.quit()
EOF
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"auth 235"* ]]
	wait_mail "$tok"
	[ "$(env_get sasl_method)" = LOGIN ]
	[ "$(env_get sasl_username)" = bob@example.test ]
	[ "$(env_get recipient)" = alice@example.test ]
	grep -q "by smtps.$TB_HOSTNAME (Postfix) with ESMTPSA" "$mail_eml"
}

@test "smtps: AUTH SCRAM-SHA-256 (server signature verified)" {
	[[ " $TB_AUTH_MECHS " == *" scram-sha-256 "* ]] ||
		skip "TB_AUTH_MECHS has no scram-sha-256"
	run "$PYTHON3" - "$tok" <<'EOF'
import sys, tb
s = tb.smtps()
print('mechs', s.esmtp_features['auth'])
print('auth', tb.scram_sha256(s, tb.E['TB_USER'], tb.E['TB_PASS'])[0])
s.sendmail('alice@example.test', ['bob@example.test'],
           tb.MSG.format(tok=sys.argv[1]))
s.quit()
EOF
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"SCRAM-SHA-256"* ]]
	[[ "$output" == *"auth 235"* ]]
	wait_mail "$tok"
	[ "$(env_get sasl_method)" = SCRAM-SHA-256 ]
	[ "$(env_get sasl_username)" = alice@example.test ]
}

@test "submission: no AUTH before TLS, MAIL before STARTTLS gets 530" {
	run "$PYTHON3" - <<'EOF'
import tb
s = tb.submission(tls=False)
print('features', sorted(s.esmtp_features))
print('mail', s.mail('alice@example.test'))
EOF
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"'starttls'"* ]]
	[[ "$output" != *"'auth'"* ]]
	[[ "$output" == *"mail (530, b'5.7.0 Must issue a STARTTLS command first')"* ]]
}

@test "submission: TLS without AUTH is refused, nothing delivered" {
	run "$PYTHON3" - "$tok" <<'EOF'
import sys, tb
s = tb.submission()
print('features', sorted(s.esmtp_features))
print('mail', s.mail('alice@example.test'))
EOF
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"'auth'"* ]]
	[[ "$output" == *"mail (554, b'5.7.1 <alice@example.test>: Sender address rejected: Access denied')"* ]]
}

@test "plain port: no STARTTLS, no AUTH, delivers without sasl_username" {
	run "$PYTHON3" - "$tok" <<'EOF'
import smtplib, sys, tb
s = smtplib.SMTP('127.0.0.1', int(tb.E['TB_PLAIN_PORT']), timeout=10)
s.ehlo('client.example.test')
print('features', sorted(s.esmtp_features))
s.sendmail('', ['bob@example.test'], tb.MSG.format(tok=sys.argv[1]))
s.quit()
EOF
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"'size'"* ]]
	[[ "$output" != *"'starttls'"* ]]
	[[ "$output" != *"'auth'"* ]]
	wait_mail "$tok"
	cat "$mail_env"
	grep -qx 'sender=' "$mail_env"
	grep -qx 'sasl_username=' "$mail_env"
	grep -q "by plain.$TB_HOSTNAME (Postfix) with ESMTP id" "$mail_eml"
	[ -z "$(grep 'using TLS' "$mail_eml")" ]
}

@test "bad-cert ports fail verification for the right reason" {
	run "$PYTHON3" - <<'EOF'
import ssl, tb
E = tb.E
cases = [('WRONGCA', 'unable to get local issuer certificate'),
         ('EXPIRED', 'certificate has expired'),
         ('OTHERHOST', "Hostname mismatch, certificate is not valid for 'localhost'")]
for kind, want in cases:
    for svc in ('SUBMISSION', 'SMTPS'):
        port = E['TB_%s_%s_PORT' % (svc, kind)]
        try:
            (tb.submission if svc == 'SUBMISSION' else tb.smtps)(port)
            print('FAIL', svc, kind, 'verified')
        except ssl.SSLCertVerificationError as e:
            print('ok' if e.verify_message.startswith(want) else 'FAIL',
                  svc, kind, e.verify_message)
# Control: the wrong-CA ports do verify against the wrong CA.
for s in (tb.submission(E['TB_SUBMISSION_WRONGCA_PORT'], cafile=E['TB_WRONG_CA']),
          tb.smtps(E['TB_SMTPS_WRONGCA_PORT'], cafile=E['TB_WRONG_CA'])):
    print('ok control', s.sock.getpeercert()['issuer'])
EOF
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(grep -c '^ok' <<<"$output")" -eq 8 ]
	[[ "$output" != *FAIL* ]]
	[[ "$output" == *"postern WRONG test CA"* ]]
}

@test "magic addresses: 550/450 at RCPT, 553/451 at MAIL, nothing delivered" {
	run "$PYTHON3" - "$tok" <<'EOF'
import smtplib, sys, tb
s = tb.submission()
s.login(tb.E['TB_USER'], tb.E['TB_PASS'])
for frm in ('reject@example.test', 'tempfail@example.test'):
    print('mail', frm, s.mail(frm)); s.rset()
s.mail('alice@example.test')
for to in ('reject@example.test', 'tempfail@example.test'):
    print('rcpt', to, s.rcpt(to))
try:
    s.data(tb.MSG.format(tok=sys.argv[1]))
except smtplib.SMTPDataError as e:
    print('data', e.args)
s.quit()
EOF
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"mail reject@example.test (553, b'5.7.1 <reject@example.test>: Sender address rejected: Sender rejected by the test bed')"* ]]
	[[ "$output" == *"mail tempfail@example.test (451, b'4.3.0 "* ]]
	[[ "$output" == *"rcpt reject@example.test (550, b'5.1.1 <reject@example.test>: Recipient address rejected: Recipient rejected by the test bed')"* ]]
	[[ "$output" == *"rcpt tempfail@example.test (450, b'4.2.1 "* ]]
	[[ "$output" == *"data (554, b'5.5.1 Error: no valid recipients')"* ]]
	assert_no_mail "$tok"
}

@test "assert_no_mail notices a delivered message" {
	run "$PYTHON3" - "$tok" <<'EOF'
import smtplib, sys, tb
s = smtplib.SMTP('127.0.0.1', int(tb.E['TB_PLAIN_PORT']), timeout=10)
s.sendmail('x@example.test', ['bob@example.test'], tb.MSG.format(tok=sys.argv[1]))
s.quit()
EOF
	[ "$status" -eq 0 ]
	run assert_no_mail "$tok"
	[ "$status" -eq 1 ]
	[[ "$output" == *"delivered although it should not be"* ]]
}

@test "every Postfix listener is loopback, Dovecot has no TCP/UDP socket" {
	master=$(tr -d ' ' <"$TB_DIR/postfix/spool/pid/master.pid")
	dovecot=$(cat "$TB_DIR/dovecot/run/master.pid")
	run ss -Hltnp
	mine=$(grep "pid=$master," <<<"$output" | awk '{ print $4 }')
	echo "$mine"
	n=9
	[ "$TB_IPV6" = yes ] && n=18
	[ "$(wc -l <<<"$mine")" -eq "$n" ]
	[ -z "$(grep -Ev '^(127\.0\.0\.1|\[::1\]):[0-9]+$' <<<"$mine")" ]
	# Dovecot: only unix sockets, among them the auth socket for Postfix.
	sids=$(ps -o pid= -s "$dovecot" | tr -d ' ' | sed 's/.*/pid=&,/')
	[ -n "$sids" ]
	[ -z "$(ss -Htuanp | grep -F "$sids")" ]
	ss -Hlxp | grep -F "pid=$dovecot," | grep -q "$TB_DIR/dovecot/run/auth-postfix"
}

@test "postfix_stop leaves no process of the instance" {
	master=$(tr -d ' ' <"$TB_DIR/postfix/spool/pid/master.pid")
	dovecot=$(cat "$TB_DIR/dovecot/run/master.pid")
	etc=$TB_POSTFIX_CONFIG
	[ -n "$(ps -o pid= -s "$master")" ]
	postfix_stop
	[ "${TB_KEEP:-0}" = 1 ] || [ ! -e "$TB_DIR" ]
	# Nothing alive (zombies waiting for PID 1 do not count).
	run ps -o pid=,stat=,args= -s "$master,$dovecot"
	echo "$output"
	[ -z "$(awk '$2 !~ /^Z/' <<<"$output")" ]
	[ -z "$(grep -lzxF "MAIL_CONFIG=$etc" /proc/[0-9]*/environ 2>/dev/null)" ]
}
