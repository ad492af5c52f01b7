# queue.bash: helpers shared by the queue tests (queue.bats,
# queue_reuse.bats): a hermetic setup with the queue in $Q, a plain
# account pointing at a port, the fault server, a dead port, a small
# message, the queue's ids, and a count of delivered messages by subject.
# Needs lib/common and lib/faultserver loaded first.

setup() {
	hermetic_env
	Q=$XDG_STATE_HOME/postern/queue
	SCEN=$BATS_TEST_TMPDIR/scenario.json
	mkdir -p "$XDG_CONFIG_HOME/postern"
	echo '{}' >"$SCEN"
}

teardown() {
	fault_stop
}

# config PORT [KEY VALUE]...: a plain (tls off, auth off) account.
config() {
	local port=$1
	shift
	{
		printf 'account default\nhost 127.0.0.1\nport %s\n' "$port"
		printf 'tls off\nauth off\nfrom alice@example.test\n'
		printf 'syslog off\nlogfile %s/log\n' "$BATS_TEST_TMPDIR"
		while [ $# -ge 2 ]; do
			printf '%s %s\n' "$1" "$2"
			shift 2
		done
	} >"$XDG_CONFIG_HOME/postern/config"
	chmod 600 "$XDG_CONFIG_HOME/postern/config"
}

# server [ARGS]: start the fault server with $SCEN, configure postern.
server() {
	NSRV=$((${NSRV:-0} + 1))
	fault_start "$SCEN" "$BATS_TEST_TMPDIR/fault$NSRV" "$@"
	config "$FAULT_PORT" "${CONFIG_EXTRA[@]}"
}

# A port nothing listens on.
dead_port() {
	"$PYTHON3" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# send TOKEN [ARGS]: submit a small message whose subject is TOKEN.
send() {
	local token=$1
	shift
	printf 'Subject: %s\n\nbody of %s\n' "$token" "$token" |
		"$POSTERN" "$@"
}

# The ids in the queue.
ids() {
	ls "$Q/new" 2>/dev/null | sed -n 's/\.env$//p'
}

# How many messages accepted (250 to the end of data), over every server,
# have the subject TOKEN (in their own header, not a quoted one).
count_delivered() {
	local env n=0
	for env in "$BATS_TEST_TMPDIR"/fault*/out/msg-*.env; do
		[ -e "$env" ] || continue
		grep -q '^reply=250' "$env" || continue
		sed -n $'/^\r$/q; p' "${env%.env}.eml" |
			grep -qx "Subject: $1"$'\r' && n=$((n + 1))
	done
	echo "$n"
}
