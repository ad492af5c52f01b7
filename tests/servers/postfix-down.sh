#!/bin/sh
# postfix-down.sh: stop the test bed started by postfix-up.sh DIR.
#
# Usage: postfix-down.sh DIR [--purge]
#
# Sends SIGTERM to the Postfix and Dovecot masters of DIR (and their
# process groups), waits until both are gone, then SIGKILLs whatever is
# left in their sessions or carries MAIL_CONFIG=DIR/postfix/etc in its
# environment. Nothing is killed
# by name. Zombies count as gone: PID 1 may reap orphans late, and
# kill -0 succeeds on a zombie. --purge then removes DIR (only if
# postfix-up.sh made it). Exit 0 when nothing of the instance is left.
set -eu

[ $# -ge 1 ] || { echo "usage: postfix-down.sh DIR [--purge]" >&2; exit 64; }
case $1 in /*) dir=$1 ;; *) dir=$(pwd)/$1 ;; esac
purge=${2:-}
etc=$dir/postfix/etc
conf=$dir/dovecot/dovecot.conf

# stat_field PID N: field N of /proc/PID/stat after "(comm)": 1 = state,
# 4 = session id. Empty if PID does not exist.
stat_field() {
	sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f"$2"
}
alive() {
	s=$(stat_field "$1" 1)
	[ -n "$s" ] && [ "$s" != Z ]
}

# The masters, if their PID files name a live process that really is ours.
pids='' sids=''
p=$(tr -d ' ' 2>/dev/null <"$dir/postfix/spool/pid/master.pid") || p=
if [ -n "$p" ] && alive "$p" &&
    tr '\0' '\n' <"/proc/$p/environ" | grep -qxF "MAIL_CONFIG=$etc"; then
	pids=$p
fi
p=$(cat "$dir/dovecot/run/master.pid" 2>/dev/null) || p=
if [ -n "$p" ] && alive "$p" &&
    tr '\0' ' ' <"/proc/$p/cmdline" | grep -qF " $conf"; then
	pids="$pids $p"
fi
# Both daemonize with setsid(): remember sessions they lead, never ours,
# and signal each whole group at once. TERM to the Dovecot master alone
# takes 1 s (it waits for its children); to the group, about 0.1 s.
mysid=$(stat_field $$ 4)
for p in $pids; do
	s=$(stat_field "$p" 4)
	if [ "$s" = "$p" ] && [ "$s" != "$mysid" ]; then
		sids="$sids $s"
		kill -TERM "-$p" 2>/dev/null || :
	else
		kill -TERM "$p" 2>/dev/null || :
	fi
done
i=0
for p in $pids; do
	while alive "$p" && [ $i -lt 3000 ]; do
		i=$((i + 1))
		sleep 0.02
	done
done

# leftovers: live PIDs in one of $sids or with our MAIL_CONFIG.
leftovers() {
	{
		grep -lzxF "MAIL_CONFIG=$etc" /proc/[0-9]*/environ 2>/dev/null |
		    cut -d/ -f3 | sed 's/$/ env/'
		cat /proc/[0-9]*/stat 2>/dev/null |
		    sed 's/^\([0-9]*\) .*) \(.\) [0-9-]* [0-9-]* \([0-9-]*\) .*/\1 \2 \3/'
	} | awk -v sids="$sids" -v me=$$ '
		BEGIN { n = split(sids, s, " "); for (i = 1; i <= n; i++) in_s[s[i]] = 1 }
		$2 == "env" { env[$1] = 1; next }
		{ state[$1] = $2; if ($3 in in_s) hit[$1] = 1 }
		END {
			for (p in env) hit[p] = 1
			for (p in hit)
				if (p != me && (p in state) && state[p] != "Z") print p
		}'
}
for _ in 1 2 3; do
	left=$(leftovers)
	[ -n "$left" ] || break
	# shellcheck disable=SC2086 # one PID per word
	kill -KILL $left 2>/dev/null || :
	sleep 0.05
done
left=$(leftovers)
if [ -n "$left" ]; then
	echo "postfix-down: still running: $left" >&2
	exit 1
fi

if [ "$purge" = --purge ]; then
	if [ -f "$dir/.postern-testbed" ]; then
		rm -rf "$dir"
	elif [ -e "$dir" ]; then
		echo "postfix-down: $dir was not made by postfix-up.sh; kept" >&2
		exit 1
	fi
fi
exit 0
