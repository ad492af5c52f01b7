#!/bin/sh
# demo.sh: postern's main job end to end, with no account of the user's.
#
# Usage: demo.sh POSTERN-BINARY        (what `make demo` runs)
#
# As root it starts the test Postfix + Dovecot SASL on loopback; as a
# normal user, where Postfix cannot start, the scripted fault server in its
# well-behaved mode (STARTTLS + AUTH). Then it submits one message with
# postern over STARTTLS + AUTH, prints the SMTP transcript (postern -v,
# AUTH redacted) and the message as the server received it, and stops
# every server it started. Everything lives in a temporary directory that
# is removed at the end (DEMO_KEEP=1 keeps it).
set -eu

[ $# -eq 1 ] || { echo "usage: demo.sh POSTERN-BINARY" >&2; exit 64; }
postern=$1
here=$(cd "$(dirname "$0")" && pwd)
py=/usr/bin/python3
[ -x "$py" ] || py=python3
user=alice@example.test
pass='s3cret p@ss'
rcpt=bob@example.test

dir=$(mktemp -d /tmp/postern-demo.XXXXXX)
chmod 755 "$dir"
server=
fault_pid=

stop() {
	case $server in
	postfix) sh "$here/postfix-down.sh" "$dir/tb" >/dev/null 2>&1 || : ;;
	fault) kill "$fault_pid" 2>/dev/null && wait "$fault_pid" 2>/dev/null || : ;;
	esac
	if [ "${DEMO_KEEP:-0}" = 1 ]; then
		echo "demo: kept $dir"
	else
		rm -rf "$dir"
	fi
}
trap stop EXIT
trap 'exit 130' HUP INT PIPE TERM

say() { printf '\n== %s\n' "$*"; }

start_postfix() {
	mkdir -p "$dir/tb"
	# A base port in the dynamic range that is not in use; postfix-up.sh
	# exits 75 when a port is taken, then the next base is tried.
	for base in 21000 23000 25000 27000 29000; do
		TB_PORT_BASE=$base sh "$here/postfix-up.sh" "$dir/tb" \
		    >"$dir/postfix-up.log" 2>&1 && break
		rc=$?
		[ "$rc" -eq 75 ] || { cat "$dir/postfix-up.log" >&2; return 1; }
	done
	[ -s "$dir/tb/env" ] || { cat "$dir/postfix-up.log" >&2; return 1; }
	server=postfix
	. "$dir/tb/env"
	port=$TB_SUBMISSION_PORT
	ca=$TB_CA
}

start_fault() {
	sh "$here/mkcerts.sh" "$dir/certs" >"$dir/mkcerts.log" 2>&1
	"$py" "$here/faultserver.py" --well-behaved --user "$user" \
	    --password "$pass" --cert "$dir/certs/server.crt" \
	    --key "$dir/certs/server.key" --out "$dir/out" \
	    --port-file "$dir/port" </dev/null >"$dir/fault.log" 2>&1 &
	fault_pid=$!
	server=fault
	i=0
	while [ ! -s "$dir/port" ]; do
		i=$((i + 1))
		[ $i -le 3000 ] && kill -0 "$fault_pid" 2>/dev/null ||
			{ cat "$dir/fault.log" >&2; return 1; }
		sleep 0.02
	done
	port=$(cat "$dir/port")
	ca=$dir/certs/ca.crt
}

write_config() {
	mkdir -p "$dir/home/.config/postern"
	cat >"$dir/home/.config/postern/config" <<EOF
# The demo account: the test server on loopback, STARTTLS, AUTH.
account demo
host localhost
port $port
tls_starttls on
tls_trust_file $ca
user $user
password "$pass"
from $user

account default : demo
EOF
	chmod 600 "$dir/home/.config/postern/config"
}

write_message() {
	cat >"$dir/message" <<EOF
From: Alice <$user>
To: Bob <$rcpt>
Subject: postern demo $(date +%s)

Hello Bob,

this message went through postern over STARTTLS with SMTP AUTH.
.
The line with a single dot above is data (-i), sent safely.
EOF
}

show_delivery() {
	case $server in
	postfix)
		env=$(sh "$here/wait-mail.sh" "$dir/tb" "Subject: postern demo" 10)
		say "envelope as Postfix delivered it ($env)"
		cat "$env"
		say "message as Postfix delivered it"
		cat "${env%.env}.eml"
		;;
	fault)
		base=$(ls "$dir/out"/msg-*.env 2>/dev/null | tail -n 1)
		[ -n "$base" ] || { echo "demo: the server recorded no message" >&2; return 1; }
		say "envelope as the test server received it"
		cat "$base"
		say "message as the test server received it (wire bytes)"
		cat "${base%.env}.wire"
		;;
	esac
}

if [ "$(id -u)" -eq 0 ] && command -v postfix >/dev/null 2>&1 &&
    command -v dovecot >/dev/null 2>&1; then
	say "starting the test Postfix + Dovecot on loopback"
	start_postfix
	echo "Postfix submission port $port (STARTTLS required, AUTH after TLS)"
else
	say "starting postern's scripted test server (not root, or no Postfix)"
	start_fault
	echo "test server on 127.0.0.1:$port (STARTTLS, AUTH PLAIN/LOGIN)"
fi
write_config
write_message

say "postern -i -v $rcpt < message"
set +e
HOME=$dir/home XDG_CONFIG_HOME=$dir/home/.config \
    XDG_STATE_HOME=$dir/home/.local/state \
    "$postern" -i -v "$rcpt" <"$dir/message" 2>"$dir/transcript"
rc=$?
set -e
cat "$dir/transcript"
echo "exit status: $rc"
[ "$rc" -eq 0 ] || { echo "demo: postern failed" >&2; exit 1; }
if grep -F "$pass" "$dir/transcript" >/dev/null; then
	echo "demo: the password appeared in the transcript" >&2
	exit 1
fi
show_delivery
say "done: delivered over STARTTLS + AUTH"
