#!/bin/bash
# crash-queue-run.sh: crash consistency of the queue run (issue 10 item
# 5, the `postern -q` side; tests/queue_stress.bats covers submissions).
# Three messages are queued with -odq; then, for every write, fsync,
# rename and unlink the queue run makes (counted first with strace -c),
# a fresh copy of that queue is run with `postern -q` under strace
# injecting SIGKILL at exactly that call, then EIO, then ENOSPC; after
# each, a clean `postern -q` runs. Checked every time, from the fault
# server's transcript and the logfile:
#  - every queued message was delivered, whole (its END line), and the
#    queue is empty (nothing lost, nothing torn);
#  - a message that went out twice did so only because the first run
#    died between the server's 250 and the removal of the entry, and the
#    run that resent it logged possible_duplicate=yes.
# make check-long runs it. Needs strace (with -e inject) and python3.
set -u
src=${POSTERN_SRCDIR:?} postern=${POSTERN:?}
py=/usr/bin/python3
command -v strace >/dev/null || { echo "SKIP: strace missing"; exit 0; }
tmp=$(mktemp -d /tmp/postern-crash.XXXXXX)
fpid=
cleanup() {
	[ -z "$fpid" ] || { kill "$fpid" 2>/dev/null; wait "$fpid" 2>/dev/null; }
	rm -rf "$tmp"
}
trap cleanup EXIT
export HOME=$tmp/home XDG_CONFIG_HOME=$tmp/home/.config \
    XDG_STATE_HOME=$tmp/home/.local/state
mkdir -p "$XDG_CONFIG_HOME/postern"
Q=$XDG_STATE_HOME/postern/queue

"$py" "$src/tests/servers/faultserver.py" --out "$tmp/fault" \
    --port-file "$tmp/port" </dev/null >"$tmp/fault.log" 2>&1 &
fpid=$!
for _ in $(seq 250); do [ -s "$tmp/port" ] && break; sleep 0.02; done
cat >"$XDG_CONFIG_HOME/postern/config" <<CONF
defaults
syslog off
logfile $tmp/postern.log
account default
host 127.0.0.1
port $(cat "$tmp/port")
tls off
auth off
timeout 3
from alice@example.test
CONF

for i in 1 2 3; do
	printf 'From: alice@example.test\nSubject: m%s\n\nbody\nEND m%s\n' \
	    "$i" "$i" | "$postern" -odq -i bob@example.test || exit 1
done
cp -a "$Q" "$tmp/queue.template"

# msgs: one line per whole message the server took: "mN".
msgs() {
	cat "$tmp"/fault/msg-*.eml 2>/dev/null | tr -d '\r' |
	    sed -n 's/^END \(m[0-9]\)$/\1/p' | sort
}

runs=0 bad=0
# one SYSCALL HOW N: a queue run with the fault at call N, then a clean run.
one() {
	local sc=$1 how=$2 nth=$3 got dups m
	rm -rf "$Q" "$tmp/postern.log"
	mkdir -p "$tmp/old" && mv "$tmp"/fault/* "$tmp/old/" 2>/dev/null
	cp -a "$tmp/queue.template" "$Q"
	strace -f -o /dev/null -e trace="$sc" \
	    -e inject="$sc:$how:when=$nth" "$postern" -q >/dev/null 2>&1
	: >"$tmp/postern.log.first"
	[ -e "$tmp/postern.log" ] && mv "$tmp/postern.log" "$tmp/postern.log.first"
	"$postern" -qf >/dev/null 2>&1
	runs=$((runs + 1))
	got=$(msgs | uniq | tr '\n' ' ')
	dups=$(msgs | uniq -d | tr '\n' ' ')
	# (a .msg without its .env, left by a kill between the two unlinks
	# of a delivered entry, is an orphan the queue cleans up later)
	if [ "$got" != "m1 m2 m3 " ] || ls "$Q/new" | grep -q '\.env$'; then
		echo "FAIL $sc $how #$nth: delivered '$got', left: $(ls "$Q/new" | tr '\n' ' ')"
		bad=1
		return
	fi
	for m in $dups; do
		# the resend is logged as a possible duplicate
		if ! grep -q "possible_duplicate=yes" "$tmp/postern.log" 2>/dev/null; then
			echo "FAIL $sc $how #$nth: $m delivered twice, no possible_duplicate=yes"
			bad=1
		fi
	done
	[ -z "$dups" ] || echo "   $sc $how #$nth: duplicate $dups (logged)"
}

# count SYSCALL: how many times a clean queue run makes it.
count() {
	rm -rf "$Q"
	mkdir -p "$tmp/old" && mv "$tmp"/fault/* "$tmp/old/" 2>/dev/null
	cp -a "$tmp/queue.template" "$Q"
	strace -f -c -o "$tmp/count" -e trace="$1" "$postern" -q >/dev/null 2>&1
	awk -v s="$1" '$NF == s { print $4 }' "$tmp/count"
}

t0=$(date +%s)
for sc in write fsync rename unlink; do
	n=$(count "$sc")
	n=${n:-0}
	echo "$sc: $n calls in a clean run"
	for nth in $(seq "$n"); do
		one "$sc" signal=KILL "$nth"
		one "$sc" error=EIO "$nth"
		[ "$sc" = write ] || [ "$sc" = fsync ] &&
			one "$sc" error=ENOSPC "$nth"
	done
done
echo "$runs faulted queue runs in $(($(date +%s) - t0)) s"
[ "$bad" = 0 ] && echo "PASS crash-queue-run" || echo "FAIL crash-queue-run"
exit $bad
