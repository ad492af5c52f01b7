#!/bin/sh
# capture.sh: the test bed's pipe(8) delivery agent (runs as nobody).
#
# Usage (from master.cf, via /bin/sh so DIR may be on a noexec mount):
#   sh capture MAILDIR key=value... -- RECIPIENT...
#
# Stores the message from stdin as MAILDIR/new/NAME.eml and the envelope as
# MAILDIR/new/NAME.env, NAME = <epoch.ns>.<queue_id>.<pid>. The .env holds
# each key=value argument on its own line, one "recipient=ADDR" line per
# recipient and "delivered_at=<epoch.ns>". Both are written in MAILDIR/tmp
# and renamed; the .env last, so an existing .env means a complete delivery.
# Any failure exits 75 (EX_TEMPFAIL): Postfix defers instead of bouncing.
set -u

maildir=$1
shift
umask 022
qid=unknown
for a in "$@"; do
	case $a in queue_id=*) qid=${a#queue_id=} ;; esac
done
name=$(date +%s.%N).$qid.$$
tmp=$maildir/tmp/$name

cat >"$tmp.eml" || exit 75
{
	while [ $# -gt 0 ] && [ "$1" != -- ]; do
		printf '%s\n' "$1"
		shift
	done
	[ $# -gt 0 ] && shift
	for r in "$@"; do
		printf 'recipient=%s\n' "$r"
	done
	printf 'delivered_at=%s\n' "$(date +%s.%N)"
} >"$tmp.env" || exit 75
mv "$tmp.eml" "$maildir/new/$name.eml" || exit 75
mv "$tmp.env" "$maildir/new/$name.env" || exit 75
exit 0
