#!/usr/bin/env bats
# terminal.bats: what a server sends never reaches the user's terminal
# raw (issue 18 item 2). The fault server greets with
# "220 evil ESC ] 0 ; X BEL" (a window title), offers the extension
# "X- ESC ] 52 ; c ; ... BEL" (a clipboard write) and refuses the
# recipient with "ESC [ 2 J" (clear screen) in its text; the -v trace,
# the error line, --serverinfo and --doctor (extensions, the port-25
# greeting) and mailq (a reply kept in an envelope) show each byte as
# \xHH and print no ESC, BEL or C1 control at all.

load lib/common
load lib/faultserver
bats_require_minimum_version 1.5.0

USER_=alice@example.test
PASS_='s3cret p@ss'
GREET='evil\x1b]0;X\x07'
EXT='X-\x1b]52;c;ZXZpbA==\x07'

setup() {
	hermetic_env
	unset DBUS_SESSION_BUS_ADDRESS
	fault_certs "$BATS_SUITE_TMPDIR/certs"
	cat >"$BATS_TEST_TMPDIR/scen.json" <<-JSON
	{"preset": "well-behaved", "users": {"$USER_": "$PASS_"},
	 "ehlo": ["PIPELINING", "X-\u001b]52;c;ZXZpbA==\u0007", "STARTTLS",
	          "AUTH PLAIN LOGIN"],
	 "ehlo_tls": ["PIPELINING", "X-\u001b]52;c;ZXZpbA==\u0007",
	              "AUTH PLAIN LOGIN"],
	 "replies": {"greeting": {"text": "evil\u001b]0;X\u0007"},
	             "rcpt": {"code": 550,
	                      "text": "5.1.1 no\u001b[2J such user\u009b2J"}}}
	JSON
	fault_start "$BATS_TEST_TMPDIR/scen.json"
	mkdir -p "$XDG_CONFIG_HOME/postern"
	{
		printf 'account default\nhost localhost\nport %s\n' "$FAULT_PORT"
		printf 'tls_trust_file %s/ca.crt\n' "$FAULT_CERT_DIR"
		printf 'auth on\nuser %s\nfrom %s\nqueue off\nkeyring off\n' \
			"$USER_" "$USER_"
		printf 'password "%s"\n' "$PASS_"
	} >"$XDG_CONFIG_HOME/postern/config"
	chmod 600 "$XDG_CONFIG_HOME/postern/config"
}

teardown() {
	[ -z "${FAULT_PID:-}" ] || fault_stop
}

# no_raw: $output holds no ESC, BEL or C1 CSI byte.
no_raw() {
	if printf '%s' "$output" | LC_ALL=C grep -q "$(printf '[\033\007\233]')"; then
		echo "a raw control byte reached the terminal:"
		printf '%s' "$output" | od -c | grep -E '033|007|233' | head -n 5
		return 1
	fi
}

@test "-v trace and the error line: the server's escapes are shown as \\xHH" {
	run "$POSTERN" -v bob@example.test <<<$'Subject: t\n\nbody'
	echo "$output"
	[ "$status" -eq 67 ]
	no_raw
	[[ $output == *"postern: <-- 220 $GREET"* ]]
	[[ $output == *"postern: <-- 250-$EXT"* ]]
	[[ $output == *'550 5.1.1 no\x1b[2J such user\xc2\x9b2J'* ]]
	grep -qx "S: 220 $(printf 'evil\033]0;X\007')" "$(fault_transcript)"
}

@test "--serverinfo: banner and extensions shown as \\xHH" {
	run "$POSTERN" --serverinfo
	echo "$output"
	[ "$status" -eq 0 ]
	no_raw
	[[ $output == *"banner:         220 $GREET"* ]]
	[[ $output == *"$EXT"* ]]
}

@test "--doctor: the port-25 greeting and the extensions shown as \\xHH" {
	run "$POSTERN" --doctor --probe-ports "$FAULT_PORT,$FAULT_PORT,$FAULT_PORT"
	echo "$output"
	no_raw
	# (WARN: the account's own port is probed as port 25 here)
	[[ $output == *"port 25: localhost port $FAULT_PORT is reachable: 220 $GREET: "* ]]
	[[ $output == *"extensions: PIPELINING, $EXT"* ]]
}

@test "mailq: an error kept in an envelope is shown as \\xHH" {
	sed -i 's/^queue off$/queue on/' "$XDG_CONFIG_HOME/postern/config"
	run -0 "$POSTERN" -odq bob@example.test <<<$'Subject: t\n\nbody'
	local q=$XDG_STATE_HOME/postern/queue/new env
	env=$(ls "$q"/*.env)
	# a reply kept as 0.1.0 kept it: the envelope reader turns C0
	# controls into '?', not the C1 CSI (the file stays 0600)
	printf 'last-error: 451 4.3.0 evil\302\2332J\n' >"$BATS_TEST_TMPDIR/line"
	sed -i "/^end: /e cat $BATS_TEST_TMPDIR/line" "$env"
	grep -q "^last-error: " "$env"
	run -0 "$POSTERN" -bp
	echo "$output"
	no_raw
	[[ $output == *'last error: 451 4.3.0 evil\xc2\x9b2J'* ]]
}
