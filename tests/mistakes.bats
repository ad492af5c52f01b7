#!/usr/bin/env bats
# mistakes.bats: configuration mistakes a new user really makes, each
# recognised on the send path and answered with its fix in one line
# (issue 17): the wrong TLS mode for the port (any port number), port 25
# behind Outbound Port 25 Blocking. Against the fault server on
# loopback.

load lib/common
load lib/faultserver
load lib/keyring
load lib/submit
bats_require_minimum_version 1.5.0

setup_file() {
	fault_certs "$BATS_FILE_TMPDIR/certs"
}

setup() {
	hermetic_env
	IN=$BATS_TEST_TMPDIR/in
	SCEN=$BATS_TEST_TMPDIR/scenario.json
	Q=$XDG_STATE_HOME/postern/queue
	TB_USER=alice@example.test TB_PASS="s3cret p@ss" # tb_account's
	printf 'From: alice@example.test\nTo: bob@example.test\nSubject: mistake\n\nhello\n' >"$IN"
	echo '{}' >"$SCEN"
}

teardown() {
	fault_stop
	keyring_stop
}

# account [KEY VALUE]...: the fault server's port, the test CA, AUTH
# PLAIN as alice, timeout 30 (the fix must come long before it).
account() {
	submit_config "$(tb_account host 127.0.0.1 port "$FAULT_PORT" \
		ipv6 off tls_trust_file "$FAULT_CERT_DIR/ca.crt" auth plain \
		timeout 30 "$@")"
}

# failed_reason: the last_error of the one entry in failed/.
failed_reason() {
	local f
	f=$(ls "$Q"/failed/*.env 2>/dev/null | head -n 1)
	[ -n "$f" ] || f=$(ls -d "$Q"/failed/* 2>/dev/null | head -n 1)
	[ -n "$f" ] || {
		echo "nothing in $Q/failed"
		return 1
	}
	grep -rh '^last-error: ' "$Q/failed" | sed 's/^last-error: //'
}

@test "STARTTLS account on an implicit-TLS port: exit 78 at once, the fix, the message kept in failed/" {
	fault_start "$SCEN" "$BATS_TEST_TMPDIR/f" --well-behaved --tls implicit
	account
	SECONDS=0
	send bob@example.test
	[ "$status" -eq 78 ]
	[ "$SECONDS" -lt 25 ] # not the 30 s timeout
	stderr_line "postern: 127.0.0.1 port $FAULT_PORT speaks implicit TLS, but the account uses STARTTLS: set tls_starttls off; the message was not sent"
	[ "$(failed_reason)" = "127.0.0.1 port $FAULT_PORT speaks implicit TLS, but the account uses STARTTLS: set tls_starttls off" ]
	[ -z "$(ls "$Q/new" 2>/dev/null)" ] # not queued for retries
	! ls "$FAULT_DIR" | grep -q '^msg-' # and nothing sent
}

@test "implicit-TLS account on a STARTTLS port: exit 78 and the fix" {
	fault_start "$SCEN" "$BATS_TEST_TMPDIR/f" --well-behaved
	account tls_starttls off
	send bob@example.test
	[ "$status" -eq 78 ]
	stderr_line "postern: 127.0.0.1 port $FAULT_PORT speaks STARTTLS, but the account uses implicit TLS: set tls_starttls on; the message was not sent"
	[ "$(failed_reason)" = "127.0.0.1 port $FAULT_PORT speaks STARTTLS, but the account uses implicit TLS: set tls_starttls on" ]
}

@test "the right TLS mode on the same ports still delivers" {
	fault_start "$SCEN" "$BATS_TEST_TMPDIR/f" --well-behaved --tls implicit
	account tls_starttls off
	send bob@example.test
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
	fault_wait_sessions
	[ -s "$(fault_message).eml" ]
}

@test "a slow greeting on a STARTTLS account is waited for, not taken for TLS" {
	cat >"$SCEN" <<-'EOF2'
	{"replies": {"greeting": {"sleep": 6}}}
	EOF2
	fault_start "$SCEN" "$BATS_TEST_TMPDIR/f" --well-behaved
	account
	send bob@example.test
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
	fault_wait_sessions 20
	[ -s "$(fault_message).eml" ]
}

@test "port 25 refused: queued with the Outbound Port 25 Blocking hint, also in mailq" {
	FAULT_PORT=25
	submit_config "$(tb_account host 127.0.0.1 port 25 ipv6 off tls off auth off)"
	send bob@example.test
	assert_tempfail "port 25 is probably blocked by your provider (Outbound Port 25 Blocking): use the submission port 587 with AUTH, see postern --doctor"
	run --separate-stderr "$POSTERN" -bp
	[ "$status" -eq 0 ]
	[[ "$output" == *"port 25 is probably blocked by your provider (Outbound Port 25 Blocking): use the submission port 587 with AUTH, see postern --doctor"* ]]
}

@test "another port refused: no port 25 hint" {
	fault_start "$SCEN" "$BATS_TEST_TMPDIR/f"
	local port=$FAULT_PORT
	fault_stop
	submit_config "$(tb_account host 127.0.0.1 port "$port" ipv6 off tls off auth off)"
	send bob@example.test
	assert_tempfail "cannot connect to 127.0.0.1 port $port"
	[[ "$stderr" != *"Port 25"* ]]
}

@test "--doctor: the wrong TLS mode on a port of any number (not 465/587)" {
	fault_start "$SCEN" "$BATS_TEST_TMPDIR/f" --well-behaved --tls implicit
	account
	run "$POSTERN" --doctor --no-login --probe-ports 0,0,0 --probe-timeout 3
	[ "$status" -eq 1 ]
	[[ "$output" == *"PROBLEM  tls mode: 127.0.0.1 port $FAULT_PORT speaks implicit TLS, but the account uses STARTTLS: set tls_starttls off"* ]]
	[[ "$output" == *"         fix: tls_starttls off"* ]]
}

@test "--print-config warns about port 465 with STARTTLS and 587 with implicit TLS" {
	submit_config "$(tb_account host 127.0.0.1 port 465 tls_starttls on)"
	run --separate-stderr "$POSTERN" --print-config
	[ "$status" -eq 0 ]
	[ "$stderr" = "postern: warning: port 465 is for implicit TLS, but the account uses STARTTLS: set tls_starttls off" ]
	submit_config "$(tb_account host 127.0.0.1 port 587 tls_starttls off)"
	run --separate-stderr "$POSTERN" --print-config
	[ "$status" -eq 0 ]
	[ "$stderr" = "postern: warning: port 587 is for STARTTLS, but the account uses implicit TLS: set tls_starttls on" ]
	submit_config "$(tb_account host 127.0.0.1 port 587)"
	run --separate-stderr "$POSTERN" --print-config
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
}

# fail_one: a message kept in failed/ by the TLS-mode mistake; its id in
# $ID.
fail_one() {
	send bob@example.test
	[ "$status" -eq 78 ] || {
		echo "want exit 78, got $status: $stderr"
		return 1
	}
	ID=$(printf '%s\n' "$stderr" | sed -n 's/^postern: a copy of the message is kept as \([0-9a-f]*\) in the failed\/ directory of the queue$/\1/p')
	[ -n "$ID" ] && [ -e "$Q/failed/$ID.env" ]
}

@test "--queue-run ID sends an entry of failed/ after the fix; --queue-delete ID removes one" {
	fault_start "$SCEN" "$BATS_TEST_TMPDIR/f" --well-behaved --tls implicit
	account
	fail_one
	first=$ID
	fail_one
	second=$ID
	account tls_starttls off # the fix
	run --separate-stderr "$POSTERN" --queue-run "$first"
	[ "$status" -eq 0 ]
	[ ! -e "$Q/failed/$first.env" ] && [ ! -e "$Q/new/$first.env" ]
	fault_wait_sessions 10
	[ "$(ls "$FAULT_DIR" | grep -c '^msg-.*\.eml$')" -eq 1 ]
	run --separate-stderr "$POSTERN" --queue-delete "$second"
	[ "$status" -eq 0 ]
	[ ! -e "$Q/failed/$second.env" ] && [ ! -e "$Q/failed/$second.msg" ]
	run --separate-stderr "$POSTERN" --queue-delete "$second"
	[ "$status" -eq 66 ]
	[ "$stderr" = "postern: no queue entry $second" ]
}

@test "--requeue-failed [ACCOUNT] resends the failed entries; --purge-failed [ACCOUNT] removes them" {
	fault_start "$SCEN" "$BATS_TEST_TMPDIR/f" --well-behaved --tls implicit
	account
	fail_one
	fail_one
	send -a default bob@example.test # a third
	[ "$status" -eq 78 ]
	[ "$(ls "$Q/failed" | grep -c '\.env$')" -eq 3 ]
	run --separate-stderr "$POSTERN" --purge-failed other
	[ "$status" -eq 0 ]
	[ "$stderr" = "postern: 0 failed entries of account other removed" ]
	[ "$(ls "$Q/failed" | grep -c '\.env$')" -eq 3 ]
	account tls_starttls off # the fix
	run --separate-stderr "$POSTERN" --requeue-failed default
	[ "$status" -eq 0 ]
	[ "$stderr" = "postern: 3 failed entries of account default queued again" ]
	[ -z "$(ls "$Q/failed" "$Q/new" | grep '\.env$')" ]
	fault_wait_sessions 10
	[ "$(ls "$FAULT_DIR" | grep -c '^msg-.*\.eml$')" -eq 3 ]
	account # broken again: one more in failed/, then purged
	fail_one
	run --separate-stderr "$POSTERN" --purge-failed
	[ "$status" -eq 0 ]
	[ "$stderr" = "postern: 1 failed entry removed" ]
	[ -z "$(ls "$Q/failed")" ]
}

@test "mailq: one summary line first, N queued and M failed" {
	fault_start "$SCEN" "$BATS_TEST_TMPDIR/f" --well-behaved --tls implicit
	account
	fail_one
	fail_one
	run -0 "$POSTERN" -bp
	[ "${lines[0]}" = "Mail queue: 0 queued (0 bytes), 2 failed" ]
	[ "${lines[1]}" = "Failed (kept in failed/; after the fix: postern --queue-run ID, or --requeue-failed):" ]
	[ "${#lines[@]}" = 4 ]
	[[ "$output" != *"Mail queue is empty"* ]]
}

# on_tty CMD...: run CMD with a terminal for stdin, stdout and stderr
# (script(1)); the terminal's bytes in $BATS_TEST_TMPDIR/tty.out.
on_tty() {
	local cmd
	printf -v cmd '%q ' "$@"
	run script -qec "$cmd" "$BATS_TEST_TMPDIR/tty.typescript" </dev/null
	printf '%s' "$output" >"$BATS_TEST_TMPDIR/tty.out"
}

# queued_dead N: N messages queued against a port nothing listens on.
queued_dead() {
	local i port
	fault_start "$SCEN" "$BATS_TEST_TMPDIR/dead"
	port=$FAULT_PORT
	fault_stop
	submit_config "$(tb_account host 127.0.0.1 port "$port" ipv6 off tls off auth off)"
	for i in $(seq "$1"); do
		send bob@example.test
		assert_tempfail "cannot connect"
	done
}

@test "-q on a terminal says what it skipped, when it is due, and suggests -qf; nothing without one" {
	command -v script >/dev/null || require_or_skip "script(1) not installed (package bsdutils)"
	queued_dead 2
	on_tty "$POSTERN" -q
	[ "$status" -eq 0 ]
	grep -Eq 'postern: 2 queued entries not due yet \(the next attempt in [0-9]+[sm]\); postern -qf sends them now' "$BATS_TEST_TMPDIR/tty.out"
	run --separate-stderr "$POSTERN" -q
	[ "$status" -eq 0 ]
	[ -z "$stderr" ] && [ -z "$output" ]
}

@test "the progress line of -qf is cleared before any other line; none when stderr is not a terminal" {
	command -v script >/dev/null || require_or_skip "script(1) not installed (package bsdutils)"
	queued_dead 2
	fault_start "$SCEN" "$BATS_TEST_TMPDIR/f"
	submit_config "$(tb_account host 127.0.0.1 port "$FAULT_PORT" ipv6 off tls off auth off)"
	on_tty "$POSTERN" -qf
	[ "$status" -eq 0 ]
	fault_wait_sessions 10
	[ "$(ls "$FAULT_DIR" | grep -c '^msg-.*\.eml$')" -eq 2 ]
	out=$BATS_TEST_TMPDIR/tty.out
	grep -q 'queue run: 1/2 entries' "$out"
	# every "delivered" note starts a clean line: after a newline or
	# after the progress line was erased (CR, ESC [ K)
	! grep -aE 'bytes[^\r\n]*postern: [0-9a-f]{16}: delivered' "$out"
	[ "$(grep -ac $'\r\033\\[Kpostern: [0-9a-f]*: delivered' "$out")" -ge 1 ]
	# not a terminal: no progress at all
	fault_stop
	queued_dead 1
	fault_start "$SCEN" "$BATS_TEST_TMPDIR/f2"
	submit_config "$(tb_account host 127.0.0.1 port "$FAULT_PORT" ipv6 off tls off auth off)"
	run --separate-stderr "$POSTERN" -qf
	[ "$status" -eq 0 ]
	[[ "$stderr" != *"queue run:"* && "$stderr" != *$'\r'* ]]
}

@test "AUTH NTLM: a 334 whose text is not base64 is an empty challenge, not a Base 64 coding error" {
	"$POSTERN" --version | grep -q ' NTLM ' ||
		require_or_skip "GNU SASL without NTLM"
	cat >"$SCEN" <<-'EOF2'
	{"ehlo_tls": ["PIPELINING", "AUTH NTLM"],
	 "replies": {"auth": {"code": 334, "text": "NTLM supported"}}}
	EOF2
	fault_start "$SCEN" "$BATS_TEST_TMPDIR/f" --well-behaved
	account auth ntlm
	send bob@example.test
	fault_wait_sessions
	T=$(fault_transcript)
	grep -qx 'S: 334 NTLM supported' "$T"
	# the NTLM negotiate message (base64 of "NTLMSSP\0\1...") follows
	grep -A1 -x 'S: 334 NTLM supported' "$T" | grep -q '^C: TlRMTVNTUAAB'
	[[ "$stderr" != *"Base 64"* ]]
}

@test "DSN asked for (mutt's -N, -R, -V) but not offered: sent without, said once on stderr and in the log" {
	fault_start "$SCEN" "$BATS_TEST_TMPDIR/f" --well-behaved
	account
	send -N failure,delay -R hdrs -V env42 bob@example.test
	[ "$status" -eq 0 ]
	[ "$stderr" = "postern: the server does not offer DSN: sent without the delivery status notifications asked for (-N, -R, -V or dsn_notify); dsn_required on refuses instead" ]
	fault_wait_sessions
	T=$(fault_transcript)
	grep -qx 'C: MAIL FROM:<alice@example.test>' "$T" || grep -Eq '^C: MAIL FROM:<alice@example.test>( SIZE=[0-9]+)?$' "$T"
	grep -qx 'C: RCPT TO:<bob@example.test>' "$T"
	! grep -Eq 'NOTIFY=|RET=|ENVID=|ORCPT=' "$T"
	[ -s "$(fault_message).eml" ]
	grep -q ' dsn=not-offered' "$LOG"
}

@test "a wrong password names where it came from and the fix: the config file and line, passwordeval, ~/.netrc" {
	fault_start "$SCEN" "$BATS_TEST_TMPDIR/f" --well-behaved --user alice@example.test --password "s3cret p@ss"
	account password wrong
	send bob@example.test
	[ "$status" -eq 77 ]
	line=$(grep -n '^password ' "$XDG_CONFIG_HOME/postern/config" | cut -d: -f1)
	[[ "$stderr" == *"authentication failed (AUTH PLAIN"*"; the password came from the configuration file ($XDG_CONFIG_HOME/postern/config:$line, password): correct it there; the message was not sent"* ]]
	account password '' passwordeval "echo wrong"
	send bob@example.test
	[ "$status" -eq 77 ]
	line=$(grep -n '^passwordeval ' "$XDG_CONFIG_HOME/postern/config" | cut -d: -f1)
	[[ "$stderr" == *"; the password came from passwordeval ($XDG_CONFIG_HOME/postern/config:$line): check what the command prints; the message was not sent"* ]]
	account password '' keyring off
	printf 'machine 127.0.0.1 login alice@example.test password wrong\n' >"$HOME/.netrc"
	chmod 600 "$HOME/.netrc"
	send bob@example.test
	[ "$status" -eq 77 ]
	[[ "$stderr" == *"; the password came from ~/.netrc (machine 127.0.0.1): correct it there; the message was not sent"* ]]
}

@test "a wrong password from the keyring: the fix is postern --store-password ACCOUNT" {
	keyring_start
	fault_start "$SCEN" "$BATS_TEST_TMPDIR/f" --well-behaved --user alice@example.test --password "s3cret p@ss"
	account password ''
	printf 'wrong\n' | "$POSTERN" --store-password --password-stdin
	send bob@example.test
	[ "$status" -eq 77 ]
	[[ "$stderr" == *"authentication failed (AUTH PLAIN"*"; the password came from the keyring: store the right one with postern --store-password default; the message was not sent"* ]]
}

@test "-a with an unknown account lists the accounts and the close match" {
	submit_config "$(tb_account host 127.0.0.1 port 1)" "account work" "host 127.0.0.1" "from w@example.test"
	send -a Defualt bob@example.test
	[ "$status" -eq 78 ]
	[[ "$stderr" == "postern: no account Defualt in "*"; did you mean default? The accounts are: default, work" ]]
	send -a nothing-like-it bob@example.test
	[ "$status" -eq 78 ]
	[[ "$stderr" == "postern: no account nothing-like-it in "*"; the accounts are: default, work" ]]
}

@test "docs: no msmtp --set-password (it does not exist); DIAGNOSTICS says where fault_matrix.tsv is" {
	! grep -n 'set-password' "$POSTERN_SRCDIR/contrib/MIGRATING" "$POSTERN_SRCDIR/doc/config.example"
	grep -q 'secret-tool store --label=msmtp' "$POSTERN_SRCDIR/contrib/MIGRATING"
	man_text=$(sed -n '/^\.Sh DIAGNOSTICS/,/^\.Sh SEE ALSO/p' "$POSTERN_SRCDIR/doc/postern.1" | tr '\n' ' ')
	[[ "$man_text" == *"tests/fault_matrix.tsv in postern's source tree (it is not installed"* ]]
}

@test "-v names the TLS version and cipher once, without GnuTLS's session description" {
	fault_start "$SCEN" "$BATS_TEST_TMPDIR/f" --well-behaved
	account
	send -v bob@example.test
	[ "$status" -eq 0 ]
	line=$(printf '%s\n' "$stderr" | grep '^postern: --- TLS ')
	[[ "$line" =~ ^postern:\ ---\ TLS\ TLS1\.[23],\ [A-Z0-9-]+,\ verified\ by\ ca\+hostname$ ]]
}

@test "a GnuTLS error does not double its punctuation before postern's own" {
	cat >"$SCEN" <<-'EOF2'
	{"replies": {"starttls": {"tls": "garbage"}}}
	EOF2
	fault_start "$SCEN" "$BATS_TEST_TMPDIR/f" --well-behaved
	account
	send bob@example.test
	# (TLS refused before anything was sent: queued, the account held)
	[[ "$stderr" == *"TLS handshake failed: "* ]]
	[[ "$stderr" != *".;"* && "$stderr" != *"..;"* ]]
}

@test "--store-password on a headless machine (no D-Bus) offers the alternatives that work there" {
	submit_config "$(tb_account host smtp.example.test port 587 password '')"
	run --separate-stderr env -u DBUS_SESSION_BUS_ADDRESS "$POSTERN" --store-password --password-stdin <<<"pw"
	[ "$status" -eq 75 ]
	[[ "$stderr" == "postern: the keyring is not reachable: no D-Bus session bus"* ]]
	[[ "$stderr" == *'Without a keyring (a server, cron): put "password ..." in the config file (mode 600), or "passwordeval CMD", or a ~/.netrc line "machine smtp.example.test login alice@example.test password ..." (mode 600); the system queue also reads systemd credentials (LoadCredential=)' ]]
}

@test "no configuration at all: the error says how to make one" {
	rm -rf "$XDG_CONFIG_HOME/postern"
	send bob@example.test
	[ "$status" -eq 78 ]
	[[ "$stderr" == "postern: no configuration: make one with postern --configure you@example.org --write, or copy doc/config.example (or a provider's file from contrib/accounts) to ~/.config/postern/config; looked in "* ]]
	run "$POSTERN" --doctor --no-login
	[[ "$output" == *"         fix: postern --configure you@example.org --write"* ]]
}

@test "--doctor in a healthy setup: only OK lines and the summary; every fix line pasteable" {
	fault_start "$SCEN" "$BATS_TEST_TMPDIR/dead"
	dead=$FAULT_PORT # nothing listens there once stopped
	fault_stop
	fault_start "$SCEN" "$BATS_TEST_TMPDIR/f" --well-behaved --user alice@example.test --password "s3cret p@ss"
	account
	run "$POSTERN" --doctor --probe-ports "$dead,$FAULT_PORT,$dead" --probe-timeout 3
	[ "$status" -eq 0 ]
	! printf '%s\n' "$output" | grep -Ev '^(OK  |[0-9]+ ok, 0 info, 0 warnings, 0 problems$)'
	# a refused certificate: the fix line is one config line
	account tls_fingerprint "$(printf '%064d' 0 | sed 's/../00:/g; s/:$//')"
	run "$POSTERN" --doctor --no-login --probe-ports "$dead,$FAULT_PORT,$dead" --probe-timeout 3
	[ "$status" -eq 1 ]
	fix=$(printf '%s\n' "$output" | sed -n 's/^         fix: //p')
	[[ "$fix" =~ ^tls_fingerprint\ [0-9A-Fa-f:]+$ ]]
	[[ "$output" == *"the certificate changed: check it with your provider before pinning the new one"* ]]
}

@test "GNU Mailutils' -f root@vm (a host name without a dot) is a bare name: local_domain, else the account's from" {
	submit_config "$(tb_account host 127.0.0.1 port 1)"
	run --separate-stderr "$POSTERN" --dry-run -f root@vm bob@example.test <"$IN"
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" == "MAIL FROM:<root@example.test>"* ]]
	run --separate-stderr "$POSTERN" --dry-run -f root@localhost bob@example.test <"$IN"
	[[ "${lines[0]}" == "MAIL FROM:<root@example.test>"* ]]
	run --separate-stderr "$POSTERN" --dry-run -f root@mail.example.org bob@example.test <"$IN"
	[[ "${lines[0]}" == "MAIL FROM:<root@mail.example.org>"* ]]
	# without local_domain: the account's from
	sed -i '/^local_domain /d' "$XDG_CONFIG_HOME/postern/config"
	run --separate-stderr "$POSTERN" --dry-run -f root@vm bob@example.test <"$IN"
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" == "MAIL FROM:<alice@example.test>"* ]]
}

@test "README: quick start for users first, troubleshooting right after usage, the benchmark table in bench/results.md" {
	r=$POSTERN_SRCDIR/README
	heads=$(awk 'prev != "" && /^-+$/ && length($0) == length(prev) { print prev } { prev = $0 }' "$r" | tr '\n' '|')
	[[ "$heads" == "Quick start|Using it|Troubleshooting|"* ]]
	[[ "$heads" == *"|Building|"* ]]
	sed -n '/^Quick start$/,/^Using it$/p' "$r" | grep -q 'postern --configure you@example.org --write'
	sed -n '/^Quick start$/,/^Using it$/p' "$r" | grep -q 'postern --store-password'
	sed -n '/^Quick start$/,/^Using it$/p' "$r" | grep -q 'postern --doctor'
	! grep -q '^ *| W1 |' "$r"
	grep -q '| W1 |' "$POSTERN_SRCDIR/bench/results.md"
	grep -q 'bench/results.md' "$r"
}

@test "messages name the real account, not default, when default only points to it" {
	submit_config "account isp" "host 127.0.0.1" "port 1" "from alice@example.test" "auth off" "tls off" "account default : isp"
	run --separate-stderr "$POSTERN" -v --dry-run bob@example.test <"$IN"
	[ "$status" -eq 0 ]
	[[ "$stderr" == *"postern: using account isp ($XDG_CONFIG_HOME/postern/config:6)"* ]]
	# a default with a key of its own is itself
	submit_config "account isp" "host 127.0.0.1" "port 1" "from alice@example.test" "auth off" "tls off" "account default : isp" "from other@example.test"
	run --separate-stderr "$POSTERN" -v --dry-run bob@example.test <"$IN"
	[[ "$stderr" == *"postern: using account default ($XDG_CONFIG_HOME/postern/config:12)"* ]]
}

@test "-bm, one of two recipients refused: exit 0 (no retry, no duplicate), and a bounce notice (RFC 3464) to the sender" {
	cat >"$SCEN" <<-'EOF2'
	{"replies": {"rcpt:nobody@example.test":
	             {"code": 550, "text": "5.1.1 <nobody@example.test>: unknown"}}}
	EOF2
	fault_start "$SCEN" "$BATS_TEST_TMPDIR/f" --well-behaved
	account
	send -i bob@example.test nobody@example.test
	[ "$status" -eq 0 ]
	[ "${stderr_lines[0]}" = "postern: delivered to 1 of 2 recipients; refused nobody@example.test: 550 5.1.1 <nobody@example.test>: unknown" ]
	[[ "${stderr_lines[1]}" =~ ^postern:\ a\ bounce\ notice\ to\ \<alice@example.test\>\ for\ the\ refused\ recipients\ is\ queued\ as\ ([0-9a-f]{16})$ ]]
	id=${BASH_REMATCH[1]}
	grep -qx 'sender: ' "$Q/new/$id.env" || grep -qx 'sender:' "$Q/new/$id.env"
	grep -qx 'rcpt: pending alice@example.test' "$Q/new/$id.env"
	# the next queue run sends it, from <>, to the sender
	fault_wait_sessions
	run -0 "$POSTERN" -q
	fault_wait_sessions 10
	m=$(fault_message)
	[[ "$(fault_env mail "$m")" == "<>"* ]]
	[ "$(fault_env rcpt "$m")" = "<alice@example.test>" ]
	tr -d '\r' <"$m.eml" >"$BATS_TEST_TMPDIR/bounce.eml"
	grep -q '^Content-Type: multipart/report; report-type=delivery-status' "$BATS_TEST_TMPDIR/bounce.eml"
	grep -qi '^Final-Recipient: rfc822; *nobody@example.test' "$BATS_TEST_TMPDIR/bounce.eml"
	grep -q '^Action: failed' "$BATS_TEST_TMPDIR/bounce.eml"
	grep -q '^Subject: mistake' "$BATS_TEST_TMPDIR/bounce.eml" # the original headers
}

@test "-bs, one of two recipients refused: 250 naming it, and the bounce notice owed after a 250" {
	cat >"$SCEN" <<-'EOF2'
	{"replies": {"rcpt:nobody@example.test":
	             {"code": 550, "text": "5.1.1 <nobody@example.test>: unknown"}}}
	EOF2
	fault_start "$SCEN" "$BATS_TEST_TMPDIR/f" --well-behaved
	account
	printf 'EHLO me\r\nMAIL FROM:<alice@example.test>\r\nRCPT TO:<bob@example.test>\r\nRCPT TO:<nobody@example.test>\r\nDATA\r\nSubject: bs partial\r\n\r\nhi\r\n.\r\nQUIT\r\n' >"$BATS_TEST_TMPDIR/bs.in"
	run --separate-stderr "$POSTERN" -bs <"$BATS_TEST_TMPDIR/bs.in"
	printf '%s\n' "$output" | grep -Eq '^250 2\.0\.0 Ok: delivered to 1 of 2 recipients; refused nobody@example.test: 550 5\.1\.1 <nobody@example.test>: unknown; bounce notice queued as [0-9a-f]{16}'
	id=$(printf '%s\n' "$output" | sed -n 's/.*bounce notice queued as \([0-9a-f]\{16\}\).*/\1/p')
	grep -qx 'rcpt: pending alice@example.test' "$Q/new/$id.env"
}

@test "offline (no DNS answer): the reason ends with the resolver's words, no '(temporary)' after them" {
	require_cmd unshare util-linux
	unshare -n -m true 2>/dev/null || require_or_skip "unshare -n -m is not permitted here"
	submit_config "$(tb_account host smtp.example.org port 587 password '' auth off)"
	echo 'nameserver 127.0.0.1' >"$BATS_TEST_TMPDIR/resolv.conf"
	run --separate-stderr unshare -n -m sh -c 'mount --bind "$1" /etc/resolv.conf && ip link set lo up && exec "$2" bob@example.test <"$3"' \
		x "$BATS_TEST_TMPDIR/resolv.conf" "$POSTERN" "$IN"
	assert_tempfail "cannot resolve smtp.example.org: "
	[[ "$stderr" != *"(temporary)"* ]]
}

@test "the queue entry, mailq and the log name the real account when default only points to it" {
	submit_config "account isp" "host 127.0.0.1" "port 1" "from alice@example.test" "auth off" "tls off" "account default : isp"
	run --separate-stderr "$POSTERN" -odq bob@example.test <"$IN"
	[ "$status" -eq 0 ]
	[[ "$stderr" != *"account default"* ]]
	run "$POSTERN" -bp
	[ "$status" -eq 0 ]
	[[ "$output" == *"account isp"* ]]
	[[ "$output" != *"account default"* ]]
	grep -q 'account: isp' "$XDG_STATE_HOME"/postern/queue/new/*.env
}
