#!/bin/sh
# wait-mail.sh: wait for a message captured by the postfix-up.sh test bed.
#
# Usage: wait-mail.sh DIR STRING [TIMEOUT]
#        wait-mail.sh --absent DIR STRING [TIMEOUT]
#
# Without --absent: waits until a delivered message (DIR/mail/new/*.eml
# whose .env exists, i.e. complete) contains STRING (fixed string), prints
# the path of its .env and exits 0; exits 1 after TIMEOUT seconds
# (default 60: generous, a loaded machine is slow; the wait ends when the
# message is there).
# With --absent: waits until the Postfix queue (incoming, active, maildrop)
# is empty, then exits 0 if no delivered message contains STRING and 1 if
# one does (its .env path goes to stderr). Every message that Postfix
# answered "250" for is in the queue by then, so no fixed sleep is needed.
# Needs root for --absent: the queue directories are mode 0700.
set -eu

absent=no
[ "${1:-}" = --absent ] && { absent=yes; shift; }
[ $# -ge 2 ] || {
	echo "usage: wait-mail.sh [--absent] DIR STRING [TIMEOUT]" >&2
	exit 64
}
dir=$1 string=$2
ticks=$((${3:-60} * 50)) # polls of 20 ms
new=$dir/mail/new
spool=$dir/postfix/spool

# find_mail: print the .env of each complete message containing $string.
find_mail() {
	grep -lF -e "$string" "$new"/*.eml 2>/dev/null |
	    while read -r eml; do
		[ -f "${eml%.eml}.env" ] && echo "${eml%.eml}.env"
	    done
	return 0
}
queue_busy() {
	[ -n "$(find "$spool/incoming" "$spool/active" "$spool/maildrop" \
	    -type f 2>/dev/null | head -n 1)" ]
}

i=0
if [ "$absent" = yes ]; then
	while queue_busy; do
		i=$((i + 1))
		if [ $i -ge $ticks ]; then
			echo "wait-mail: queue of $dir not empty after ${3:-60} s" >&2
			exit 1
		fi
		sleep 0.02
	done
	found=$(find_mail)
	[ -z "$found" ] && exit 0
	echo "wait-mail: delivered although it should not be: $found" >&2
	exit 1
fi

while :; do
	found=$(find_mail | head -n 1)
	[ -n "$found" ] && { echo "$found"; exit 0; }
	i=$((i + 1))
	if [ $i -ge $ticks ]; then
		echo "wait-mail: no message with '$string' in $new" \
		    "after ${3:-60} s" >&2
		exit 1
	fi
	sleep 0.02
done
