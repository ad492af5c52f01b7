# oauth2.bash: the test OAuth2 provider (tests/servers/oauth2/provider.mjs,
# npm's oidc-provider 8 on Node) for bats. Load after common.bash.
#
#   op_start [VAR=VALUE]...  start it on a free loopback port (extra
#                            environment: OP_TOKEN_TTL, OP_TOKEN_FORMAT,
#                            OP_TOKEN_PAD); waits (<= 20 s) for "listening";
#                            exports OP_URL, OP_PID, OP_LOG. Skips (fails
#                            under POSTERN_TEST_REQUIRE_ALL=1) without node
#                            or the installed package (contrib/install-deps)
#   op_stop                  SIGTERM, wait (<= 3 s, then SIGKILL)
#   op_approve_device CODE [LOGIN]
#                            approve a device flow as LOGIN (default
#                            alice@example.test) through the development
#                            interaction pages, with curl and a cookie jar
#   op_revoke TOKEN          revoke a refresh token (RFC 7009)
#   op_approve_code URL [LOGIN]
#                            walk an authorization request through login and
#                            consent; prints the redirect URL (not followed)
#
# The package lives where contrib/install-deps put it (npm ci from
# tests/servers/oauth2/package-lock.json): OP_MODULES, else
# tests/servers/oauth2/node_modules, else
# /usr/local/lib/postern-test-oauth2/node_modules.

_op_modules() {
	local d
	for d in "${OP_MODULES:-}" "$SERVERS/oauth2/node_modules" \
		/usr/local/lib/postern-test-oauth2/node_modules; do
		[ -n "$d" ] && [ -f "$d/oidc-provider/package.json" ] &&
			{ echo "$d"; return 0; }
	done
	return 1
}

op_start() {
	local mods port i
	require_cmd node nodejs
	require_cmd curl curl
	mods=$(_op_modules) ||
		require_or_skip "oidc-provider not installed (contrib/install-deps)"
	port=$("$PYTHON3" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
	OP_LOG=$BATS_FILE_TMPDIR/op.log
	# 3>&-: bats waits for anything holding fd 3.
	env "$@" OP_PORT="$port" OP_MODULES="$mods" \
		node "$SERVERS/oauth2/provider.mjs" </dev/null >"$OP_LOG" 2>&1 3>&- &
	OP_PID=$!
	OP_URL=http://127.0.0.1:$port
	export OP_PID OP_URL OP_LOG
	for i in $(seq 400); do
		grep -q "^listening $port" "$OP_LOG" 2>/dev/null && return 0
		kill -0 "$OP_PID" 2>/dev/null || break
		sleep 0.05
	done
	echo "the OAuth2 provider did not start:" >&2
	cat "$OP_LOG" >&2
	op_stop
	return 1
}

op_stop() {
	local i
	[ -n "${OP_PID:-}" ] || return 0
	kill "$OP_PID" 2>/dev/null || true
	for i in $(seq 60); do
		kill -0 "$OP_PID" 2>/dev/null || break
		sleep 0.05
	done
	kill -9 "$OP_PID" 2>/dev/null || true
	wait "$OP_PID" 2>/dev/null || true
	OP_PID=
}

_op_xsrf() {
	grep -o 'name="xsrf" value="[^"]*"' | sed 's/.*value="//;s/"//'
}

op_approve_device() {
	local code=$1 login=${2:-alice@example.test} jar x l
	jar=$(mktemp "$BATS_TEST_TMPDIR/jar.XXXXXX")
	_c() { curl -sS -c "$jar" -b "$jar" "$@"; }
	x=$(_c "$OP_URL/device" | _op_xsrf)
	x=$(_c -d "xsrf=$x" -d "user_code=$code" "$OP_URL/device" | _op_xsrf)
	l=$(_c -o /dev/null -w '%{redirect_url}' -d "xsrf=$x" \
		-d "user_code=$code" -d confirm=yes "$OP_URL/device")
	l=$(_c -o /dev/null -w '%{redirect_url}' -d prompt=login \
		-d "login=$login" "$l")
	l=$(_c -o /dev/null -w '%{redirect_url}' "$l")
	l=$(_c -o /dev/null -w '%{redirect_url}' -d prompt=consent "$l")
	_c -L "$l" | grep -q 'Sign-in Success'
}

op_revoke() {
	curl -sS -o /dev/null -w '%{http_code}' -d client_id=postern \
		-d "token=$1" -d token_type_hint=refresh_token \
		"$OP_URL/token/revocation" | grep -qx 200
}

# op_approve_code URL [LOGIN]: walk the authorization request URL through
# login and consent as LOGIN; prints the redirect URL the browser would
# be sent to (http://127.0.0.1:PORT/?code=...&state=...&iss=...).
op_approve_code() {
	local url=$1 login=${2:-alice@example.test} jar l i prompt=login
	jar=$(mktemp "$BATS_TEST_TMPDIR/jar.XXXXXX")
	_c() { curl -sS -c "$jar" -b "$jar" -o /dev/null -w '%{redirect_url}' "$@"; }
	l=$(_c "$url")
	for i in 1 2 3 4 5 6 7 8; do
		case $l in
		"$OP_URL"/interaction/*)
			if [ "$prompt" = login ]; then
				l=$(_c -d prompt=login -d "login=$login" "$l")
				prompt=consent
			else
				l=$(_c -d prompt=consent "$l")
			fi ;;
		"$OP_URL"/*) l=$(_c "$l") ;;
		*) break ;;
		esac
	done
	echo "$l"
}

# op_device_wait OUT PID: wait for postern (PID, writing OUT) to print the
# device code, approve it as alice, and wait for postern to end (it polls
# every 5 s: no interval in the answer). 1 with OUT shown on failure.
op_device_wait() {
	local out=$1 pid=$2 code= i
	for i in $(seq 200); do
		code=$(sed -n 's/.* enter the code \([^ ]*\)$/\1/p' "$out")
		[ -n "$code" ] && break
		sleep 0.05
	done
	[ -n "$code" ] || { cat "$out"; kill "$pid"; return 1; }
	op_approve_device "$code"
	wait "$pid" || { cat "$out"; return 1; }
}

# token_field NAME: a member of the token file $TOKFILE.
token_field() {
	"$PYTHON3" -c 'import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$TOKFILE" "$1"
}

# token_age: the access token in $TOKFILE now expires in 10 s (< 300 s);
# the file is replaced, mode 0600 (its owner: the caller's).
token_age() {
	"$PYTHON3" - "$TOKFILE" <<-'PY'
	import json, os, sys, time
	p = sys.argv[1]
	d = json.load(open(p))
	d["expires_at"] = int(time.time()) + 10
	open(p + ".t", "w").write(json.dumps(d))
	os.chmod(p + ".t", 0o600)
	os.replace(p + ".t", p)
	PY
}

# op_bed_start / op_bed_stop (setup_file / teardown_file): the provider
# with JWT access tokens over 2 KB that live 600 s, and the Postfix bed
# whose Dovecot checks them. Without Node the provider is not started
# and each test's op_start skips with the reason.
op_bed_start() {
	op_start OP_TOKEN_FORMAT=jwt OP_TOKEN_PAD=2000 OP_TOKEN_TTL=600 ||
		return 0
	export TB_OAUTH2_ISSUER=$OP_URL
	postfix_start
}

op_bed_stop() {
	postfix_stop
	op_stop
}
