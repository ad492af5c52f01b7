#!/usr/bin/env bats
# oauth2_auth.bats: AUTH with OAuth tokens and long initial responses
# against the fault server, which answers a command line over 512 octets
# with "500 5.5.2 Line too long" (as Dovecot does) and refuses a wrong
# token with the JSON error challenge and then 535 (as Gmail does):
#  - the initial response goes on the AUTH line only when the line fits
#    in 512 octets (RFC 4954 section 4), otherwise after the empty 334,
#    for PLAIN (at the boundary) and for 2.5 KB XOAUTH2/OAUTHBEARER tokens;
#  - a refused token holds the account's mail: the submission queues
#    and exits 0, the entry is held (not failed, no bounce), and the next
#    queue run with a good token delivers it once;
#  - built-in OAuth2 with its token endpoint unreachable: temporary,
#    queued, not held, no AUTH sent; a refresh against a recording token
#    endpoint sends client_id and the oauth2_client_secret_eval secret
#    and stores the rotated refresh token; the stored tokens are not in
#    the process's cmdline or environ, the log or -v output.

load lib/common
load lib/faultserver
load lib/queue
load lib/secretscan
bats_require_minimum_version 1.5.0

USER_=alice@example.test

# scen TOKEN: the fault server takes TOKEN as alice's password or token.
scen() {
	printf '{"ehlo": ["PIPELINING", "AUTH PLAIN XOAUTH2 OAUTHBEARER"], "line_max": 512, "require_auth": true, "users": {"%s": "%s"}}\n' \
		"$USER_" "$1" >"$SCEN"
}

# token_config MECH [KEY VALUE]...: the account reads its secret from
# $BATS_TEST_TMPDIR/tok with passwordeval (never in argv).
token_config() {
	local mech=$1
	shift
	server
	config "$FAULT_PORT" auth "$mech" user "$USER_" \
		passwordeval "\"cat $BATS_TEST_TMPDIR/tok\"" "$@"
}

# rand N: N characters of a token alphabet.
rand() {
	LC_ALL=C tr -dc 'A-Za-z0-9._-' </dev/urandom | head -c "$1"
}

# The line after the first line matching the fixed string $1 in file $2.
line_after() {
	grep -A1 -m1 -xF -- "$1" "$2" | sed -n 2p
}

@test "AUTH PLAIN: the response on the AUTH line up to 512 octets, after an empty 334 beyond" {
	local pw b64 t
	# "\0user\0password": 372 octets give 496 of base64, a 509-octet line.
	pw=$(rand $((372 - 2 - ${#USER_})))
	printf '%s\n' "$pw" >"$BATS_TEST_TMPDIR/tok"
	scen "$pw"
	token_config plain
	run -0 send tok-short bob@example.test
	t=$(fault_transcript 1)
	b64=$(printf '\0%s\0%s' "$USER_" "$pw" | base64 -w0)
	[ "${#b64}" = 496 ]
	grep -qxF "C: AUTH PLAIN $b64" "$t"
	grep -qx 'S: 235 .*' "$t"
	# One more octet: 500 of base64, a 513-octet line: AUTH PLAIN alone.
	pw=${pw}x
	printf '%s\n' "$pw" >"$BATS_TEST_TMPDIR/tok"
	fault_stop
	scen "$pw"
	token_config plain
	run -0 send tok-long -v bob@example.test
	t=$(fault_transcript 1)
	b64=$(printf '\0%s\0%s' "$USER_" "$pw" | base64 -w0)
	[ "${#b64}" = 500 ]
	grep -qx 'C: AUTH PLAIN' "$t"
	[ "$(line_after 'C: AUTH PLAIN' "$t")" = "S: 334 " ]
	[ "$(line_after 'S: 334 ' "$t")" = "C: $b64" ]
	grep -qx 'S: 235 .*' "$t"
	! grep -q 'Line too long' "$t"
	[ "$(count_delivered tok-short)" = 1 ]
	[ "$(count_delivered tok-long)" = 1 ]
	# -v: the command alone, the response redacted
	[[ $output == *"postern: --> AUTH PLAIN"$'\n'"postern: <-- 334 "$'\n'"postern: --> <redacted>"* ]]
	secret_scan_text "$pw" "$USER_" "$output"
	secret_scan_files "$pw" "$USER_" "$BATS_TEST_TMPDIR/log"
}

@test "XOAUTH2 and OAUTHBEARER: a 2.5 KB token goes after the empty 334 and is accepted" {
	local tok mech t raw
	tok=$(rand 2500)
	printf '%s\n' "$tok" >"$BATS_TEST_TMPDIR/tok"
	scen "$tok"
	for mech in xoauth2 oauthbearer; do
		[ -z "${FAULT_PID:-}" ] || fault_stop
		token_config "$mech"
		run -0 send "tok-$mech" -v bob@example.test
		t=$(fault_transcript 1)
		if [ "$mech" = xoauth2 ]; then
			raw=$(printf 'user=%s\001auth=Bearer %s\001\001' "$USER_" "$tok")
		else
			raw=$(printf 'n,a=%s,\001host=127.0.0.1\001port=%s\001auth=Bearer %s\001\001' "$USER_" "$FAULT_PORT" "$tok")
		fi
		grep -qx "C: AUTH ${mech^^}" "$t"
		[ "$(line_after "C: AUTH ${mech^^}" "$t")" = "S: 334 " ]
		[ "$(line_after 'S: 334 ' "$t")" = "C: $(printf '%s' "$raw" | base64 -w0)" ]
		grep -qx 'S: 235 .*' "$t"
		[ "$(count_delivered "tok-$mech")" = 1 ]
		secret_scan_text "$tok" "$USER_" "$output"
		secret_scan_files "$tok" "$USER_" "$BATS_TEST_TMPDIR/log"
	done
}

@test "a refused token holds the account's mail: queued (exit 0), held, then delivered once" {
	scen good-token
	printf 'expired-token\n' >"$BATS_TEST_TMPDIR/tok"
	token_config xoauth2
	local json='{"status":"invalid_token","schemes":"bearer"}' why
	why="authentication failed (AUTH XOAUTH2; the server said $json): 535 5.7.8 Error: authentication failed"
	run -0 --separate-stderr send tok-held bob@example.test
	[ "$(ids | wc -l)" = 1 ]
	[ "$stderr" = "postern: queued $(ids): $why" ]
	[ -z "$(ls "$Q/failed" 2>/dev/null)" ]
	run -0 "$POSTERN" -bp
	[[ $output == *"  held: $why"* ]]
	# The server answered the error challenge's reply, not MAIL.
	! grep -q '^C: MAIL' "$(fault_transcript 1)"
	# A queue run keeps it held: no bounce, not failed.
	run -0 "$POSTERN" -q
	fault_wait_sessions
	[ "$(ids | wc -l)" = 1 ]
	[ -z "$(ls "$Q/failed" 2>/dev/null)" ]
	local esc=${why//\"/\\\"}
	grep -qF " account=default status=held reason=\"$esc\" entries=1" "$BATS_TEST_TMPDIR/log"
	# With a good token the next run delivers it, once.
	printf 'good-token\n' >"$BATS_TEST_TMPDIR/tok"
	run -0 "$POSTERN" -q
	fault_wait_sessions
	[ "$(count_delivered tok-held)" = 1 ]
	[ -z "$(ids)" ]
	[ -z "$(ls "$Q/failed" 2>/dev/null)" ]
}

@test "a refused token with queue off: exit 75, a temporary failure, nothing kept" {
	scen good-token
	printf 'expired-token\n' >"$BATS_TEST_TMPDIR/tok"
	token_config oauthbearer queue off
	run -75 --separate-stderr send tok-off bob@example.test
	[[ $stderr == "postern: authentication failed (AUTH OAUTHBEARER; the server said "*"): 535 5.7.8 Error: authentication failed; the message was not sent (temporary failure: try again later)" ]]
	[ -z "$(ls "$Q/failed" 2>/dev/null)" ]
	[ -z "$(ids)" ]
}

@test "OAuth2 token endpoint unreachable: temporary, queued (exit 0), not held; the token is never sent" {
	scen good-token
	server
	local dead
	dead=$(dead_port)
	config "$FAULT_PORT" auth xoauth2 user "$USER_" oauth2_provider custom \
		oauth2_client_id postern oauth2_scope smtp \
		oauth2_token_endpoint "http://127.0.0.1:$dead/token" \
		oauth2_token_store file
	mkdir -p "$XDG_STATE_HOME/postern/oauth2"
	# expired: postern must refresh first
	printf '{"access_token":"old-token","refresh_token":"rt-1","expires_at":1}' \
		>"$XDG_STATE_HOME/postern/oauth2/default.json"
	run -0 --separate-stderr send tok-down bob@example.test
	[ "$(ids | wc -l)" = 1 ]
	[[ $stderr == "postern: queued $(ids): cannot reach http://127.0.0.1:$dead/token: "* ]]
	run -0 "$POSTERN" -bp
	[[ $output != *"held:"* ]]
	! grep -q '^C: AUTH' "$(fault_transcript 1)"
	secret_scan_files rt-1 "$USER_" "$BATS_TEST_TMPDIR/log" "$Q/new/$(ids).env"
}

# token_endpoint JSON: a one-shot HTTP token endpoint on loopback that
# records the request body in $BATS_TEST_TMPDIR/form and answers JSON;
# sets TE_URL and TE_PID.
token_endpoint() {
	local i
	"$PYTHON3" - "$BATS_TEST_TMPDIR" "$1" <<-'EOF' 3>&- &
	import http.server, sys
	d, answer = sys.argv[1], sys.argv[2].encode()
	class H(http.server.BaseHTTPRequestHandler):
	    def do_POST(self):
	        n = int(self.headers["Content-Length"])
	        open(d + "/form", "wb").write(self.rfile.read(n))
	        self.send_response(200)
	        self.send_header("Content-Type", "application/json")
	        self.end_headers()
	        self.wfile.write(answer)
	    def log_message(self, *a):
	        pass
	s = http.server.HTTPServer(("127.0.0.1", 0), H)
	s.timeout = 30  # never left behind by a failed test
	open(d + "/te.port.t", "w").write(str(s.server_port))
	__import__("os").rename(d + "/te.port.t", d + "/te.port")
	s.handle_request()
	EOF
	TE_PID=$!
	for i in $(seq 100); do
		[ -s "$BATS_TEST_TMPDIR/te.port" ] && break
		sleep 0.05
	done
	TE_URL=http://127.0.0.1:$(cat "$BATS_TEST_TMPDIR/te.port")/token
}

@test "OAuth2 refresh: client_id and the client secret from oauth2_client_secret_eval are sent; the rotated refresh token is stored first" {
	scen fresh-token
	server
	token_endpoint '{"access_token":"fresh-token","token_type":"Bearer","expires_in":3600,"refresh_token":"rt-2"}'
	config "$FAULT_PORT" auth xoauth2 user "$USER_" oauth2_provider custom \
		oauth2_client_id my-client oauth2_scope smtp \
		oauth2_client_secret_eval '"echo not-so-s3cret"' \
		oauth2_token_endpoint "$TE_URL" oauth2_token_store file
	mkdir -p "$XDG_STATE_HOME/postern/oauth2"
	printf '{"access_token":"old-token","refresh_token":"rt-1","expires_at":1}' \
		>"$XDG_STATE_HOME/postern/oauth2/default.json"
	run -0 --separate-stderr send tok-secret -v bob@example.test
	wait "$TE_PID"
	[ "$(cat "$BATS_TEST_TMPDIR/form")" = "grant_type=refresh_token&refresh_token=rt-1&client_id=my-client&client_secret=not-so-s3cret" ]
	[ "$(count_delivered tok-secret)" = 1 ]
	grep -q '"refresh_token":"rt-2"' "$XDG_STATE_HOME/postern/oauth2/default.json"
	grep -q '"access_token":"fresh-token"' "$XDG_STATE_HOME/postern/oauth2/default.json"
	[ "$(stat -c %a "$XDG_STATE_HOME/postern/oauth2/default.json")" = 600 ]
	secret_scan_text fresh-token "$USER_" "$stderr"
	secret_scan_text not-so-s3cret "$USER_" "$stderr"
	secret_scan_files not-so-s3cret "$USER_" "$BATS_TEST_TMPDIR/log"
}

@test "OAuth2 secret scan: the stored token is not in cmdline, environ, log or -v output while AUTH stalls" {
	printf '{"ehlo": ["PIPELINING", "AUTH XOAUTH2"], "replies": {"auth": {"sleep": 4}}}\n' >"$SCEN"
	server
	config "$FAULT_PORT" auth xoauth2 user "$USER_" oauth2_provider custom \
		oauth2_client_id postern oauth2_scope smtp \
		oauth2_token_endpoint "http://127.0.0.1:$(dead_port)/token" \
		oauth2_token_store file queue off
	mkdir -p "$XDG_STATE_HOME/postern/oauth2"
	printf '{"access_token":"at-5ecret-tok3n","refresh_token":"rt-5ecret","expires_at":%s}' \
		$(($(date +%s) + 3600)) >"$XDG_STATE_HOME/postern/oauth2/default.json"
	printf 'Subject: tok-scan\n\nbody\n' >"$BATS_TEST_TMPDIR/msg"
	"$POSTERN" -v bob@example.test <"$BATS_TEST_TMPDIR/msg" \
		>"$BATS_TEST_TMPDIR/out" 2>&1 3>&- &
	local pid=$! i
	for i in $(seq 100); do
		grep -q '^C: AUTH XOAUTH2' "$(fault_transcript 1)" 2>/dev/null && break
		sleep 0.05
	done
	grep -q '^C: AUTH XOAUTH2' "$(fault_transcript 1)"
	secret_scan_pid at-5ecret-tok3n "$USER_" "$pid"
	secret_scan_pid rt-5ecret "$USER_" "$pid"
	wait "$pid" || true
	secret_scan_files at-5ecret-tok3n "$USER_" "$BATS_TEST_TMPDIR/out" "$BATS_TEST_TMPDIR/log"
	secret_scan_files rt-5ecret "$USER_" "$BATS_TEST_TMPDIR/out" "$BATS_TEST_TMPDIR/log"
	grep -q 'postern: --> AUTH XOAUTH2 <redacted>' "$BATS_TEST_TMPDIR/out"
}
