#!/usr/bin/env bats
# headers.bats: the From field postern generates (issue 18 item 5),
# delivered to the fault server: a long -F is folded into RFC 2047
# encoded words within 78 columns and decodes to the name; an absurd
# one (100,000 characters) is refused with one line and exit 65 before
# any connection; a CR in from_full_name never reaches the wire (no
# field of its own); CR or LF in -F is refused (64).

load lib/common
load lib/faultserver

USER_=alice@example.test

setup() {
	hermetic_env
	unset DBUS_SESSION_BUS_ADDRESS
	fault_certs "$BATS_SUITE_TMPDIR/certs"
	printf '{"preset": "well-behaved", "users": {"%s": "pw"}}\n' "$USER_" \
		>"$BATS_TEST_TMPDIR/scen.json"
	fault_start "$BATS_TEST_TMPDIR/scen.json"
	MSG=$BATS_TEST_TMPDIR/msg
	printf 'To: bob@example.test\nSubject: tok\n\nbody\n' >"$MSG"
}

teardown() {
	[ -z "${FAULT_PID:-}" ] || fault_stop
}

# config [LINES...]: account default on the fault server.
config() {
	mkdir -p "$XDG_CONFIG_HOME/postern"
	{
		printf 'account default\nhost localhost\nport %s\n' "$FAULT_PORT"
		printf 'tls_trust_file %s/ca.crt\n' "$FAULT_CERT_DIR"
		printf 'from %s\nuser %s\npassword pw\nqueue off\nkeyring off\n' \
			"$USER_" "$USER_"
		printf '%s\n' "$@"
	} >"$XDG_CONFIG_HOME/postern/config"
	chmod 600 "$XDG_CONFIG_HOME/postern/config"
}

# header_lines: the delivered message's header lines, CR removed.
header_lines() {
	sed -n '1,/^\r*$/p' "$(fault_message).eml" | tr -d '\r' | sed '$d'
}

# from_name: the delivered From field, unfolded and decoded (RFC 2047:
# the blanks between adjacent encoded words are not part of the text).
from_name() {
	"$PYTHON3" -c '
import email, email.header, sys
m = email.message_from_binary_file(open(sys.argv[1], "rb"))
print(str(email.header.make_header(email.header.decode_header(m["From"]))))' \
		"$(fault_message).eml"
}

@test "-F of 500 characters: folded into encoded words within 78 columns" {
	config
	local name
	name="$(printf 'Long%.0s ' $(seq 100))" # 500 characters
	run "$POSTERN" -F "$name" bob@example.test <"$MSG"
	echo "$output"
	[ "$status" -eq 0 ]
	header_lines
	[ "$(header_lines | awk 'length > 78' | wc -l)" -eq 0 ]
	[ "$(header_lines | grep -c '^From: =?UTF-8?B?')" -eq 1 ]
	from_name
	[ "$(from_name)" = "$name <alice@example.test>" ]
}

@test "-F of 100,000 characters: refused with one line, exit 65, no connection" {
	config
	run "$POSTERN" -F "$(head -c 100000 /dev/zero | tr '\0' a)" \
		bob@example.test <"$MSG"
	[ "$status" -eq 65 ]
	[ "$output" = "postern: the sender's full name (-F or from_full_name) is 100000 octets long; the limit is 998" ]
	[ -z "$(ls "$FAULT_DIR" | grep '^session-')" ]
}

@test "from_full_name with a CR: no field of its own on the wire" {
	config "from_full_name \"Eve$(printf '\r')Bcc: victim@example.net\""
	run "$POSTERN" bob@example.test <"$MSG"
	echo "$output"
	[ "$status" -eq 0 ]
	header_lines
	grep -qx 'From: "Eve Bcc: victim@example.net" <alice@example.test>' \
		<(header_lines)
	! header_lines | grep -qi '^Bcc:'
	# no bare CR anywhere in the delivered message (a CR not before LF)
	! LC_ALL=C grep -q $'\r.' "$(fault_message).eml"
}

@test "-F with a CR or LF: refused as usage (64)" {
	config
	run "$POSTERN" -F "$(printf 'Eve\nBcc: victim@example.net')" \
		bob@example.test <"$MSG"
	[ "$status" -eq 64 ]
	[[ $output == *"contains a CR or LF character; refusing it"* ]]
	run "$POSTERN" -F "$(printf 'Eve\rX')" bob@example.test <"$MSG"
	[ "$status" -eq 64 ]
}
