#!/usr/bin/env bats
# smtp_engine.bats: the SMTP engine (src/smtp*.c, net.c, tls.c, sasl*.c)
# against the real Postfix + Dovecot test bed, through the test-only
# driver tests/unit/smtp_probe (main.c is not needed). Covers STARTTLS
# and implicit TLS, IPv6, AUTH PLAIN/LOGIN/SCRAM-SHA-1/SCRAM-SHA-256,
# pinning, certificate refusals (wrong CA, expired, other host) with
# EX_NOPERM, bad password, partial delivery, and the redacted transcript.

load lib/common
load lib/postfix

setup_file() {
	postfix_start
}

setup() {
	postfix_setup
	hermetic_env
	PROBE="$POSTERN_BUILDDIR/tests/unit/smtp_probe"
	[ -x "$PROBE" ] || require_or_skip "smtp_probe not built (make check builds it)"
	export SMTP_PROBE_PASSWORD="$TB_PASS"
	MSG="$BATS_TEST_TMPDIR/msg.eml"
}

teardown_file() {
	teardown_try postfix_stop
}

# make_msg TOKEN: a canonical CRLF message with a dot line and 8-bit text.
make_msg() {
	printf 'From: alice@example.test\r\nTo: bob@example.test\r\nSubject: %s\r\n\r\n.dot line\r\n..two dots\r\nbody \303\251\r\n' \
		"$1" >"$MSG"
}

# probe ARGS...: submit $MSG from alice to bob with the given options.
probe() {
	run "$PROBE" -v -e client.example.test -f alice@example.test \
		-r bob@example.test "$@" "$MSG"
}

@test "STARTTLS + automatic AUTH picks SCRAM-SHA-256 and delivers" {
	make_msg tok-starttls-auto
	probe -s localhost -p "$TB_SUBMISSION_PORT" -t starttls -c "$TB_CA" \
		-a auto -u "$TB_USER"
	[ "$status" -eq 0 ]
	[[ "$output" == *"result=ok"* ]]
	[[ "$output" == *">>> AUTH SCRAM-SHA-256 <redacted>"* ]]
	[[ "$output" == *"verified by ca+hostname"* ]]
	[[ "$output" != *"$TB_PASS"* ]]
	# capabilities forgotten and EHLO sent again after TLS
	[ "$(grep -c '^>>> EHLO' <<<"$output")" -eq 2 ]
	wait_mail tok-starttls-auto
	grep -q '^\.dot line' "$mail_eml"
	grep -q '^\.\.two dots' "$mail_eml"
}

@test "implicit TLS with AUTH PLAIN, LOGIN and SCRAM-SHA-1" {
	for mech in PLAIN LOGIN SCRAM-SHA-1; do
		make_msg "tok-implicit-$mech"
		probe -s localhost -p "$TB_SMTPS_PORT" -t implicit \
			-c "$TB_CA" -a "$mech" -u "$TB_USER"
		[ "$status" -eq 0 ]
		[[ "$output" == *"authenticated as $TB_USER with $mech"* ]]
		wait_mail "tok-implicit-$mech"
	done
}

@test "IPv6 loopback" {
	[ "$TB_IPV6" = yes ] || require_or_skip "no IPv6 loopback"
	make_msg tok-ipv6
	probe -s ::1 -p "$TB_SMTPS_PORT" -t implicit -c "$TB_CA" -a auto \
		-u "$TB_USER"
	[ "$status" -eq 0 ]
	[[ "$output" == *"[::1] port"* ]]
	wait_mail tok-ipv6
}

@test "a SHA-256 pin replaces the CA check; a wrong pin is refused" {
	make_msg tok-pin
	probe -s localhost -p "$TB_SMTPS_PORT" -t implicit \
		-P "$TB_SERVER_SHA256" -a auto -u "$TB_USER"
	[ "$status" -eq 0 ]
	[[ "$output" == *"verified by fingerprint"* ]]
	probe -s localhost -p "$TB_SMTPS_PORT" -t implicit \
		-P "$(cat "$TB_CERT_DIR/otherhost.sha256")" -a auto -u "$TB_USER"
	[ "$status" -eq 77 ]
	[[ "$output" == *"fingerprint does not match"* ]]
}

@test "wrong CA, expired and other-host certificates: EX_NOPERM, no AUTH" {
	for port in "$TB_SUBMISSION_WRONGCA_PORT" "$TB_SUBMISSION_EXPIRED_PORT" \
		"$TB_SUBMISSION_OTHERHOST_PORT"; do
		make_msg tok-badcert
		probe -s localhost -p "$port" -t starttls -c "$TB_CA" -a auto \
			-u "$TB_USER"
		[ "$status" -eq 77 ]
		[[ "$output" == *"certificate refused"* ]]
		[[ "$output" != *">>> AUTH"* ]]
	done
	for port in "$TB_SMTPS_WRONGCA_PORT" "$TB_SMTPS_EXPIRED_PORT" \
		"$TB_SMTPS_OTHERHOST_PORT"; do
		probe -s localhost -p "$port" -t implicit -c "$TB_CA" -a auto \
			-u "$TB_USER"
		[ "$status" -eq 77 ]
	done
	[[ "$output" == *"does not match"* ]]
}

@test "the system trust store does not know the test CA" {
	make_msg tok-system
	probe -s localhost -p "$TB_SMTPS_PORT" -t implicit -a auto -u "$TB_USER"
	[ "$status" -eq 77 ]
}

@test "a wrong password is EX_NOPERM and the session still QUITs" {
	make_msg tok-badpw
	SMTP_PROBE_PASSWORD=wrong probe -s localhost -p "$TB_SMTPS_PORT" \
		-t implicit -c "$TB_CA" -a PLAIN -u "$TB_USER"
	[ "$status" -eq 77 ]
	[[ "$output" == *"535 5.7.8"* ]]
	[[ "$output" == *">>> QUIT"* ]]
}

@test "no STARTTLS offered: EX_UNAVAILABLE, nothing sent in plaintext" {
	make_msg tok-nostarttls
	probe -s localhost -p "$TB_PLAIN_PORT" -t starttls -c "$TB_CA" \
		-a auto -u "$TB_USER"
	[ "$status" -eq 69 ]
	[[ "$output" != *">>> AUTH"* ]]
	[[ "$output" != *">>> MAIL"* ]]
	[[ "$output" == *">>> QUIT"* ]]
}

@test "implicit TLS against a STARTTLS port: handshake failure" {
	make_msg tok-mismatch
	probe -T 5 -s localhost -p "$TB_SUBMISSION_PORT" -t implicit \
		-c "$TB_CA" -a auto -u "$TB_USER"
	[ "$status" -eq 76 ] || [ "$status" -eq 75 ]
}

@test "connection refused is temporary" {
	make_msg tok-refused
	probe -s 127.0.0.1 -p 1 -t implicit -c "$TB_CA" -a auto -u "$TB_USER"
	[ "$status" -eq 75 ]
	[[ "$output" == *"temporary=1"* ]]
}
