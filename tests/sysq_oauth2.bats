#!/usr/bin/env bats
# sysq_oauth2.bats: an OAuth2 account on the system path (issue 16, "the
# file token store under the system path"). Root authorizes the system
# account with the device flow (postern --authorize default --system
# --device: as the system user, tokens 0600 in the system queue's state
# directory); nobody pipes a message into sendmail (the set-group-ID
# postern-drop); postern -q --system delivers it with OAUTHBEARER to the
# Postfix bed, whose Dovecot checks the token with the provider; a token
# near expiry is refreshed and the rotated refresh token lands in the
# system file (two refreshes in a row: oidc-provider revokes the grant
# when a spent refresh token comes back); a revoked grant holds the
# dropped message, -bp --system and --doctor --system say to run
# --authorize ... --system, and after it the next run delivers once. No
# token in the spool, status files, log or -v output. The bed is
# tests/oauth2.bats's (lib/oauth2.bash) and tests/sysq.bats's
# (lib/sysq.bash: private mount namespaces).

load lib/common
load lib/postfix
load lib/submit
load lib/oauth2
load lib/secretscan
load lib/sysq
bats_require_minimum_version 1.5.0

setup_file() {
	op_bed_start
}

teardown_file() {
	op_bed_stop
}

teardown() {
	# a failed test may leave --authorize waiting for its approval
	[ -z "${AUTH_PID:-}" ] || kill "$AUTH_PID" 2>/dev/null || true
}

setup() {
	[ -n "${OP_URL:-}" ] || op_start # skips with the reason
	postfix_setup
	hermetic_env
	sysq_setup
	TOKFILE=$NS/state/oauth2/default.json
	SYSLOG=$NS/log
	: >"$SYSLOG"
	chown "$SYS_USER" "$SYSLOG"
	chmod 600 "$SYSLOG"
	system_account
}

# The system account: the Postfix bed with OAuth2 from the provider, no
# password, no oauth2_token_store (a file is the system default).
system_account() {
	sysq_conf defaults "local_domain example.test" "syslog off" \
		"logfile $SYSLOG" "timeout 10" \
		"$(tb_account password '' auth '')" \
		"oauth2_provider custom" "oauth2_issuer $OP_URL" \
		"oauth2_client_id postern" \
		'oauth2_scope "openid offline_access smtp"' "$@"
}

# authorize_system: root runs postern --authorize default --system
# --device; the code is approved as alice once it is printed. Output in
# $BATS_TEST_TMPDIR/auth.out.
authorize_system() {
	local out=$BATS_TEST_TMPDIR/auth.out
	: >"$out"
	ns "exec $NS_POSTERN --authorize default --system --device" \
		>"$out" 2>&1 3>&- &
	AUTH_PID=$!
	op_device_wait "$out" "$AUTH_PID"
	AUTH_PID=
}

# age_token: token_age, the file kept the system user's.
age_token() {
	token_age
	chown "$SYS_USER:$SYS_UGROUP" "$TOKFILE"
}

# drop TOKEN: nobody (no home, no configuration) sends a message whose
# subject is TOKEN to the bed's second user through the system queue.
drop() {
	printf 'To: %s\nSubject: %s\n\nbody of %s\n' "$TB_USER2" "$1" "$1" >"$IN"
	run --separate-stderr as nobody -i "$TB_USER2"
	[ "$status" -eq 0 ] && [ -z "$stderr" ] ||
		{ echo "drop: $status $stderr"; return 1; }
}

# run_system: root runs postern -v -q --system; output in $stderr.
run_system() {
	run --separate-stderr ns "$NS_POSTERN -v -q --system"
}

@test "root authorizes the system account (device flow): tokens 0600 of the system user in its state directory; nobody's mail goes with OAUTHBEARER" {
	authorize_system
	cat "$BATS_TEST_TMPDIR/auth.out"
	grep -q "^postern: to authorize, open $OP_URL/device and enter the code " "$BATS_TEST_TMPDIR/auth.out"
	grep -qx "postern: authorized; tokens stored for account default" "$BATS_TEST_TMPDIR/auth.out"
	grep -qx "postern: logged in to localhost as $TB_USER with OAUTHBEARER" "$BATS_TEST_TMPDIR/auth.out"
	[ "$(stat -c '%U:%G %a' "$TOKFILE")" = "$SYS_USER:$SYS_UGROUP 600" ]
	[ "$(stat -c '%U %a' "${TOKFILE%/*}")" = "$SYS_USER 700" ]
	# nothing in root's own state (the keyring or $XDG_STATE_HOME)
	[ ! -e "$XDG_STATE_HOME/postern/oauth2" ]
	local at rt
	at=$(token_field access_token)
	rt=$(token_field refresh_token)
	[ "${#at}" -gt 2048 ]
	drop tok-sysoauth
	[ "$(drop_files | wc -l)" -eq 1 ]
	run_system
	echo "$stderr"
	[ "$status" -eq 0 ]
	wait_mail tok-sysoauth
	env_is sasl_method OAUTHBEARER
	env_is sasl_username "$TB_USER"
	env_is sender nobody@example.test
	grep -qx 'body of tok-sysoauth' "$mail_eml"
	[[ $stderr == *"postern: --> AUTH OAUTHBEARER"$'\n'"postern: <-- 334 "$'\n'"postern: --> <redacted>"$'\n'"postern: <-- 235 "* ]]
	[ "$(drop_files | wc -l)" -eq 0 ]
	[ -z "$(ls "$NS/spool/queue/new")" ]
	# the system queue's TLS session cache is in the state directory too
	[ "$(stat -c '%U %a' "$NS/state/tls")" = "$SYS_USER 700" ]
	secret_scan_text "$at" "$TB_USER" "$stderr$(cat "$BATS_TEST_TMPDIR/auth.out")"
	secret_scan_text "$rt" "$TB_USER" "$stderr$(cat "$BATS_TEST_TMPDIR/auth.out")"
	secret_scan_files "$at" "$TB_USER" "$SYSLOG" "$NS/etc/$(basename "$SYS_CONF")"
	secret_scan_files "$rt" "$TB_USER" "$SYSLOG"
}

@test "system account: a token near expiry is refreshed by -q --system; the rotated refresh token is stored in the system file (two refreshes in a row)" {
	system_account "auth xoauth2"
	authorize_system
	local rt0 rt1 at0
	rt0=$(token_field refresh_token)
	at0=$(token_field access_token)
	age_token
	drop tok-sysrefresh1
	run_system
	[ "$status" -eq 0 ] || { echo "$stderr"; false; }
	wait_mail tok-sysrefresh1
	env_is sasl_method XOAUTH2
	rt1=$(token_field refresh_token)
	[ "$rt1" != "$rt0" ]
	[ "$(token_field access_token)" != "$at0" ]
	[ "$(token_field expires_at)" -gt $(($(date +%s) + 300)) ]
	[ "$(stat -c '%U:%G %a' "$TOKFILE")" = "$SYS_USER:$SYS_UGROUP 600" ]
	# A second refresh spends rt1; had rt0 been kept, the provider would
	# see a reuse, revoke the grant, and the message would be held.
	age_token
	drop tok-sysrefresh2
	run_system
	[ "$status" -eq 0 ] || { echo "$stderr"; false; }
	wait_mail tok-sysrefresh2
	[ "$(token_field refresh_token)" != "$rt1" ]
	[ -z "$(ls "$NS/spool/queue/new")" ]
	secret_scan_text "$(token_field refresh_token)" "$TB_USER" "$stderr"
	secret_scan_text "$rt1" "$TB_USER" "$stderr"
}

@test "system account, grant revoked: the dropped message is held, -bp --system and --doctor --system say to run --authorize default --system; after it, delivered once" {
	authorize_system
	local rt
	rt=$(token_field refresh_token)
	op_revoke "$rt"
	age_token
	drop tok-sysrevoked
	run_system
	[ "$status" -eq 0 ]
	local id
	id=$(ls "$NS/spool/queue/new" | sed -n 's/\.env$//p')
	[ -n "$id" ]
	[ -z "$(ls "$NS/spool/queue/failed" 2>/dev/null)" ]
	assert_no_mail tok-sysrevoked
	run -0 ns "$NS_POSTERN -bp --system"
	echo "$output"
	[[ $output == *"  held: account default needs authorization: run postern --authorize default --system"* ]]
	# the submitter sees it in its own status
	run -0 ns "runuser -u nobody -- $NS_POSTERN -bp --system"
	echo "$output"
	[[ $output == "$id  queued "*"  held: account default needs authorization: run postern --authorize default --system"* ]]
	run -1 ns "$NS_POSTERN --doctor --system --probe-ports $TB_PLAIN_PORT,$TB_SUBMISSION_PORT,$TB_SMTPS_PORT"
	echo "$output"
	grep -qx 'PROBLEM  oauth2: account default needs authorization: run postern --authorize default --system' <<<"$output"
	# another run keeps it held (no bounce, not failed)
	run_system
	[ "$status" -eq 0 ]
	[ -e "$NS/spool/queue/new/$id.env" ]
	[ -z "$(ls "$NS/spool/queue/failed" 2>/dev/null)" ]
	authorize_system
	run_system
	[ "$status" -eq 0 ] || { echo "$stderr"; false; }
	wait_mail tok-sysrevoked
	[ -z "$(ls "$NS/spool/queue/new")" ]
	[ "$(grep -l 'Subject: tok-sysrevoked$' "$TB_DIR"/mail/new/*.eml | wc -l)" -eq 1 ]
	# no token anywhere in the spool (queue, status, maildrop) or the log
	local f
	for f in $(find "$NS/spool" "$SYSLOG" -type f); do
		secret_scan_files "$(token_field refresh_token)" "$TB_USER" "$f"
		secret_scan_files "$(token_field access_token)" "$TB_USER" "$f"
		secret_scan_files "$rt" "$TB_USER" "$f"
	done
}

@test "the system file asks for the keyring: one config error naming the line; the state directory open to others is refused" {
	system_account "oauth2_token_store keyring"
	run --separate-stderr ns "$NS_POSTERN --authorize default --system --device"
	[ "$status" -eq 78 ]
	[[ $stderr == *"$SYS_CONF:"*": oauth2_token_store keyring: the system queue has no keyring; its tokens are kept in a file in its state directory (remove the line)"* ]]
	system_account
	chmod 750 "$NS/state"
	run --separate-stderr ns "$NS_POSTERN --doctor --system --no-login --probe-ports $TB_PLAIN_PORT,$TB_SUBMISSION_PORT,$TB_SMTPS_PORT"
	[ "$status" -eq 1 ]
	echo "$output"
	grep -q "^PROBLEM  oauth2: the state directory $SYS_STATE must be owned by uid [0-9]* and closed to group and others" <<<"$output"
	[ ! -e "$NS/state/oauth2" ]
}
