#!/usr/bin/env bats
# idn.bats: international mail end to end (issue 7).
#
# Two Postfix + Dovecot test beds, one with smtputf8_enable = yes and one
# with no (TB_SMTPUTF8), receive a UTF-8 local part and IDN domains; the
# delivered envelope and header bytes are asserted. A server host given
# in U-labels reaches the fault server, whose certificate is issued for
# the A-label name only (mkcerts.sh idn-server.crt): the name resolves to
# loopback through a private mount namespace (unshare -m) with its own
# /etc/hosts, so the machine's resolver files are never touched; that
# test needs root and unshare, and skips saying so otherwise.
# tls_host_override in U-labels needs no namespace. A Japanese -F name
# arrives as an RFC 2047 encoded-word; bad names fail with libidn2's
# reason; from, local_domain, aliases and -f take U-labels.

load lib/common
load lib/postfix
load lib/faultserver
load lib/submit
bats_require_minimum_version 1.5.0

ULABEL=例え.example.test
ALABEL=xn--r8jz45g.example.test

setup_file() {
	# The "no" bed first; its TB_* are kept under NO_*.
	export TB_SMTPUTF8=no
	postfix_start || return 1
	export NO_TB_DIR=${TB_DIR:-} NO_PORT=${TB_SUBMISSION_PORT:-}
	export NO_CA=${TB_CA:-} NO_LOG=${TB_MAILLOG:-}
	# The first bed's TB_* (its ports) must not steer the second one.
	# shellcheck disable=SC2046
	unset $(compgen -v TB_)
	export TB_SMTPUTF8=yes
	postfix_start || return 1
	fault_certs "$BATS_FILE_TMPDIR/certs"
}

teardown_file() {
	postfix_stop
	[ -z "${NO_TB_DIR:-}" ] || TB_DIR=$NO_TB_DIR postfix_stop
}

setup() {
	hermetic_env
	IN=$BATS_TEST_TMPDIR/in
	TOKEN=idn-$BATS_TEST_NUMBER-$$
	printf 'Subject: %s\n\nhello\n' "$TOKEN" >"$IN"
}

teardown() {
	fault_stop
}

# no_bed: point the helpers (wait_mail, tb_account) at the "no" bed.
no_bed() {
	TB_DIR=$NO_TB_DIR
	TB_SUBMISSION_PORT=$NO_PORT
	TB_CA=$NO_CA
	TB_MAILLOG=$NO_LOG
	grep -qx 'smtputf8_enable = no' "$TB_DIR/postfix/etc/main.cf"
}

@test "bed with SMTPUTF8: UTF-8 local part and IDN domains go as UTF-8" {
	postfix_setup
	grep -qx 'smtputf8_enable = yes' "$TB_DIR/postfix/etc/main.cf"
	submit_config "$(tb_account)"
	printf 'To: 用户@%s\nSubject: %s\n\nhello\n' "$ULABEL" "$TOKEN" >"$IN"
	send -v -i "用户@$ULABEL" "bob@bücher.example"
	[ "$status" -eq 0 ]
	wait_mail "$TOKEN"
	env_is sender "$TB_USER"
	env_rcpts "用户@$ULABEL" "bob@bücher.example"
	delivered_message
	grep -qx "To: 用户@$ULABEL" "$BATS_TEST_TMPDIR/got.eml"
	grep -qx "From: $TB_USER" "$BATS_TEST_TMPDIR/got.eml"
	# On the wire: SMTPUTF8 on MAIL, the addresses as they were given.
	[[ "$stderr" == *"--> MAIL FROM:<$TB_USER> SIZE="*" BODY=8BITMIME SMTPUTF8"$'\n'* ]]
	[[ "$stderr" == *"--> RCPT TO:<用户@$ULABEL>"$'\n'* ]]
}

@test "bed without SMTPUTF8: A-label domains; a UTF-8 local part is refused alone (553 5.6.7)" {
	postfix_setup
	no_bed
	submit_config "$(tb_account)"
	send -v -i "用户@$ULABEL" "bob@bücher.example" "carol@$ULABEL"
	[ "$status" -eq 0 ] # partial refusal: a bounce notice, exit 0
	[[ "$stderr" == *"--> MAIL FROM:<$TB_USER> SIZE="*[0-9]$'\n'* ]]
	[[ "$stderr" == *"--> RCPT TO:<bob@xn--bcher-kva.example>"$'\n'* ]]
	[[ "$stderr" != *"RCPT TO:<用户"* ]]
	[[ "$stderr" == *"delivered to 2 of 3 recipients; refused 用户@$ULABEL: 553 5.6.7 <用户@$ULABEL>: non-ASCII local part needs SMTPUTF8, which "*" does not offer; not sent"* ]]
	wait_mail "$TOKEN"
	env_is sender "$TB_USER"
	env_rcpts "bob@xn--bcher-kva.example" "carol@$ALABEL"
	delivered_message
	# The header is ASCII: the generated From, no raw UTF-8 anywhere.
	grep -qx "From: $TB_USER" "$BATS_TEST_TMPDIR/got.eml"
	! LC_ALL=C grep -q $'[\x80-\xff]' "$BATS_TEST_TMPDIR/got.eml"
	! grep -q "用户" "$mail_env"
}

@test "bed without SMTPUTF8: a sender in U-labels goes as A-labels, its From too" {
	postfix_setup
	no_bed
	submit_config "$(tb_account from "alice@$ULABEL")"
	send -i "bob@$ULABEL"
	[ "$status" -eq 0 ]
	wait_mail "$TOKEN"
	env_is sender "alice@$ALABEL"
	env_rcpts "bob@$ALABEL"
	delivered_message
	grep -qx "From: alice@$ALABEL" "$BATS_TEST_TMPDIR/got.eml"
	grep -q "^Message-ID: <.*@$ALABEL>\$" "$BATS_TEST_TMPDIR/got.eml"
}

@test "bed without SMTPUTF8: a UTF-8 sender or header address fails the message (65)" {
	postfix_setup
	no_bed
	submit_config "$(tb_account)"
	send -i -f "jörg@$ULABEL" "bob@$ULABEL"
	[ "$status" -eq 65 ]
	[[ "$stderr" == "postern: sender <jörg@$ULABEL>: non-ASCII local part needs SMTPUTF8, which "*" does not offer"* ]]
	printf 'To: 用户@%s\nSubject: %s\n\nhello\n' "$ULABEL" "$TOKEN" >"$IN"
	send -i "bob@$ULABEL"
	[ "$status" -eq 65 ]
	[[ "$stderr" == "postern: the message header holds a UTF-8 address, which needs SMTPUTF8, and "*" does not offer it"* ]]
	assert_no_mail "$TOKEN"
}

@test "a Japanese -F display name arrives as a valid encoded-word" {
	postfix_setup
	submit_config "$(tb_account)"
	send -i -F "山田 太郎" "bob@$ULABEL"
	[ "$status" -eq 0 ]
	wait_mail "$TOKEN"
	delivered_message
	grep -qx "From: =?UTF-8?B?5bGx55SwIOWkqumDjg==?= <$TB_USER>" \
		"$BATS_TEST_TMPDIR/got.eml"
	# Python's mail parser decodes it back to the same name.
	run "$PYTHON3" -c '
import email, email.policy, sys
m = email.message_from_binary_file(open(sys.argv[1], "rb"),
                                   policy=email.policy.default)
print(m["From"])' "$BATS_TEST_TMPDIR/got.eml"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "山田 太郎 <$TB_USER>" ]
}

# The fault server with the certificate for the A-label name only.
idn_fault() {
	fault_start "" "$BATS_TEST_TMPDIR/fault" --well-behaved \
		--user "$TB_USER" --password "$TB_PASS" \
		--cert "$FAULT_CERT_DIR/idn-server.crt" \
		--key "$FAULT_CERT_DIR/idn-server.key"
}

@test "tls_host_override in U-labels verifies a certificate issued for the A-label" {
	postfix_setup
	idn_fault
	submit_config "$(tb_account host 127.0.0.1 port "$FAULT_PORT" \
		tls_trust_file "$FAULT_CERT_DIR/ca.crt" ipv6 off \
		tls_host_override "$ULABEL")"
	send -i "bob@$ULABEL"
	[ "$status" -eq 0 ]
	fault_wait_sessions
	[ "$(fault_env rcpt)" = "<bob@$ALABEL>" ]
	# The same server under another name is refused: the check is real.
	submit_config "$(tb_account host 127.0.0.1 port "$FAULT_PORT" \
		tls_trust_file "$FAULT_CERT_DIR/ca.crt" ipv6 off \
		tls_host_override "otherhost.example.test")"
	send -i "bob@$ULABEL"
	assert_tls_refused
	[[ "$stderr" == *"otherhost.example.test: TLS certificate refused"* ]]
}

@test "a server host in U-labels resolves as its A-label and its certificate verifies" {
	postfix_setup
	[ "$(id -u)" = 0 ] || require_or_skip "a private mount namespace needs root"
	command -v unshare >/dev/null || require_cmd unshare util-linux
	unshare -m true 2>/dev/null ||
		require_or_skip "unshare -m is not permitted here"
	idn_fault
	submit_config "$(tb_account host "$ULABEL" port "$FAULT_PORT" \
		tls_trust_file "$FAULT_CERT_DIR/ca.crt" ipv6 off)"
	printf '127.0.0.1 %s\n' "$ALABEL" >"$BATS_TEST_TMPDIR/hosts"
	# shellcheck disable=SC2016 # expanded by the inner shell
	run --separate-stderr unshare -m sh -c \
		'mount --bind "$1" /etc/hosts && exec "$3" -v -i "$4" <"$2"' \
		sh "$BATS_TEST_TMPDIR/hosts" "$IN" "$POSTERN" "bob@$ULABEL"
	[ "$status" -eq 0 ]
	[[ "$stderr" == *"connected to $ULABEL (127.0.0.1"* ]]
	fault_wait_sessions
	[ "$(fault_env rcpt)" = "<bob@$ALABEL>" ]
	grep -q "^-- TLS started" "$(fault_transcript)"
	# Without the namespace the name does not resolve: 68, naming it.
	send -i "bob@$ULABEL"
	[ "$status" -eq 68 ]
	[[ "$stderr" == "postern: cannot resolve $ULABEL: "* ]]
}

@test "invalid names: the error names the host or address and libidn2's reason" {
	submit_config "$(printf 'account default\nhost a☃.example\nfrom me@example.org')"
	send -i bob@example.org
	[ "$status" -eq 78 ]
	[[ "$stderr" == 'postern: host "a☃.example": not a valid international domain name: string contains a disallowed character'* ]]
	submit_config "$(printf 'account default\nhost 127.0.0.1\nfrom me@example.org')"
	send --dry-run "bob@١٢٣a.example"
	[ "$status" -eq 65 ]
	[ "$stderr" = 'postern: address <bob@١٢٣a.example>: domain "١٢٣a.example": not a valid international domain name: string has forbidden bi-directional properties' ]
	send --dry-run -f "me@ü-.example" bob@example.org
	[ "$status" -eq 65 ]
	[[ "$stderr" == *'<me@ü-.example>'*'hyphen'* ]]
	submit_config "$(printf 'account default\nhost 127.0.0.1\nfrom me@example.org\nlocal_domain ☃.example')"
	send --dry-run root
	[ "$status" -eq 65 ]
	[[ "$stderr" == 'postern: local_domain "☃.example": '*'disallowed character' ]]
}

@test "from, local_domain, aliases and -f accept U-labels" {
	printf 'root: 用户@%s, admin\n' "$ULABEL" >"$BATS_TEST_TMPDIR/aliases"
	submit_config "$(printf '%s\n' 'account default' 'host 127.0.0.1' \
		"from alice@$ULABEL" "local_domain $ULABEL" \
		"aliases $BATS_TEST_TMPDIR/aliases")"
	send --dry-run root
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" =~ ^"MAIL FROM:<alice@$ULABEL>"\ SIZE=[0-9]+\ SMTPUTF8$ ]]
	[ "${lines[1]}" = "RCPT TO:<用户@$ULABEL>" ]
	[ "${lines[2]}" = "RCPT TO:<admin@$ALABEL>" ]
	[[ "$output" == *$'\nFrom: alice@'"$ALABEL"$'\r\n'* ]]
	send --dry-run -f "jörg@$ULABEL" "bob@$ALABEL"
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" =~ ^"MAIL FROM:<jörg@$ULABEL>"\ SIZE=[0-9]+\ BODY=8BITMIME\ SMTPUTF8$ ]]
	[ "${lines[1]}" = "RCPT TO:<bob@$ALABEL>" ]
	[[ "$output" == *$'\nFrom: jörg@'"$ULABEL"$'\r\n'* ]]
	[[ "$output" == *$'\nMessage-ID: <'*"@$ALABEL>"$'\r\n'* ]]
}
