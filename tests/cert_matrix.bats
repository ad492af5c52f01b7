#!/usr/bin/env bats
# cert_matrix.bats: the certificate matrix (issue 10 item 2). Each row of
# the table below serves one certificate of tests/servers/mkcerts.sh
# from the fault server, over STARTTLS and over implicit TLS, and checks
# that postern refuses it with a line naming the problem, before any
# AUTH or MAIL (the transcript proves it). A refused certificate may be a
# man in the middle's, so, as a queue run does, the message is queued
# (exit 0) with the account held, and a loud line says TLS was refused
# (issue 18 item 6); the log line keeps exit=77. Then: tls_fingerprint
# accepts only the pinned certificate; a 454 to STARTTLS and a stripped
# STARTTLS never lead to AUTH or mail in plaintext.
#
# The rows: name, certificate, host to connect to, an extra config line
# ("-": none), the reason after "HOST: TLS certificate refused: ".
# "NUL inside a name" needs openssl (certtool cannot write one): without
# it the row is skipped, saying so (a failure under
# POSTERN_TEST_REQUIRE_ALL=1).

load lib/common
load lib/faultserver
load lib/submit
bats_require_minimum_version 1.5.0

ROWS=$(
	cat <<'TABLE'
self-signed	selfsigned	localhost	-	it is self-signed and not in the trusted CAs (tls_trust_file)
unknown CA	wrongca-server	localhost	-	its issuer is not in the trusted CAs (tls_trust_file)
wrong name	otherhost	localhost	-	the host name in it does not match
expired	expired	localhost	-	it has expired
not yet valid	notyet	localhost	-	it is not valid yet
wildcard in the wrong label	wildlabel	localhost	tls_host_override mail.example.test	the host name in it does not match: its wildcard (mail.*.test) is not valid: a '*' must be the whole left-most label
SAN present, only CN matches	cnonly	localhost	-	the host name in it does not match: only its common name (CN) is localhost, and a certificate with subjectAltName names is checked against those (other.example.test)
NUL inside a name	nulname	localhost	-	the host name in it does not match: a name in it has a NUL byte inside (a forged name)
for 127.0.0.1 only, host localhost	iponly	localhost	-	the host name in it does not match: it names only IP addresses (127.0.0.1), not localhost
for localhost only, host 127.0.0.1	nameonly	127.0.0.1	-	the host name in it does not match: 127.0.0.1 is an IP address and it names none (it is for localhost)
RSA-1024 key	weakkey	localhost	-	its RSA key has only 1024 bits (at least 2048 are needed)
SHA-1 signature	sha1	localhost	-	it is signed with ECDSA-SHA1, which is insecure
TABLE
)

setup_file() {
	require_cmd certtool gnutls-bin
	fault_certs "$BATS_FILE_TMPDIR/certs"
}

setup() {
	hermetic_env
	IN=$BATS_TEST_TMPDIR/in
	Q=$XDG_STATE_HOME/postern/queue
	TB_USER=alice@example.test TB_PASS="s3cret p@ss"
	printf 'From: alice@example.test\nSubject: cert\n\nbody\n' >"$IN"
}

teardown() {
	fault_stop
}

# serve CERT MODE [SCENARIO]: the fault server with CERT, well-behaved
# (AUTH only after TLS), STARTTLS or implicit TLS.
serve() {
	local cert=$1 mode=$2 scen=${3:-}
	local save=$FAULT_CERT_DIR
	FAULT_CERT_DIR=$BATS_TEST_TMPDIR/one
	mkdir -p "$FAULT_CERT_DIR"
	cp "$save/$cert.crt" "$FAULT_CERT_DIR/server.crt"
	cp "$save/$cert.key" "$FAULT_CERT_DIR/server.key"
	if [ "$mode" = implicit ]; then
		fault_start "$scen" "" --well-behaved --tls implicit
	else
		fault_start "$scen" "" --well-behaved
	fi
	FAULT_CERT_DIR=$save
}

# account HOST MODE [KEY VALUE]...: the config for the running server.
account() {
	local host=$1 mode=$2
	shift 2
	[ "$mode" = implicit ] && set -- tls_starttls off "$@"
	submit_config "$(tb_account host "$host" port "$FAULT_PORT" ipv6 off \
		tls_trust_file "$FAULT_CERT_DIR/ca.crt" auth plain \
		tls_session_cache off "$@")"
}

# no_auth_no_mail: the server never saw AUTH, MAIL or a message.
no_auth_no_mail() {
	fault_wait_sessions 5
	! grep -Eh '^C: (AUTH|MAIL|RCPT|DATA|BDAT)' "$FAULT_DIR"/session-*.log
	! ls "$FAULT_DIR"/msg-* 2>/dev/null
}

count() {
	ls "$1" 2>/dev/null | grep -c "$2" || true
}

# tls_refused REASON: exit 0, the loud line naming REASON, the message
# queued with the account held, nothing in failed/.
tls_refused() {
	[ "$status" -eq 0 ]
	[ "$(printf '%s\n' "$stderr" | head -n1)" = "postern: WARNING: TLS refused: $1; nothing was sent without TLS" ]
	printf '%s\n' "$stderr" | sed -n 2p |
		grep -Eq '^postern: queued [0-9a-f]{16}; account [^ ]+ is held until TLS works'
	[ "$(count "$Q/new" '\.env$')" = 1 ]
	[ "$(count "$Q/failed" '\.env$')" = 0 ]
	grep -Fqx "held: $1" "$Q"/new/*.env
}

# row NAME MODE: one row of the table over STARTTLS or implicit TLS.
row() {
	local name=$1 mode=$2 cert host extra why
	IFS=$'\t' read -r cert host extra why < <(printf '%s\n' "$ROWS" |
		awk -F'\t' -v n="$name" '$1 == n { print $2 "\t" $3 "\t" $4 "\t" $5 }')
	[ -n "$cert" ] || { echo "no row $name"; return 1; }
	if [ ! -s "$FAULT_CERT_DIR/$cert.crt" ]; then
		require_or_skip "$cert.crt not made: openssl missing or it refused (certtool cannot put a NUL in a name)"
	fi
	serve "$cert" "$mode"
	if [ "$extra" = - ]; then
		account "$host" "$mode"
	else
		account "$host" "$mode" $extra
	fi
	run --separate-stderr timeout 10 "$POSTERN" -i bob@example.test <"$IN"
	echo "exit $status: $stderr"
	local verified=$host
	[ "$extra" = - ] || verified=${extra#* }
	tls_refused "$verified: TLS certificate refused: $why"
	[[ "$(tail -n1 "$LOG")" == *"reply=\"$verified: TLS certificate refused: $why\""*" exit=77" ]]
	no_auth_no_mail
}

# matrix_tests: the @test lines for the table's rows.
matrix_tests() {
	printf '%s\n' "$ROWS" | awk -F'\t' '{
		printf "@test \"%s (STARTTLS): held, naming it\" { row \"%s\" starttls; }\n", $1, $1
		printf "@test \"%s (implicit TLS): held, naming it\" { row \"%s\" implicit; }\n", $1, $1 }'
}

@test "the @test lines below are the table's rows, in order" {
	matrix_tests >"$BATS_TEST_TMPDIR/want"
	grep '^@test ".*{ row ' "$BATS_TEST_FILENAME" >"$BATS_TEST_TMPDIR/got"
	diff "$BATS_TEST_TMPDIR/want" "$BATS_TEST_TMPDIR/got"
	[ "$(wc -l <"$BATS_TEST_TMPDIR/want")" -eq 24 ]
}

@test "the good certificate is accepted over STARTTLS and implicit TLS (the rows can pass)" {
	local mode
	for mode in starttls implicit; do
		rm -rf "$Q" "$BATS_TEST_TMPDIR/fault"
		serve server "$mode"
		account localhost "$mode"
		run --separate-stderr timeout 10 "$POSTERN" -i bob@example.test <"$IN"
		echo "$mode: exit $status: $stderr"
		[ "$status" -eq 0 ]
		[ -z "$stderr" ]
		fault_wait_sessions 5
		[ "$(fault_env rcpt)" = "<bob@example.test>" ]
		fault_stop
	done
}

@test "tls_fingerprint: only the pinned certificate is accepted, whatever the CA or name" {
	local mode pin
	pin=$(cat "$FAULT_CERT_DIR/selfsigned.sha256")
	for mode in starttls implicit; do
		# the pinned self-signed certificate: accepted (no CA, no name)
		rm -rf "$Q" "$BATS_TEST_TMPDIR/fault"
		serve selfsigned "$mode"
		account 127.0.0.1 "$mode" tls_fingerprint "$pin" tls_trust_file ""
		run --separate-stderr timeout 10 "$POSTERN" -i bob@example.test <"$IN"
		echo "$mode pinned: exit $status: $stderr"
		[ "$status" -eq 0 ]
		fault_wait_sessions 5
		[ "$(fault_env rcpt)" = "<bob@example.test>" ]
		fault_stop
		# any other, even one the CA signed for the right name: refused
		rm -rf "$Q" "$BATS_TEST_TMPDIR/fault"
		serve server "$mode"
		account localhost "$mode" tls_fingerprint "$pin"
		run --separate-stderr timeout 10 "$POSTERN" -i bob@example.test <"$IN"
		echo "$mode other: exit $status: $stderr"
		tls_refused "TLS certificate refused: its fingerprint does not match tls_fingerprint"
		no_auth_no_mail
		fault_stop
	done
}

@test "a 454 to STARTTLS: queued, no AUTH and no mail in plaintext" {
	echo '{"replies": {"starttls": {"code": 454, "text": "4.7.0 TLS not available"}}}' >"$BATS_TEST_TMPDIR/s.json"
	serve server starttls "$BATS_TEST_TMPDIR/s.json"
	account localhost starttls
	run --separate-stderr timeout 10 "$POSTERN" -i bob@example.test <"$IN"
	echo "exit $status: $stderr"
	[ "$status" -eq 0 ]
	[[ "$stderr" == "postern: queued "*": "*"454 4.7.0 TLS not available"* ]]
	[ "$(count "$Q/new" '\.env$')" = 1 ]
	no_auth_no_mail
	# the session ended after the 454: nothing but EHLO, STARTTLS, QUIT
	[ -z "$(grep -h '^C: ' "$FAULT_DIR"/session-*.log | grep -Ev '^C: (EHLO|STARTTLS|QUIT)')" ]
}

@test "a stripped STARTTLS (not offered): held, no AUTH and no mail in plaintext" {
	echo '{"ehlo": ["PIPELINING", "8BITMIME", "AUTH PLAIN LOGIN"], "auth_requires_tls": false}' >"$BATS_TEST_TMPDIR/s.json"
	serve server starttls "$BATS_TEST_TMPDIR/s.json"
	account localhost starttls
	run --separate-stderr timeout 10 "$POSTERN" -i bob@example.test <"$IN"
	echo "exit $status: $stderr"
	tls_refused "127.0.0.1 port $FAULT_PORT does not offer STARTTLS; refusing to continue without TLS"
	no_auth_no_mail
	[ -z "$(grep -h '^C: ' "$FAULT_DIR"/session-*.log | grep -Ev '^C: (EHLO|QUIT)')" ]
}

# --- generated by matrix_tests from ROWS; do not edit: ---------------------
@test "self-signed (STARTTLS): held, naming it" { row "self-signed" starttls; }
@test "self-signed (implicit TLS): held, naming it" { row "self-signed" implicit; }
@test "unknown CA (STARTTLS): held, naming it" { row "unknown CA" starttls; }
@test "unknown CA (implicit TLS): held, naming it" { row "unknown CA" implicit; }
@test "wrong name (STARTTLS): held, naming it" { row "wrong name" starttls; }
@test "wrong name (implicit TLS): held, naming it" { row "wrong name" implicit; }
@test "expired (STARTTLS): held, naming it" { row "expired" starttls; }
@test "expired (implicit TLS): held, naming it" { row "expired" implicit; }
@test "not yet valid (STARTTLS): held, naming it" { row "not yet valid" starttls; }
@test "not yet valid (implicit TLS): held, naming it" { row "not yet valid" implicit; }
@test "wildcard in the wrong label (STARTTLS): held, naming it" { row "wildcard in the wrong label" starttls; }
@test "wildcard in the wrong label (implicit TLS): held, naming it" { row "wildcard in the wrong label" implicit; }
@test "SAN present, only CN matches (STARTTLS): held, naming it" { row "SAN present, only CN matches" starttls; }
@test "SAN present, only CN matches (implicit TLS): held, naming it" { row "SAN present, only CN matches" implicit; }
@test "NUL inside a name (STARTTLS): held, naming it" { row "NUL inside a name" starttls; }
@test "NUL inside a name (implicit TLS): held, naming it" { row "NUL inside a name" implicit; }
@test "for 127.0.0.1 only, host localhost (STARTTLS): held, naming it" { row "for 127.0.0.1 only, host localhost" starttls; }
@test "for 127.0.0.1 only, host localhost (implicit TLS): held, naming it" { row "for 127.0.0.1 only, host localhost" implicit; }
@test "for localhost only, host 127.0.0.1 (STARTTLS): held, naming it" { row "for localhost only, host 127.0.0.1" starttls; }
@test "for localhost only, host 127.0.0.1 (implicit TLS): held, naming it" { row "for localhost only, host 127.0.0.1" implicit; }
@test "RSA-1024 key (STARTTLS): held, naming it" { row "RSA-1024 key" starttls; }
@test "RSA-1024 key (implicit TLS): held, naming it" { row "RSA-1024 key" implicit; }
@test "SHA-1 signature (STARTTLS): held, naming it" { row "SHA-1 signature" starttls; }
@test "SHA-1 signature (implicit TLS): held, naming it" { row "SHA-1 signature" implicit; }
