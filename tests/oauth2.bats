#!/usr/bin/env bats
# oauth2.bats: built-in OAuth2 against a real authorization server and a
# submission server that really checks tokens: npm's oidc-provider 8 on
# loopback (tests/servers/oauth2, public client "postern", refresh tokens
# that rotate, reuse revoking the grant) and the Postfix test bed whose
# Dovecot checks XOAUTH2/OAUTHBEARER tokens by introspection. Access
# tokens are JWTs over 2 KB (OP_TOKEN_PAD), so every AUTH here takes the
# path where the token follows the empty 334 (RFC 4954: the AUTH line
# would be over 512 octets). Covered: --authorize --device end to end
# (tokens stored 0600, a test login), a token near expiry refreshed with
# the rotated refresh token stored (two refreshes in a row: a lost
# rotation would be refused as a reuse), a revoked grant held, then
# --authorize and one delivery, two submissions at once during a refresh,
# and no token in the log, -v output, queue or token-less files; the
# fallback to the OpenSSL libcurl when the GnuTLS one cannot be loaded.

load lib/common
load lib/postfix
load lib/oauth2
load lib/keyring
load lib/secretscan
bats_require_minimum_version 1.5.0

setup_file() {
	op_bed_start
}

teardown_file() {
	op_bed_stop
}

teardown() {
	# a failed test may leave --authorize waiting
	[ -z "${AUTH_PID:-}" ] || kill "$AUTH_PID" 2>/dev/null || true
	[ -z "${LB_PID:-}" ] || kill "$LB_PID" 2>/dev/null || true
	keyring_stop
}

setup() {
	[ -n "${OP_URL:-}" ] || op_start # skips with the reason
	postfix_setup
	hermetic_env
	TOKFILE=$XDG_STATE_HOME/postern/oauth2/default.json
	Q=$XDG_STATE_HOME/postern/queue
	mkdir -p "$XDG_CONFIG_HOME/postern"
	{
		printf 'account default\nhost localhost\nport %s\n' "$TB_SUBMISSION_PORT"
		printf 'tls_trust_file %s\n' "$TB_CA"
		printf 'user %s\nfrom %s\nsyslog off\nlogfile %s/log\n' \
			"$TB_USER" "$TB_USER" "$BATS_TEST_TMPDIR"
		printf 'oauth2_provider custom\noauth2_issuer %s\n' "$OP_URL"
		printf 'oauth2_client_id postern\noauth2_scope "openid offline_access smtp"\n'
		printf 'oauth2_token_store file\n'
	} >"$XDG_CONFIG_HOME/postern/config"
	chmod 600 "$XDG_CONFIG_HOME/postern/config"
}

# authorize [ACCOUNT]: postern --authorize --device, approved as alice
# once the code is printed; the output is in $BATS_TEST_TMPDIR/auth.out.
authorize() {
	local out=$BATS_TEST_TMPDIR/auth.out pid
	: >"$out"
	"$POSTERN" --authorize ${1:+"$1"} --device >"$out" 2>&1 3>&- &
	pid=$!
	AUTH_PID=$pid
	op_device_wait "$out" "$pid"
	AUTH_PID=
}

msg() {
	printf 'From: %s\nTo: %s\nSubject: %s\n\nbody %s\n' "$TB_USER" "$TB_USER2" "$1" "$1"
}

@test "--authorize --device: code shown, approved, tokens stored 0600, test login, then mail goes with OAUTHBEARER" {
	authorize
	cat "$BATS_TEST_TMPDIR/auth.out"
	grep -q "^postern: to authorize, open $OP_URL/device and enter the code " "$BATS_TEST_TMPDIR/auth.out"
	grep -qx "postern: authorized; tokens stored for account default" "$BATS_TEST_TMPDIR/auth.out"
	grep -qx "postern: logged in to localhost as $TB_USER with OAUTHBEARER" "$BATS_TEST_TMPDIR/auth.out"
	[ "$(stat -c %a "$TOKFILE")" = 600 ]
	[ "$(stat -c %a "${TOKFILE%/*}")" = 700 ]
	local at rt
	at=$(token_field access_token)
	rt=$(token_field refresh_token)
	[ "${#at}" -gt 2048 ]
	run -0 --separate-stderr "$POSTERN" -v "$TB_USER2" < <(msg tok-device)
	wait_mail tok-device
	[[ $stderr == *"postern: --> AUTH OAUTHBEARER"$'\n'"postern: <-- 334 "$'\n'"postern: --> <redacted>"$'\n'"postern: <-- 235 "* ]]
	secret_scan_text "$at" "$TB_USER" "$stderr"
	secret_scan_text "$rt" "$TB_USER" "$stderr$(cat "$BATS_TEST_TMPDIR/auth.out")"
	secret_scan_files "$at" "$TB_USER" "$BATS_TEST_TMPDIR/log" "$XDG_CONFIG_HOME/postern/config"
	secret_scan_files "$rt" "$TB_USER" "$BATS_TEST_TMPDIR/log"
}

@test "a token near expiry is refreshed; the rotated refresh token is stored (two refreshes in a row)" {
	echo 'auth xoauth2' >>"$XDG_CONFIG_HOME/postern/config"
	authorize
	local rt0 rt1 at0
	rt0=$(token_field refresh_token)
	at0=$(token_field access_token)
	token_age
	run -0 "$POSTERN" "$TB_USER2" < <(msg tok-refresh1)
	wait_mail tok-refresh1
	rt1=$(token_field refresh_token)
	[ "$rt1" != "$rt0" ]
	[ "$(token_field access_token)" != "$at0" ]
	[ "$(token_field expires_at)" -gt $(($(date +%s) + 300)) ]
	# A second refresh spends rt1; had rt0 been kept, the provider would
	# see a reuse, revoke the grant, and the message would be held.
	token_age
	run -0 --separate-stderr "$POSTERN" "$TB_USER2" < <(msg tok-refresh2)
	[ -z "$stderr" ]
	wait_mail tok-refresh2
	[ "$(token_field refresh_token)" != "$rt1" ]
	[ -z "$(ls "$Q/new" 2>/dev/null)" ]
}

@test "a revoked grant holds the mail: queued (exit 0), mailq says so, --authorize, then delivered once" {
	authorize
	op_revoke "$(token_field refresh_token)"
	token_age
	run -0 --separate-stderr "$POSTERN" "$TB_USER2" < <(msg tok-revoked)
	local id
	id=$(ls "$Q/new" | sed -n 's/\.env$//p')
	[ -n "$id" ]
	[ "$stderr" = "postern: queued $id: account default needs authorization: run postern --authorize default" ]
	run -0 "$POSTERN" -bp
	[[ $output == *"  held: account default needs authorization: run postern --authorize default"* ]]
	# --doctor says so, with the fix
	run -1 "$POSTERN" --doctor --probe-ports "$TB_PLAIN_PORT,$TB_SUBMISSION_PORT,$TB_SMTPS_PORT"
	echo "$output"
	grep -qx 'PROBLEM  oauth2: account default needs authorization: run postern --authorize default' <<<"$output"
	grep -q 'postern --authorize default$' <<<"$output"
	# no token in the queue's files
	secret_scan_files "$(token_field refresh_token)" "$TB_USER" "$Q/new/$id.env"
	secret_scan_files "$(token_field access_token)" "$TB_USER" "$Q/new/$id.env" "$Q/new/$id.msg"
	# A queue run keeps it (held: no bounce, not failed).
	run -0 "$POSTERN" -q
	[ -e "$Q/new/$id.env" ]
	[ -z "$(ls "$Q/failed" 2>/dev/null)" ]
	authorize
	run -0 "$POSTERN" -q
	wait_mail tok-revoked
	[ -z "$(ls "$Q/new" 2>/dev/null)" ]
	[ "$(grep -l tok-revoked "$TB_MAILDIR"/new/*.eml | wc -l)" = 1 ]
	secret_scan_files "$(token_field refresh_token)" "$TB_USER" "$BATS_TEST_TMPDIR/log"
}

@test "two submissions at once during a refresh: one refresh, both delivered, the grant survives" {
	authorize
	token_age
	"$POSTERN" "$TB_USER2" < <(msg tok-conc1) >"$BATS_TEST_TMPDIR/c1" 2>&1 3>&- &
	local p1=$!
	"$POSTERN" "$TB_USER2" < <(msg tok-conc2) >"$BATS_TEST_TMPDIR/c2" 2>&1 3>&- &
	local p2=$!
	wait "$p1"
	wait "$p2"
	cat "$BATS_TEST_TMPDIR/c1" "$BATS_TEST_TMPDIR/c2"
	[ ! -s "$BATS_TEST_TMPDIR/c1" ] && [ ! -s "$BATS_TEST_TMPDIR/c2" ]
	wait_mail tok-conc1
	wait_mail tok-conc2
	# Had both spent the same refresh token, the grant would be gone.
	token_age
	run -0 --separate-stderr "$POSTERN" "$TB_USER2" < <(msg tok-conc3)
	[ -z "$stderr" ]
	wait_mail tok-conc3
}

@test "a token the server refuses (334 error, 535): refreshed and AUTH again on the same connection" {
	authorize
	local at0
	at0=$(token_field access_token)
	# Still valid for postern's clock, refused by Dovecot's introspection.
	curl -sS -d "token=$at0" "$OP_URL/test/expire" | grep -q '"ok":true'
	run -0 --separate-stderr "$POSTERN" -v "$TB_USER2" < <(msg tok-reauth)
	wait_mail tok-reauth
	echo "$stderr"
	[ "$(grep -c '^postern: --> AUTH OAUTHBEARER$' <<<"$stderr")" = 2 ]
	[ "$(grep -c '^postern: <-- 535 ' <<<"$stderr")" = 1 ]
	grep -q '^postern: <-- 235 ' <<<"$stderr"
	grep -qx 'postern: --- the server refused the token; refreshing it' <<<"$stderr"
	# one connection
	[ "$(grep -c '^postern: --> EHLO ' <<<"$stderr")" = 2 ]
	[ "$(token_field access_token)" != "$at0" ]
	secret_scan_text "$(token_field access_token)" "$TB_USER" "$stderr"
	secret_scan_text "$(token_field refresh_token)" "$TB_USER" "$stderr"
}

# loopback_start: postern --authorize (the browser flow) in the
# background, stdin from the fifo $BATS_TEST_TMPDIR/paste; sets LB_PID
# and LB_URL (the authorization request it printed).
loopback_start() {
	local out=$BATS_TEST_TMPDIR/auth.out i
	mkfifo "$BATS_TEST_TMPDIR/paste"
	"$POSTERN" --authorize <"$BATS_TEST_TMPDIR/paste" >"$out" 2>&1 3>&- &
	LB_PID=$!
	exec 4>"$BATS_TEST_TMPDIR/paste"
	for i in $(seq 200); do
		LB_URL=$(grep -m1 "^postern: $OP_URL/auth?" "$out" | sed 's/^postern: //')
		[ -n "$LB_URL" ] && break
		sleep 0.05
	done
	[ -n "$LB_URL" ] || { cat "$out"; return 1; }
}

@test "--authorize, browser flow: PKCE S256 and state in the request, the browser's redirect to 127.0.0.1 ends it" {
	loopback_start
	[[ $LB_URL == *"code_challenge_method=S256"* ]]
	[[ $LB_URL == *"&state="* ]]
	[[ $LB_URL == *"redirect_uri=http%3A%2F%2F127.0.0.1%3A"* ]]
	local to
	to=$(op_approve_code "$LB_URL")
	[[ $to == http://127.0.0.1:*"code="*"&state="*"iss="* ]]
	# the browser follows the redirect to postern's listener
	curl -sS "$to" | grep -q 'you may close this window'
	exec 4>&-
	wait "$LB_PID" || { cat "$BATS_TEST_TMPDIR/auth.out"; return 1; }
	LB_PID=
	grep -qx "postern: authorized; tokens stored for account default" "$BATS_TEST_TMPDIR/auth.out"
	grep -qx "postern: logged in to localhost as $TB_USER with OAUTHBEARER" "$BATS_TEST_TMPDIR/auth.out"
	[ "$(stat -c %a "$TOKFILE")" = 600 ]
	run -0 "$POSTERN" "$TB_USER2" < <(msg tok-loopback)
	wait_mail tok-loopback
}

@test "--authorize, browser flow on another machine: the redirect URL pasted on stdin; a wrong state is refused" {
	loopback_start
	local to bad
	to=$(op_approve_code "$LB_URL")
	# A forged answer first (state changed): refused, nothing stored.
	bad=$(sed 's/state=[^&]*/state=forged/' <<<"$to")
	printf '%s\n' "$bad" >&4
	exec 4>&-
	local st=0
	wait "$LB_PID" || st=$?
	LB_PID=
	[ "$st" -eq 77 ]
	grep -q "postern: the answer's state does not match this request" "$BATS_TEST_TMPDIR/auth.out"
	[ ! -e "$TOKFILE" ]
	# Again, with the real redirect pasted.
	rm -f "$BATS_TEST_TMPDIR/paste"
	loopback_start
	to=$(op_approve_code "$LB_URL")
	printf '%s\n' "$to" >&4
	exec 4>&-
	wait "$LB_PID" || { cat "$BATS_TEST_TMPDIR/auth.out"; return 1; }
	LB_PID=
	grep -qx "postern: authorized; tokens stored for account default" "$BATS_TEST_TMPDIR/auth.out"
	run -0 "$POSTERN" "$TB_USER2" < <(msg tok-pasted)
	wait_mail tok-pasted
}

@test "oauth2_token_store keyring: tokens kept under org.postern.OAuth2 (issuer, client_id, user, kind), no file" {
	keyring_start "$BATS_TEST_TMPDIR/kr"
	sed -i 's/^oauth2_token_store file$/oauth2_token_store keyring/' "$XDG_CONFIG_HOME/postern/config"
	authorize
	grep -qx "postern: authorized; tokens stored for account default" "$BATS_TEST_TMPDIR/auth.out"
	[ ! -e "$TOKFILE" ]
	run -0 secret-tool search --all issuer "$OP_URL" client_id postern user "$TB_USER" kind tokens
	grep -qx 'schema = org.postern.OAuth2' <<<"$output"
	grep -q '^secret = {"access_token":' <<<"$output"
	run -0 --separate-stderr "$POSTERN" -v "$TB_USER2" < <(msg tok-keyring)
	wait_mail tok-keyring
	local rt
	rt=$(secret-tool lookup issuer "$OP_URL" client_id postern user "$TB_USER" kind tokens |
		"$PYTHON3" -c 'import json,sys; print(json.load(sys.stdin)["refresh_token"])')
	[ -n "$rt" ]
	secret_scan_text "$rt" "$TB_USER" "$stderr"
	secret_scan_files "$rt" "$TB_USER" "$BATS_TEST_TMPDIR/log"
}

# without_curl_gnutls CMD: run the shell string CMD in a private mount
# namespace where libcurl-gnutls.so.4 (the library postern's dlopen
# tries first) is an empty file, as on a distribution that has only the
# OpenSSL build (Fedora). Needs root and unshare; $CURL_GNUTLS is the
# path the dynamic linker uses.
without_curl_gnutls() {
	unshare -m --propagation private sh -c \
		"mount --bind '$BATS_TEST_TMPDIR/empty' '$CURL_GNUTLS' && $1"
}

@test "without the GnuTLS libcurl (only the OpenSSL build, as on Fedora), postern falls back to libcurl.so.4: --version names it, a refresh goes through" {
	[ "$(id -u)" = 0 ] || require_or_skip "hiding a library needs root (a private mount namespace)"
	require_cmd unshare util-linux
	CURL_GNUTLS=$(ldconfig -p | awk '$1 == "libcurl-gnutls.so.4" { print $NF; exit }')
	[ -n "$CURL_GNUTLS" ] || require_or_skip "no libcurl-gnutls.so.4 (libcurl3-gnutls)"
	ldconfig -p | awk '$1 == "libcurl.so.4"' | grep -q . ||
		require_or_skip "no libcurl.so.4 (libcurl4, contrib/install-deps)"
	: >"$BATS_TEST_TMPDIR/empty"
	run -0 "$POSTERN" --version
	grep -q '^OAuth2 HTTP: *libcurl/[0-9.]* GnuTLS/[0-9.]* (loaded when OAuth2 is used)$' <<<"$output"
	run -0 without_curl_gnutls "'$POSTERN' --version"
	echo "$output"
	grep -q '^OAuth2 HTTP: *libcurl/[0-9.]* OpenSSL/[0-9.a-z]* (loaded when OAuth2 is used)$' <<<"$output"
	authorize
	local rt0
	rt0=$(token_field refresh_token)
	token_age
	msg tok-openssl-curl >"$BATS_TEST_TMPDIR/m"
	run -0 --separate-stderr without_curl_gnutls \
		"'$POSTERN' '$TB_USER2' <'$BATS_TEST_TMPDIR/m'"
	[ -z "$stderr" ]
	wait_mail tok-openssl-curl
	# the refresh went through the OpenSSL build: rotated and stored
	[ "$(token_field refresh_token)" != "$rt0" ]
	[ "$(token_field expires_at)" -gt $(($(date +%s) + 300)) ]
}
