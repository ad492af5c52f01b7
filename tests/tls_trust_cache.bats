#!/usr/bin/env bats
# tls_trust_cache.bats: the trust anchor cache (issue 19 item 4;
# src/tls.c, src/tls_cache.c) against the real Postfix test bed. A
# tls_trust_file account keeps the root that verified its server beside
# the session cache (<id>.root, 0600); the next run loads that root alone
# and verifies the chain and the host name after the handshake. With the
# cache warm a wrong host name or a wrong CA is still refused; a changed
# trust file, a root file planted with loose modes or another owner, one
# whose hash does not match and one of another identity are not used; a
# server that moved to another CA of the trust file still gets through;
# an account with a client certificate keeps the whole file, checked in
# the handshake.
#
# The account talks to a forwarder (bench/latproxy.py, no delay) on a
# port of its own, so the server behind the same account (the same cache
# identity) can change: the good smtps port, the port whose certificate
# is for another name, the port whose certificate is from another CA.
# Session files are removed before each run that must not resume, so the
# full handshake (and the root cache) is what is tested.

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
	TRUST=$BATS_TEST_TMPDIR/ca.pem
	cp "$TB_CA" "$TRUST"
	fw_pid= fw_port=
}

teardown() {
	fw_stop
}

teardown_file() {
	teardown_try postfix_stop
}

# fw_to PORT: (re)start the forwarder, on the same port after the first.
fw_to() {
	fw_stop
	rm -f "$BATS_TEST_TMPDIR/fw.port"
	python3 "$POSTERN_SRCDIR/bench/latproxy.py" --listen-port "${fw_port:-0}" \
		--target-port "$1" --delay-ms 0 \
		--ready "$BATS_TEST_TMPDIR/fw.port" </dev/null >/dev/null 2>&1 &
	fw_pid=$!
	wait_until 30 test -s "$BATS_TEST_TMPDIR/fw.port"
	fw_port=$(cat "$BATS_TEST_TMPDIR/fw.port")
	write_config
}

fw_stop() {
	[ -n "$fw_pid" ] || return 0
	kill "$fw_pid" 2>/dev/null || true
	wait_until 30 pid_gone "$fw_pid"
	wait "$fw_pid" 2>/dev/null || true
	fw_pid=
}

write_config() {
	mkdir -p "$XDG_CONFIG_HOME/postern"
	{
		printf 'account default\nhost 127.0.0.1\nport %s\n' "$fw_port"
		printf 'tls on\ntls_starttls off\ntls_host_override localhost\n'
		printf 'tls_trust_file %s\nauth plain\nqueue off\n' "$TRUST"
		printf 'user %s\npassword "%s"\nfrom %s\n' "$TB_USER" "$TB_PASS" "$TB_USER"
	} >"$XDG_CONFIG_HOME/postern/config"
	chmod 600 "$XDG_CONFIG_HOME/postern/config"
}

# send TOKEN: a full handshake (session files removed), under strace when
# it is installed: $opened says whether the trust file was read.
send() {
	find "$CACHE" -type f ! -name '*.root' -delete 2>/dev/null || true
	printf 'From: %s\nTo: bob@example.test\nSubject: %s\n\nbody\n' \
		"$TB_USER" "$1" >"$MSG"
	# LeakSanitizer cannot run under ptrace (an --enable-asan build).
	run env ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" \
		strace -f -qq -e trace=openat,open -o "$BATS_TEST_TMPDIR/trace" \
		"$POSTERN" -v bob@example.test <"$MSG"
	opened=no
	grep -qF "\"$TRUST\"" "$BATS_TEST_TMPDIR/trace" && opened=yes
	true
}

root_file() {
	find "$CACHE" -type f -name '*.root'
}

# plant ROOT_PEM [ID]: a new, well-formed root file for this identity
# holding ROOT_PEM, stamped with the trust file as it is now (0600, ours);
# its header names ID instead when given.
plant() {
	local f=$1 der=$BATS_TEST_TMPDIR/root.der hex
	hex=$(basename "$(root_file)" .root)
	openssl x509 -in "$f" -outform DER -out "$der"
	rm -f "$CACHE/$hex.root"
	{
		printf 'postern-tls-root 1 %s %s\n' "${2:-$hex}" \
			"$(stat -c '%d:%i:%s:%.9Y:%.9Z' "$TRUST")"
		openssl dgst -sha256 -binary "$der"
		cat "$der"
	} >"$CACHE/$hex.root"
	chmod 600 "$CACHE/$hex.root"
}

# trust_old: the trust file's last change (mtime or ctime) is over 2 s
# old; a newer one is racy (tls_cache.h) and no root cache is used or
# written for it.
trust_old() {
	local now last
	now=$(date +%s%N)
	last=$(stat -c '%.9Y %.9Z' "$TRUST" | tr -d . | tr ' ' '\n' | sort -n | tail -1)
	[ $((now - 10#$last)) -ge 2100000000 ]
}

settle() {
	wait_until 30 trust_old
}

# warm: one delivery that leaves the root file.
warm() {
	fw_to "$TB_SMTPS_PORT"
	settle
	send tok-warm
	[ "$status" -eq 0 ]
	[ "$opened" = yes ]
	[ -n "$(root_file)" ]
}

@test "the verifying root is kept; the next full handshake reads it, not the trust file" {
	require_cmd strace strace
	require_cmd openssl openssl
	warm
	f=$(root_file)
	[ "$(stat -c %a "$f")" = 600 ]
	base=$(basename "$f" .root)
	[[ $base =~ ^[0-9a-f]{64}$ ]]
	[ -f "$CACHE/$base" ]
	[ "$(head -1 "$f")" = "postern-tls-root 1 $base $(stat -c '%d:%i:%s:%.9Y:%.9Z' "$TRUST")" ]
	# the bytes: SHA-256 of the root, then the root (the test CA) in DER
	openssl x509 -in "$TB_CA" -outform DER -out "$BATS_TEST_TMPDIR/ca.der"
	tail -n +2 "$f" | tail -c +33 | cmp - "$BATS_TEST_TMPDIR/ca.der"
	send tok-tc-2
	[ "$status" -eq 0 ]
	[[ $output == *"TLS TLS1."*"verified by ca+hostname"* ]]
	[[ $output == *"session resumed"* ]] && false
	[ "$opened" = no ]
	wait_mail tok-tc-2
}

@test "with the root cache warm, a wrong host name and a wrong CA are still refused" {
	require_cmd strace strace
	require_cmd openssl openssl
	warm
	fw_to "$TB_SMTPS_OTHERHOST_PORT"
	send tok-tc-host
	[ "$status" -eq 77 ]
	[[ $output == *"postern: localhost: TLS certificate refused: the host name in it does not match"* ]]
	assert_no_mail tok-tc-host
	[ -n "$(root_file)" ]
	fw_to "$TB_SMTPS_WRONGCA_PORT"
	send tok-tc-ca
	[ "$status" -eq 77 ]
	[[ $output == *"postern: localhost: TLS certificate refused: its issuer is not in the trusted CAs (tls_trust_file)"* ]]
	assert_no_mail tok-tc-ca
	# the good server again: the cached root still serves
	fw_to "$TB_SMTPS_PORT"
	send tok-tc-back
	[ "$status" -eq 0 ]
	[ "$opened" = no ]
	wait_mail tok-tc-back
}

@test "a changed trust file is noticed: the cached root is not used" {
	require_cmd strace strace
	require_cmd openssl openssl
	warm
	# the same path, another CA in it: the server is no longer trusted
	cp "$TB_WRONG_CA" "$TRUST"
	send tok-tc-changed
	[ "$status" -eq 77 ]
	[[ $output == *"its issuer is not in the trusted CAs (tls_trust_file)"* ]]
	[ "$opened" = yes ]
	assert_no_mail tok-tc-changed
	# the same bytes again, but a new file: read again (and while the
	# change is under 2 s old, not cached); then cached again
	cp "$TB_CA" "$TRUST"
	send tok-tc-racy
	[ "$status" -eq 0 ]
	[ "$opened" = yes ]
	settle
	send tok-tc-again
	[ "$status" -eq 0 ]
	[ "$opened" = yes ]
	send tok-tc-again2
	[ "$status" -eq 0 ]
	[ "$opened" = no ]
	wait_mail tok-tc-again2
}

@test "a root file is used only when it is ours, 0600, of this identity and its hash matches" {
	require_cmd strace strace
	require_cmd openssl openssl
	warm
	# from now on the trust file trusts only the wrong CA: a root file
	# holding the test CA, if used, would let the server through
	cp "$TB_WRONG_CA" "$TRUST"
	settle
	f=$(root_file)
	# control: a well-formed file (ours, 0600) is used; this is the
	# cache's trust assumption, as for the session cache
	plant "$TB_CA"
	send tok-tc-control
	[ "$status" -eq 0 ]
	[ "$opened" = no ]
	wait_mail tok-tc-control
	# readable by others
	plant "$TB_CA"
	chmod 644 "$f"
	send tok-tc-644
	[ "$status" -eq 77 ]
	[ "$opened" = yes ]
	# owned by someone else
	plant "$TB_CA"
	chown nobody "$f"
	send tok-tc-owner
	[ "$status" -eq 77 ]
	[ "$opened" = yes ]
	# corrupted: the hash is not the root's
	plant "$TB_CA"
	printf '\377' | dd of="$f" bs=1 seek=$(($(head -1 "$f" | wc -c) + 3)) \
		conv=notrunc 2>/dev/null
	send tok-tc-corrupt
	[ "$status" -eq 77 ]
	[ "$opened" = yes ]
	# another identity's file under this name
	plant "$TB_CA" "$(printf '%064d' 0)"
	send tok-tc-other
	[ "$status" -eq 77 ]
	[ "$opened" = yes ]
	for t in tok-tc-644 tok-tc-owner tok-tc-corrupt tok-tc-other; do
		assert_no_mail "$t"
	done
}

@test "a server that moved to another CA of the trust file: verified against the whole file, its root kept" {
	require_cmd strace strace
	require_cmd openssl openssl
	cat "$TB_CA" "$TB_WRONG_CA" >"$TRUST"
	warm
	f=$(root_file)
	# the port whose certificate is from the other CA, same identity
	fw_to "$TB_SMTPS_WRONGCA_PORT"
	send tok-tc-moved
	[ "$status" -eq 0 ]
	[ "$opened" = yes ]
	wait_mail tok-tc-moved
	openssl x509 -in "$TB_WRONG_CA" -outform DER -out "$BATS_TEST_TMPDIR/wrong.der"
	tail -n +2 "$f" | tail -c +33 | cmp - "$BATS_TEST_TMPDIR/wrong.der"
	send tok-tc-moved2
	[ "$status" -eq 0 ]
	[ "$opened" = no ]
	wait_mail tok-tc-moved2
}

@test "with a client certificate the whole file is loaded and checked in the handshake: no root file, a wrong name refused" {
	require_cmd strace strace
	certs=$(dirname "$TB_CA")
	fw_to "$TB_SMTPS_PORT"
	printf 'tls_cert_file %s\ntls_key_file %s\n' "$certs/client.crt" \
		"$certs/client.key" >>"$XDG_CONFIG_HOME/postern/config"
	send tok-tc-cc1
	[ "$status" -eq 0 ]
	[ "$opened" = yes ]
	send tok-tc-cc2
	[ "$status" -eq 0 ]
	[ "$opened" = yes ]
	[ -z "$(root_file)" ]
	wait_mail tok-tc-cc2
	cp "$XDG_CONFIG_HOME/postern/config" "$BATS_TEST_TMPDIR/config"
	fw_to "$TB_SMTPS_OTHERHOST_PORT"
	cat "$BATS_TEST_TMPDIR/config" >"$XDG_CONFIG_HOME/postern/config"
	send tok-tc-cc3
	[ "$status" -eq 77 ]
	[[ $output == *"postern: localhost: TLS certificate refused: the host name in it does not match"* ]]
	assert_no_mail tok-tc-cc3
}

@test "tls_session_cache off: no root file either" {
	require_cmd strace strace
	warm
	rm -rf "$CACHE"
	printf 'tls_session_cache off\n' >>"$XDG_CONFIG_HOME/postern/config"
	send tok-tc-off
	[ "$status" -eq 0 ]
	[ "$opened" = yes ]
	[ ! -e "$CACHE" ]
	wait_mail tok-tc-off
}
