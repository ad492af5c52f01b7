#!/bin/sh
# keyring-up.sh: start a private, headless, unlocked gnome-keyring.
#
# Usage: eval "$(tests/servers/keyring-up.sh DIR)"
#
# Starts a private D-Bus session bus (unix:path=DIR/bus) and
# gnome-keyring-daemon with only the secrets component, with HOME and the
# XDG directories inside DIR so that nothing outside DIR is touched (a
# D-Bus activated daemon inherits the bus's environment). The daemon
# creates and unlocks the "login" collection (the "default" alias) from
# the password TB_KEYRING_PASSWORD (default "keyring-pass"); no prompter
# is involved. The keyring starts empty unless TB_KEYRING_KEEP=1.
#
# Ready means: org.freedesktop.secrets has an owner, the owner is the
# daemon started here, and the default collection is unlocked.
# Prints sh assignments for DBUS_SESSION_BUS_ADDRESS, GNOME_KEYRING_CONTROL,
# TB_KEYRING_DIR, TB_KEYRING_PASSWORD, TB_DBUS_PID and TB_KEYRING_PID, and
# saves the same lines in DIR/keyring.env. Every daemon has its standard
# descriptors on files in DIR, so $(keyring-up.sh DIR) never hangs.
# Stop with keyring-down.sh DIR. Exit status 0 when ready, 1 otherwise.
set -eu

die() {
	echo "keyring-up: $*" >&2
	exit 1
}

[ $# -eq 1 ] || die "usage: keyring-up.sh DIR"
mkdir -p "$1"
DIR=$(cd "$1" && pwd)
PW=${TB_KEYRING_PASSWORD:-keyring-pass}
TIMEOUT_TICKS=${TB_KEYRING_TIMEOUT_TICKS:-3000}	# 20 ms each: 60 s (a loaded machine)

for c in dbus-daemon dbus-send gnome-keyring-daemon setsid; do
	command -v "$c" >/dev/null 2>&1 || die "$c not found"
done

# alive PID: the process exists and is not a zombie.
alive() {
	[ -r "/proc/$1/stat" ] || return 1
	st=$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f1) ||
		return 1
	[ -n "$st" ] && [ "$st" != Z ]
}

if [ -f "$DIR/keyring.env" ]; then
	old=$(. "$DIR/keyring.env" && echo "${TB_DBUS_PID:-}")
	if [ -n "$old" ] && alive "$old" &&
		tr '\0' '\n' <"/proc/$old/environ" 2>/dev/null |
		grep -qxF "HOME=$DIR/home"; then
		die "already running in $DIR (keyring-down.sh $DIR first)"
	fi
fi

mkdir -p "$DIR/home" "$DIR/data" "$DIR/config" "$DIR/cache" \
	"$DIR/runtime"
chmod 700 "$DIR" "$DIR/runtime"
[ "${TB_KEYRING_KEEP:-0}" = 1 ] || rm -rf "$DIR/data/keyrings"
rm -f "$DIR/bus" "$DIR/keyring.env"

# The environment every daemon (and anything the bus activates) sees.
set_env() {
	export HOME="$DIR/home" XDG_DATA_HOME="$DIR/data" \
		XDG_CONFIG_HOME="$DIR/config" XDG_CACHE_HOME="$DIR/cache" \
		XDG_RUNTIME_DIR="$DIR/runtime"
	unset DISPLAY WAYLAND_DISPLAY DBUS_SESSION_BUS_ADDRESS \
		GNOME_KEYRING_CONTROL SSH_AUTH_SOCK
}
set_env

# 1. The bus. --fork returns once the bus listens; it prints its PID.
dbus-daemon --session --fork --nopidfile --address="unix:path=$DIR/bus" \
	--print-address=3 --print-pid=4 \
	</dev/null >"$DIR/dbus.log" 2>&1 3>"$DIR/dbus.addr" 4>"$DIR/dbus.pid" ||
	die "dbus-daemon failed: $(cat "$DIR/dbus.log")"
DBUS_PID=$(head -n1 "$DIR/dbus.pid")
ADDR=$(head -n1 "$DIR/dbus.addr")
[ -n "$DBUS_PID" ] && [ -n "$ADDR" ] || die "dbus-daemon printed no PID/address"
export DBUS_SESSION_BUS_ADDRESS="$ADDR"

# 2. The keyring. In a non-interactive sh a background job is not a
# process group leader, so setsid execs in place and $! is the daemon.
umask 077
printf '%s' "$PW" >"$DIR/pw"
setsid gnome-keyring-daemon --foreground --unlock --components=secrets \
	--control-directory="$DIR/runtime/keyring" \
	<"$DIR/pw" >"$DIR/keyring.log" 2>&1 &
KR_PID=$!

fail() {
	rm -f "$DIR/pw"
	kill "$DBUS_PID" "$KR_PID" 2>/dev/null || true
	die "$* (logs: $DIR/dbus.log $DIR/keyring.log)"
}

bus_call() {
	dbus-send --session --print-reply --reply-timeout=20000 "$@" 2>/dev/null
}

# 3. Readiness. NameHasOwner does not activate anything (pitfall: an
# activated daemon would not be ours).
ticks=0
state=owner
while :; do
	alive "$KR_PID" || fail "gnome-keyring-daemon exited"
	case $state in
	owner)
		if bus_call --dest=org.freedesktop.DBus /org/freedesktop/DBus \
			org.freedesktop.DBus.NameHasOwner \
			string:org.freedesktop.secrets | grep -q 'boolean true'; then
			pid=$(bus_call --dest=org.freedesktop.DBus \
				/org/freedesktop/DBus \
				org.freedesktop.DBus.GetConnectionUnixProcessID \
				string:org.freedesktop.secrets |
				sed -n 's/.*uint32 //p')
			[ "$pid" = "$KR_PID" ] ||
				fail "org.freedesktop.secrets owned by PID $pid, not $KR_PID"
			state=unlocked
			continue
		fi
		;;
	unlocked)
		if bus_call --dest=org.freedesktop.secrets \
			/org/freedesktop/secrets/aliases/default \
			org.freedesktop.DBus.Properties.Get \
			string:org.freedesktop.Secret.Collection string:Locked |
			grep -q 'boolean false'; then
			break
		fi
		;;
	esac
	ticks=$((ticks + 1))
	[ "$ticks" -lt "$TIMEOUT_TICKS" ] || fail "not ready (waiting for $state)"
	sleep 0.02
done
rm -f "$DIR/pw"

# sh-quote a value: 'it'\''s'
q() {
	printf "'%s'" "$(printf '%s' "$1" | sed "s/'/'\\\\''/g")"
}

{
	for v in DBUS_SESSION_BUS_ADDRESS:"$ADDR" \
		GNOME_KEYRING_CONTROL:"$DIR/runtime/keyring" \
		TB_KEYRING_DIR:"$DIR" TB_KEYRING_PASSWORD:"$PW" \
		TB_DBUS_PID:"$DBUS_PID" TB_KEYRING_PID:"$KR_PID"; do
		name=${v%%:*}
		printf '%s=%s; export %s\n' "$name" "$(q "${v#*:}")" "$name"
	done
} >"$DIR/keyring.env"
cat "$DIR/keyring.env"
