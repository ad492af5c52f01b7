#!/usr/bin/env bats
# secrets.bats: password sources other than the keyring (src/secrets.c,
# src/netrc.c, src/tty.c) and secret hygiene, against the fault server:
# passwordeval (success, exit status, empty output, stderr passed
# through, killed after the account's timeout), ~/.netrc (used, refused
# when others may read it), the /dev/tty prompt (through script(1)),
# OAuth tokens for XOAUTH2/OAUTHBEARER with the server's error challenge,
# and no password or base64 of it in /proc/PID/cmdline, environ, the
# logfile or the -v output while AUTH is stalled.

load lib/common
load lib/faultserver
load lib/secretscan

USER_=alice@example.test
PASS_='s3cret p@ss'

setup() {
	hermetic_env
	unset DBUS_SESSION_BUS_ADDRESS
	fault_certs "$BATS_SUITE_TMPDIR/certs"
	MSG=$BATS_TEST_TMPDIR/msg
	printf 'From: %s\nTo: bob@example.test\nSubject: tok\n\nbody\n' \
		"$USER_" >"$MSG"
}

teardown() {
	[ -z "${FAULT_PID:-}" ] || fault_stop
}

# scenario JSON: start the fault server (STARTTLS, AUTH PLAIN LOGIN
# CRAM-MD5, alice's password) with extra scenario keys.
start() {
	printf '{"preset": "well-behaved", "users": {"%s": "%s"}%s}\n' \
		"$USER_" "$PASS_" "${1:+, $1}" >"$BATS_TEST_TMPDIR/scen.json"
	fault_start "$BATS_TEST_TMPDIR/scen.json"
}

# config LINES...: account default on the fault server, no password.
config() {
	mkdir -p "$XDG_CONFIG_HOME/postern"
	{
		printf 'account default\nhost localhost\nport %s\n' "$FAULT_PORT"
		printf 'tls_trust_file %s/ca.crt\n' "$FAULT_CERT_DIR"
		printf 'auth on\nuser %s\nfrom %s\nqueue off\nkeyring off\n' \
			"$USER_" "$USER_"
		printf '%s\n' "$@"
	} >"$XDG_CONFIG_HOME/postern/config"
	chmod 600 "$XDG_CONFIG_HOME/postern/config"
}

send() {
	run setsid -w "$POSTERN" -v bob@example.test <"$MSG"
}

@test "passwordeval: the first line is the password; -v names the source" {
	start
	printf '%s\r\nsecond line\n' "$PASS_" >"$BATS_TEST_TMPDIR/pw"
	config "passwordeval \"cat $BATS_TEST_TMPDIR/pw\""
	send
	[ "$status" -eq 0 ]
	[[ $output == *"postern: the password came from passwordeval"* ]]
	[[ $output == *"--> AUTH PLAIN <redacted>"* ]]
	[ "$(fault_env auth_user)" = "$USER_" ]
}

@test "passwordeval: non-zero exit names the status, its stderr passes through" {
	start
	config 'passwordeval "echo helper says no >&2; echo pw; exit 3"'
	send
	[ "$status" -eq 75 ]
	[[ $output == *"helper says no"* ]]
	[[ $output == *"postern: passwordeval command failed (exit status 3); the message was not sent (temporary failure: try again later)"* ]]
	[ ! -e "$(fault_message).env" ]
}

@test "passwordeval: empty output is an error naming the exit status" {
	start
	config 'passwordeval "printf \"\\n\""'
	send
	[ "$status" -eq 75 ]
	[[ $output == *"postern: passwordeval command printed no password (exit status 0, empty first line); the message was not sent"* ]]
}

@test "passwordeval: a command slower than the account's timeout is killed" {
	start
	config 'timeout 2' "passwordeval \"echo \$\$ >$BATS_TEST_TMPDIR/sh.pid; exec sleep 60\""
	local t0=$SECONDS
	send
	[ $((SECONDS - t0)) -lt 6 ]
	[ "$status" -eq 75 ]
	[[ $output == *"postern: passwordeval did not finish within 2 seconds; it was killed; the message was not sent"* ]]
	# the command is gone (or a zombie waiting for init)
	local pid st
	pid=$(cat "$BATS_TEST_TMPDIR/sh.pid")
	st=$(sed 's/.*) //' "/proc/$pid/stat" 2>/dev/null | cut -c1) || st=gone
	[ -z "$st" ] || [ "$st" = Z ] || [ "$st" = gone ]
}

# fds_of_eval: a passwordeval that lists the descriptors a command it
# runs has (ls -l /proc/self/fd, which holds one more: the directory it
# reads) into $BATS_TEST_TMPDIR/fds, then prints the password.
fds_of_eval() {
	printf '%s\n' "$PASS_" >"$BATS_TEST_TMPDIR/pw"
	config "passwordeval \"ls -l /proc/self/fd >$BATS_TEST_TMPDIR/fds; cat $BATS_TEST_TMPDIR/pw\""
}

# inherited: the descriptors of that command but ls's own, as "0 1 2 ".
inherited() {
	awk '$(NF - 1) == "->" && $NF !~ /^\/proc\/[0-9]+\/fd$/ {
		print $(NF - 2) }' "$BATS_TEST_TMPDIR/fds" | sort -n | tr '\n' ' '
}

@test "passwordeval (-bm): the command inherits only descriptors 0, 1 and 2" {
	start
	fds_of_eval
	send
	[ "$status" -eq 0 ]
	[ "$(fault_env auth_user)" = "$USER_" ]
	cat "$BATS_TEST_TMPDIR/fds"
	[ "$(inherited)" = "0 1 2 " ]
}

@test "passwordeval (-bs): the command inherits only descriptors 0, 1 and 2" {
	start
	fds_of_eval
	run "$POSTERN" -bs < <(printf '%s\r\n' 'EHLO x' \
		"MAIL FROM:<$USER_>" 'RCPT TO:<bob@example.test>' DATA \
		'Subject: tok' '' body . QUIT)
	[ "$status" -eq 0 ]
	[[ $output == *"250 2.0.0 Ok: delivered to 1 recipient"* ]]
	[ "$(fault_env auth_user)" = "$USER_" ]
	cat "$BATS_TEST_TMPDIR/fds"
	[ "$(inherited)" = "0 1 2 " ]
}

@test "passwordeval: the first line counts, not a background process's hold on the output" {
	start
	printf '%s\n' "$PASS_" >"$BATS_TEST_TMPDIR/pw"
	# the sleep holds postern's pipe (its stdout); its stderr is not
	# bats's, whose run would wait for it
	config 'timeout 30' "passwordeval \"cat $BATS_TEST_TMPDIR/pw; sleep 30 2>/dev/null & echo \$! >$BATS_TEST_TMPDIR/bg.pid\""
	local t0=$SECONDS
	send
	local took=$((SECONDS - t0)) bg
	echo "$output"
	bg=$(cat "$BATS_TEST_TMPDIR/bg.pid")
	kill "$bg" # the background sleep is the user's: postern leaves it
	[ "$took" -lt 10 ]
	[ "$status" -eq 0 ]
	[[ $output == *"postern: the password came from passwordeval"* ]]
	[ "$(fault_env auth_user)" = "$USER_" ]
}

@test "passwordeval: a line printed, the shell still running: killed at the timeout" {
	start
	printf '%s\n' "$PASS_" >"$BATS_TEST_TMPDIR/pw"
	config 'timeout 2' "passwordeval \"cat $BATS_TEST_TMPDIR/pw; exec >&-; echo \$\$ >$BATS_TEST_TMPDIR/sh.pid; exec sleep 60\""
	local t0=$SECONDS
	send
	[ $((SECONDS - t0)) -lt 8 ]
	[ "$status" -eq 75 ]
	[[ $output == *"postern: passwordeval did not finish within 2 seconds; it was killed; the message was not sent"* ]]
	local pid st
	pid=$(cat "$BATS_TEST_TMPDIR/sh.pid")
	st=$(sed 's/.*) //' "/proc/$pid/stat" 2>/dev/null | cut -c1) || st=gone
	[ -z "$st" ] || [ "$st" = Z ] || [ "$st" = gone ]
}

@test "~/.netrc: used when mode 600, refused when others may read it" {
	start
	config
	printf 'machine other login x password y\nmachine LOCALHOST login %s password "%s"\n' \
		"$USER_" "$PASS_" >"$HOME/.netrc"
	chmod 600 "$HOME/.netrc"
	send
	[ "$status" -eq 0 ]
	[[ $output == *"postern: the password came from ~/.netrc"* ]]
	chmod 644 "$HOME/.netrc"
	send
	[ "$status" -eq 78 ]
	[[ $output == *"postern: $HOME/.netrc may be read or changed by group or others (mode 0644); postern will not take a password from it: chmod 600 $HOME/.netrc; the message was not sent"* ]]
	# NETRC names another file
	cp "$HOME/.netrc" "$BATS_TEST_TMPDIR/rc"
	chmod 600 "$BATS_TEST_TMPDIR/rc"
	NETRC=$BATS_TEST_TMPDIR/rc send
	[ "$status" -eq 0 ]
}

@test "no source at all, no terminal: a configuration error naming the account" {
	start
	config
	send
	[ "$status" -eq 78 ]
	[[ $output == *"postern: account default: no password for user $USER_ at localhost; set password or passwordeval, or store one with postern --store-password; the message was not sent"* ]]
}

@test "the prompt on /dev/tty: no echo, the message still read from stdin" {
	require_cmd script bsdutils
	start
	config
	# script gives postern a terminal; stdin of postern is the message
	run script -qec "'$POSTERN' -v bob@example.test <'$MSG'; echo rc=\$?" \
		/dev/null < <(sleep 1; printf '%s\n' "$PASS_")
	[[ $output == *"postern: password for $USER_ at localhost (account default): "* ]]
	[[ $output == *"the password came from the terminal (prompt)"* ]]
	[[ $output == *"rc=0"* ]]
	[[ $output != *"$PASS_"* ]]
	[ "$(fault_env auth_user)" = "$USER_" ]
	grep -q '^body' "$(fault_message).eml"
}

@test "--store-password without a keyring or a terminal says why" {
	start
	config
	run setsid -w "$POSTERN" --store-password </dev/null
	if "$POSTERN" --version | grep -q '^Keyring: *disabled'; then
		[ "$status" -eq 69 ]
		[[ $output == *"built without keyring support"* ]]
	else
		[ "$status" -eq 64 ]
		[ "$output" = "postern: no terminal to ask for the password on; pipe it in with --password-stdin" ]
	fi
	run "$POSTERN" --password-stdin bob@example.test
	[ "$status" -eq 64 ]
	[ "$output" = "postern: --password-stdin only applies to --store-password" ]
}

@test "XOAUTH2 and OAUTHBEARER: token from passwordeval, error challenge answered" {
	local json b64
	json='{"status":"401","schemes":"bearer","scope":"https://mail.google.com/"}'
	b64=$(printf '%s' "$json" | base64 -w0)
	# the engine answers the 334 error challenge; the faultserver closes
	# the exchange with 535. A refused token is temporary (the account's
	# mail is held; with queue off: exit 75, see oauth2_auth.bats).
	start '"ehlo_tls": ["PIPELINING", "ENHANCEDSTATUSCODES", "AUTH PLAIN XOAUTH2 OAUTHBEARER"], "replies": {"auth": {"code": 334, "text": "'"$b64"'"}, "auth_step": {"code": 535, "text": "5.7.8 Username and Password not accepted"}}'
	config 'auth xoauth2' 'passwordeval "echo ya29.tok3n"'
	send
	[ "$status" -eq 75 ]
	# the stderr line names the server's JSON error
	[[ $output == *"postern: authentication failed (AUTH XOAUTH2; the server said $json): 535 5.7.8 Username and Password not accepted; the message was not sent (temporary failure: try again later)"* ]]
	# a refused token is an account state (held), not a wrong password:
	# no password-source hint (that is for 5xx ERR_NOPERM, mistake_password)
	[[ $output != *"not accepted; the password came from"* ]]
	[[ $output != *"ya29.tok3n"* ]]
	# -v shows the server's JSON error challenge
	[[ $output == *"postern: <-- 334 $b64"* ]]
	local t
	t=$(fault_transcript 1)
	grep -qxF "C: AUTH XOAUTH2 $(printf 'user=%s\001auth=Bearer ya29.tok3n\001\001' "$USER_" | base64 -w0)" "$t"
	# XOAUTH2 answers the error challenge with an empty line
	[ "$(grep -A1 "^S: 334 $b64" "$t" | tail -1)" = "C: " ]
	config 'auth oauthbearer' 'passwordeval "echo ya29.tok3n"'
	send
	[ "$status" -eq 75 ]
	[[ $output == *"authentication failed (AUTH OAUTHBEARER; the server said $json): 535 5.7.8"* ]]
	t=$(fault_transcript 2)
	# OAUTHBEARER answers it with a single ^A (RFC 7628 3.2.3)
	[ "$(grep -A1 "^S: 334 $b64" "$t" | tail -1)" = "C: AQ==" ]
}

@test "secret scan: not in cmdline, environ, logfile or -v output while AUTH stalls" {
	start '"replies": {"auth": {"sleep": 4}}'
	printf '%s\n' "$PASS_" >"$BATS_TEST_TMPDIR/pw"
	config "passwordeval \"cat $BATS_TEST_TMPDIR/pw\"" \
		"logfile $BATS_TEST_TMPDIR/postern.log" 'auth plain'
	"$POSTERN" -v bob@example.test <"$MSG" >"$BATS_TEST_TMPDIR/out" 2>&1 3>&- &
	local pid=$! i plain b64
	for i in $(seq 100); do
		grep -q '^C: AUTH PLAIN' "$(fault_transcript 1)" 2>/dev/null && break
		sleep 0.05
	done
	grep -q '^C: AUTH PLAIN' "$(fault_transcript 1)"
	plain=$(printf '\0%s\0%s' "$USER_" "$PASS_" | base64 -w0)
	b64=$(printf '%s' "$PASS_" | base64 -w0)
	# the process is still waiting for the reply to AUTH, holding it
	[ -r "/proc/$pid/cmdline" ]
	tr '\0' '\n' <"/proc/$pid/cmdline" >"$BATS_TEST_TMPDIR/cmdline"
	tr '\0' '\n' <"/proc/$pid/environ" >"$BATS_TEST_TMPDIR/environ"
	grep -q 'bob@example.test' "$BATS_TEST_TMPDIR/cmdline"
	grep -q '^HOME=' "$BATS_TEST_TMPDIR/environ"
	# not dumpable: /proc/PID/environ belongs to root, not the user
	[ "$(stat -c %U "/proc/$pid/environ")" = root ]
	secret_scan_pid "$PASS_" "$USER_" "$pid"
	wait "$pid"
	# the stalled AUTH went through in the end
	grep -q '^S: 235' "$(fault_transcript 1)"
	secret_scan_files "$PASS_" "$USER_" "$BATS_TEST_TMPDIR"/{cmdline,environ,postern.log,out}
	# the scan looks for (at least) what this test computed
	secret_forms "$PASS_" "$USER_" | grep -Fxq -- "$plain"
	secret_forms "$PASS_" "$USER_" | grep -Fxq -- "$b64"
	grep -q 'AUTH PLAIN <redacted>' "$BATS_TEST_TMPDIR/out"
	grep -q 'auth=PLAIN' "$BATS_TEST_TMPDIR/postern.log"
}
