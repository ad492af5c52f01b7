#!/usr/bin/env bats
# tls_resume.bats: TLS session resumption (tls_session_cache, src/tls.c,
# src/tls_cache.c) against the real Postfix test bed, which issues
# tickets: the second connection of an account resumes; the cache file
# is 0600 and named by the account's identity; another account, port or
# a file copied under another name is never used; a resumed session
# whose certificate no longer verifies is refused and its file removed;
# tls_session_cache off keeps nothing.

load lib/common
load lib/postfix

setup_file() {
	postfix_start
}

setup() {
	postfix_setup
	hermetic_env
	MSG=$BATS_TEST_TMPDIR/msg
	CACHE=$XDG_STATE_HOME/postern/tls
	cp "$TB_CA" "$BATS_TEST_TMPDIR/ca.pem"
	write_config
}

teardown_file() {
	teardown_try postfix_stop
}

# write_config [EXTRA LINES]: accounts a and b (same user and server,
# STARTTLS), and a465 (implicit TLS); the trust file is a copy.
write_config() {
	mkdir -p "$XDG_CONFIG_HOME/postern"
	{
		printf 'defaults\nhost localhost\ntls on\nauth plain\nqueue off\n'
		printf 'tls_trust_file %s\n' "$BATS_TEST_TMPDIR/ca.pem"
		printf 'user %s\npassword "%s"\nfrom %s\n' "$TB_USER" "$TB_PASS" "$TB_USER"
		printf '%s\n' "$@"
		printf 'account a\nport %s\n' "$TB_SUBMISSION_PORT"
		printf 'account b\nport %s\n' "$TB_SUBMISSION_PORT"
		printf 'account a465\nport %s\ntls_starttls off\n' "$TB_SMTPS_PORT"
	} >"$XDG_CONFIG_HOME/postern/config"
	chmod 600 "$XDG_CONFIG_HOME/postern/config"
}

# send ACCOUNT TOKEN: submit with -v; the TLS line goes to $tls_line.
send() {
	printf 'From: %s\nTo: bob@example.test\nSubject: %s\n\nbody\n' \
		"$TB_USER" "$2" >"$MSG"
	run "$POSTERN" -v -a "$1" bob@example.test <"$MSG"
	tls_line=$(grep -m1 'TLS TLS1\.[23], .*verified by' <<<"$output" || true)
}

# files: the session cache files, one per line (not the trust anchor
# cache's <id>.root files: tls_trust_cache.bats).
files() {
	find "$CACHE" -type f ! -name '*.root' 2>/dev/null | sort
}

@test "the second connection resumes; one 0600 file named by its header" {
	send a tok-res-1
	[ "$status" -eq 0 ]
	[[ $tls_line == *"verified by ca+hostname" ]]
	wait_mail tok-res-1
	[ "$(files | wc -l)" -eq 1 ]
	f=$(files)
	[ "$(stat -c %a "$f")" = 600 ]
	[ "$(stat -c %a "$CACHE")" = 700 ]
	[[ $(basename "$f") =~ ^[0-9a-f]{64}$ ]]
	[ "$(head -1 "$f")" = "postern-tls-session 1 $(basename "$f")" ]
	send a tok-res-2
	[ "$status" -eq 0 ]
	[[ $tls_line == *"verified by ca+hostname, session resumed" ]]
	wait_mail tok-res-2
	grep -qx "sasl_username=$TB_USER" "$mail_env"
}

@test "another account or port never uses the session; nor a file copied to its name" {
	send a tok-res-a
	[ "$status" -eq 0 ]
	fa=$(files)
	send a465 tok-res-465
	[ "$status" -eq 0 ]
	[[ $tls_line == *"verified by ca+hostname" ]]
	f465=$(files | grep -vx "$fa")
	send b tok-res-b
	[ "$status" -eq 0 ]
	[[ $tls_line == *"verified by ca+hostname" ]]
	fb=$(files | grep -vx -e "$fa" -e "$f465")
	[ "$(files | wc -l)" -eq 3 ]
	[ -n "$fb" ] && [ "$fb" != "$fa" ] && [ "$f465" != "$fa" ]
	# a's session (which the same server would take) under b's name
	cp "$fa" "$fb"
	send b tok-res-b2
	[ "$status" -eq 0 ]
	[[ $tls_line == *"verified by ca+hostname" ]]
	wait_mail tok-res-b2
	# b kept its own session again; a still resumes with its own
	[ "$(head -1 "$fb")" = "postern-tls-session 1 $(basename "$fb")" ]
	send b tok-res-b3
	[[ $tls_line == *"session resumed" ]]
	send a tok-res-a2
	[[ $tls_line == *"session resumed" ]]
	wait_mail tok-res-a2
}

@test "a resumed session whose certificate no longer verifies is refused, its file removed" {
	send a tok-res-ok
	[ "$status" -eq 0 ]
	f=$(files)
	[ -f "$f" ]
	# same trust file path (same cache entry), another CA in it now
	cp "$TB_WRONG_CA" "$BATS_TEST_TMPDIR/ca.pem"
	send a tok-res-bad
	[ "$status" -eq 77 ]
	[[ $output == *"postern: localhost: TLS certificate refused: its issuer is not in the trusted CAs (tls_trust_file)"* ]]
	[[ $output == *"session resumed"* ]] && false
	assert_no_mail tok-res-bad
	[ ! -e "$f" ]
	# a full handshake now: refused the same way, nothing cached
	send a tok-res-bad2
	[ "$status" -eq 77 ]
	[ -z "$(files)" ]
}

@test "a pinned account resumes and checks the pin of the resumed session" {
	write_config "tls_fingerprint $TB_SERVER_SHA256"
	send a tok-res-pin1
	[ "$status" -eq 0 ]
	[[ $tls_line == *"verified by fingerprint" ]]
	send a tok-res-pin2
	[ "$status" -eq 0 ]
	[[ $tls_line == *"verified by fingerprint, session resumed" ]]
	wait_mail tok-res-pin2
}

@test "tls_session_cache off: nothing kept, nothing resumed" {
	write_config "tls_session_cache off"
	send a tok-res-off1
	[ "$status" -eq 0 ]
	send a tok-res-off2
	[ "$status" -eq 0 ]
	[[ $tls_line == *"verified by ca+hostname" ]]
	wait_mail tok-res-off2
	[ ! -e "$CACHE" ]
}

@test "a resumed session for another name (a forged cache file) is refused, its file removed" {
	require_cmd strace strace
	# Account o: the port whose certificate is for otherhost.example.test,
	# checked under that name. Account l: the same port, checked as
	# localhost, which that certificate is not for.
	{
		printf 'account o\nport %s\n' "$TB_SUBMISSION_OTHERHOST_PORT"
		printf 'tls_host_override otherhost.example.test\n'
		printf 'account l\nport %s\n' "$TB_SUBMISSION_OTHERHOST_PORT"
	} >>"$XDG_CONFIG_HOME/postern/config"
	send o tok-res-o
	[ "$status" -eq 0 ]
	wait_mail tok-res-o
	fo=$(files)
	[ -n "$fo" ]
	# l is refused; the cache file it looks for is its name (strace)
	printf 'From: %s\nTo: bob@example.test\nSubject: tok-res-l\n\nbody\n' \
		"$TB_USER" >"$MSG"
	# LeakSanitizer cannot run under ptrace (an --enable-asan build).
	run env ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" \
		strace -f -qq -e trace=openat,open -o "$BATS_TEST_TMPDIR/trace" \
		"$POSTERN" -a l bob@example.test <"$MSG"
	[ "$status" -eq 77 ]
	fl=$(grep -o "$CACHE/[0-9a-f]\{64\}" "$BATS_TEST_TMPDIR/trace" |
		grep -vx "$fo" | head -n1)
	[ -n "$fl" ]
	[ ! -e "$fl" ]
	# forged: o's session (which the server resumes) under l's name
	{
		printf 'postern-tls-session 1 %s\n' "$(basename "$fl")"
		tail -n +2 "$fo"
	} >"$fl"
	chmod 600 "$fl"
	send l tok-res-forged
	[ "$status" -eq 77 ]
	[[ $output == *"postern: localhost: TLS certificate refused: the host name in it does not match"* ]]
	assert_no_mail tok-res-forged
	# refused as a resumed session: its file is gone
	[ ! -e "$fl" ]
}
