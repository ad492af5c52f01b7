#!/bin/sh
# keyring-down.sh: stop the keyring started by keyring-up.sh DIR.
#
# Usage: keyring-down.sh DIR [--purge]
#
# Reads TB_DBUS_PID and TB_KEYRING_PID from DIR/keyring.env, checks that
# each still is ours (HOME=DIR/home in its environment, so a reused PID is
# never touched), sends SIGTERM (the bus first), then sweeps any process
# left in their sessions (e.g. a daemon the bus activated). A zombie counts
# as gone: PID 1 may reap orphans late. Anything alive after 10 s gets
# SIGKILL. --purge also removes DIR. Exit 0 once nothing is left.
set -eu

die() {
	echo "keyring-down: $*" >&2
	exit 1
}

[ $# -ge 1 ] || die "usage: keyring-down.sh DIR [--purge]"
[ -d "$1" ] || exit 0
DIR=$(cd "$1" && pwd)
purge=${2:-}

# Builtins only (no fork): under load a failed fork must not make a live
# process look gone.
alive() {
	read -r line 2>/dev/null <"/proc/$1/stat" || return 1
	st=${line##*) }
	st=${st%% *}
	[ -n "$st" ] && [ "$st" != Z ]
}

ours() {
	alive "$1" && tr '\0' '\n' <"/proc/$1/environ" 2>/dev/null |
		grep -qxF "HOME=$DIR/home"
}

# Live PIDs whose session ID is one of "$@".
in_sessions() {
	for stat in /proc/[0-9]*/stat; do
		read -r line 2>/dev/null <"$stat" || continue
		line=${line##*) }
		# fields after comm: state ppid pgrp session ...
		# shellcheck disable=SC2086 # split into fields
		set -- $line
		st=$1
		sid=$4
		[ "$st" = Z ] && continue
		for s in $SIDS; do
			if [ "$sid" = "$s" ]; then
				p=${stat#/proc/}
				echo "${p%/stat}"
			fi
		done
	done
}

TB_DBUS_PID='' TB_KEYRING_PID=''
[ -r "$DIR/keyring.env" ] && . "$DIR/keyring.env"

SIDS=''
for p in $TB_DBUS_PID $TB_KEYRING_PID; do
	if ours "$p"; then
		SIDS="$SIDS $p"
		kill -TERM "$p" 2>/dev/null || true
	fi
done

if [ -n "$SIDS" ]; then
	ticks=0
	while :; do
		left=$(in_sessions)
		[ -n "$left" ] || break
		if [ "$ticks" -ge 500 ]; then
			# shellcheck disable=SC2086
			kill -KILL $left 2>/dev/null || true
		else
			# shellcheck disable=SC2086
			kill -TERM $left 2>/dev/null || true
		fi
		[ "$ticks" -lt 1500 ] || die "still running: $left"
		ticks=$((ticks + 1))
		sleep 0.02 || :
	done
fi

rm -f "$DIR/bus" "$DIR/keyring.env" "$DIR/pw"
[ "$purge" != --purge ] || rm -rf "$DIR"
exit 0
