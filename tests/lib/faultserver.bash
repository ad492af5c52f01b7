# faultserver.bash: start and stop tests/servers/faultserver.py from bats.
# Load after common.bash.
#
#   fault_certs DIR             make (once) a test PKI with mkcerts.sh in DIR
#                               and export FAULT_CERT_DIR; fault_start then
#                               passes DIR/server.crt and server.key
#   fault_start SCENARIO [DIR] [ARGS...]
#                               start the server with the JSON scenario file
#                               ("" for none), state in DIR (default
#                               $BATS_TEST_TMPDIR/fault), extra ARGS for
#                               faultserver.py (--ipv6, --tls implicit, ...);
#                               waits (<= 60 s) until it listens, exports
#                               FAULT_PORT, FAULT_PID and FAULT_DIR (the
#                               output dir: transcripts and messages)
#   fault_stop                  SIGTERM, wait (<= 10 s, then SIGKILL);
#                               never fails (safe in teardown)
#   fault_wait_sessions [T]     until every session has ended (<= T s, 60)
#   fault_transcript [N]        path of session N's transcript (default last)
#   fault_message [S M]         base path (no extension) of message M of
#                               session S (default: the last complete one);
#                               add .wire .eml .env
#   fault_env KEY [BASE]        values of KEY in BASE.env (default last msg)

fault_certs() {
	local dir=$1
	require_cmd certtool gnutls-bin
	if [ ! -s "$dir/server.key" ]; then
		sh "$SERVERS/mkcerts.sh" "$dir" >"$dir.log" 2>&1 || {
			cat "$dir.log" >&2
			return 1
		}
	fi
	export FAULT_CERT_DIR=$dir
}

fault_start() {
	local scen=$1 dir=${2:-$BATS_TEST_TMPDIR/fault} i
	shift
	[ $# -eq 0 ] || shift
	"$PYTHON3" -c 'import ssl, selectors' 2>/dev/null ||
		require_or_skip "$PYTHON3 with ssl not available"
	mkdir -p "$dir"
	rm -f "$dir/port"
	FAULT_DIR=$dir/out
	set -- --out "$FAULT_DIR" --port-file "$dir/port" "$@"
	[ -z "$scen" ] || set -- --scenario "$scen" "$@"
	if [ -n "${FAULT_CERT_DIR:-}" ]; then
		set -- --cert "$FAULT_CERT_DIR/server.crt" \
			--key "$FAULT_CERT_DIR/server.key" "$@"
	fi
	# fd 3 closed: bats waits for anything holding it.
	"$PYTHON3" "$SERVERS/faultserver.py" "$@" \
		</dev/null >"$dir/server.log" 2>&1 3>&- &
	FAULT_PID=$!
	FAULT_LOG=$dir/server.log
	export FAULT_PID FAULT_DIR FAULT_LOG
	local end=$((SECONDS + 60))
	while [ "$SECONDS" -lt "$end" ]; do
		if [ -s "$dir/port" ]; then
			FAULT_PORT=$(cat "$dir/port")
			export FAULT_PORT
			return 0
		fi
		if ! kill -0 "$FAULT_PID" 2>/dev/null; then
			echo "faultserver exited:" >&2
			cat "$dir/server.log" >&2
			return 1
		fi
		sleep 0.02 || true
	done
	echo "faultserver not listening after 60 s:" >&2
	cat "$dir/server.log" >&2
	fault_stop
	return 1
}

# Uses only builtins (pid_gone, kill, wait): a failed fork under load
# cannot make it fail or skip the SIGKILL.
fault_stop() {
	[ -n "${FAULT_PID:-}" ] || return 0
	kill -TERM "$FAULT_PID" 2>/dev/null || true
	wait_until 10 pid_gone "$FAULT_PID" ||
		kill -KILL "$FAULT_PID" 2>/dev/null || true
	wait "$FAULT_PID" 2>/dev/null || true
	unset FAULT_PID FAULT_PORT
	return 0
}

# _fault_sessions_ended: every transcript's last line is "-- session end".
_fault_sessions_ended() {
	local f last
	for f in "$FAULT_DIR"/session-*.log; do
		[ -e "$f" ] || continue
		last=$(tail -n1 "$f") || return 1
		[ "$last" = "-- session end" ] || return 1
	done
}

fault_wait_sessions() {
	wait_until "${1:-60}" _fault_sessions_ended && return 0
	echo "faultserver sessions still open after ${1:-60} s" >&2
	return 1
}

fault_transcript() {
	local n=${1:-}
	if [ -z "$n" ]; then
		n=$(ls "$FAULT_DIR" | sed -n 's/^session-\([0-9]*\)\.log$/\1/p' |
			sort -n | tail -n1)
	fi
	[ -n "$n" ] && [ -e "$FAULT_DIR/session-$n.log" ] || {
		echo "no transcript ${1:-} in $FAULT_DIR" >&2
		return 1
	}
	echo "$FAULT_DIR/session-$n.log"
}

fault_message() {
	local base
	if [ $# -ge 2 ]; then
		base=$FAULT_DIR/msg-$1-$2
	else
		base=$(ls "$FAULT_DIR" |
			sed -n 's/^msg-\([0-9]*\)-\([0-9]*\)\.env$/\1 \2/p' |
			sort -n -k1,1 -k2,2 | tail -n1)
		[ -n "$base" ] && base=$FAULT_DIR/msg-${base% *}-${base#* }
	fi
	[ -n "$base" ] && [ -e "$base.env" ] || {
		echo "no message ${1:-} ${2:-} in $FAULT_DIR" >&2
		return 1
	}
	echo "$base"
}

fault_env() {
	local base=${2:-}
	[ -n "$base" ] || base=$(fault_message) || return 1
	sed -n "s/^$1=//p" "$base.env"
}
