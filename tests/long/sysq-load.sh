#!/bin/bash
# sysq-load.sh (make check-long): the system queue under load and under
# crashes (issue 15), in a private mount namespace as tests/sysq.bats
# (tests/lib/sysq.bash), against the fault server (plain SMTP):
#  1. 50 submissions at once from 5 users (nobody, www-data, daemon, bin,
#     sys) while two `postern -q --system` runs overlap again and again:
#     every submission exits 0, then after the runs every message was
#     delivered exactly once, and the maildrop and the queue are empty.
#  2. postern-drop killed (strace --inject SIGKILL) at each of its
#     openat, write, fsync, renameat2 and syncfs calls in turn (each
#     call of each kind, counted per kind): the
#     maildrop never holds a torn file under a finished name (only t.*
#     temporaries), and the next `postern -q --system` delivers exactly
#     the drops that finished, whole.
# Prints TAP. Needs root, unshare, runuser, strace, python3.
set -u
src=${POSTERN_SRCDIR:?} POSTERN=${POSTERN:?} POSTERN_BUILDDIR=${POSTERN_BUILDDIR:?}
export POSTERN POSTERN_BUILDDIR
PYTHON3=/usr/bin/python3
for c in unshare runuser strace "$PYTHON3"; do
	command -v "$c" >/dev/null 2>&1 || { echo "1..0 # SKIP $c missing"; exit 0; }
done
[ "$(id -u)" = 0 ] || { echo "1..0 # SKIP needs root"; exit 0; }
tmp=$(mktemp -d /tmp/postern-sysq.XXXXXX)
chmod 755 "$tmp"
fpid=
cleanup() {
	[ -z "$fpid" ] || { kill "$fpid" 2>/dev/null; wait "$fpid" 2>/dev/null; }
	rm -rf "$tmp"
}
trap cleanup EXIT
BATS_TEST_TMPDIR=$tmp
require_or_skip() { echo "1..0 # SKIP $*"; exit 0; }
require_cmd() { command -v "$1" >/dev/null 2>&1 || require_or_skip "$1 missing"; }
# shellcheck source=../lib/sysq.bash
. "$src/tests/lib/sysq.bash"
sysq_setup || { echo "1..0 # SKIP cannot set up the system queue"; exit 0; }

echo '{}' >"$tmp/scen.json"
"$PYTHON3" "$src/tests/servers/faultserver.py" --scenario "$tmp/scen.json" \
	--out "$tmp/fault" --port-file "$tmp/port" </dev/null >"$tmp/fault.log" 2>&1 &
fpid=$!
for _ in $(seq 250); do [ -s "$tmp/port" ] && break; sleep 0.02; done
sysq_conf defaults "syslog off" "local_domain example.test" \
	"account default" "host 127.0.0.1" "port $(cat "$tmp/port")" \
	"tls off" "auth off" "timeout 10" "from server@example.test"

n=0 fail=0
ok() { n=$((n + 1)); echo "ok $n - $*"; }
notok() { n=$((n + 1)); echo "not ok $n - $*"; fail=1; }
echo "1..4"

# delivered TOKEN: how many accepted messages have the subject TOKEN.
delivered() {
	grep -lx "Subject: $1"$'\r\\?' "$tmp"/fault/msg-*.eml 2>/dev/null | wc -l
}
# run_until_empty: queue runs until nothing is left (at most 20).
run_until_empty() {
	local k
	for k in $(seq 20); do
		ns "runuser -u $SYS_USER -- $NS_POSTERN -qf --system" >/dev/null 2>&1
		[ -z "$(drop_files)" ] && [ -z "$(ls "$NS/spool/queue/new")" ] && return 0
	done
	return 1
}

# 1. 50 at once from 5 users, two runners overlapping.
users="nobody www-data daemon bin sys"
ns "
for u in $users; do
	for i in \$(seq 10); do
		( printf 'Subject: load-%s-%s\n\nbody\n' \$u \$i |
			runuser -u \$u -- env -i PATH=/usr/bin:/bin HOME=/nonexistent \
				$NS_POSTERN -i bob@example.test ||
			echo \"submit \$u \$i: exit \$?\" ) &
	done
done
for r in 1 2; do
	( for k in 1 2 3 4 5; do
		runuser -u $SYS_USER -- $NS_POSTERN -q --system
	done ) &
done
wait" >"$tmp/load.out" 2>&1
if grep -q '^submit ' "$tmp/load.out"; then
	notok "50 submissions from 5 users exit 0"
	sed 's/^/#   /' "$tmp/load.out" | head -n 20
else
	ok "50 submissions from 5 users exit 0 while two queue runs overlap"
fi
run_until_empty || notok "the system queue did not drain"
bad=
for u in $users; do
	for i in $(seq 10); do
		c=$(delivered "load-$u-$i")
		[ "$c" -eq 1 ] || bad="$bad load-$u-$i:$c"
	done
done
[ -z "$bad" ] && ok "each of the 50 delivered exactly once" ||
	notok "deliveries not exactly once:$bad"

# 2. The helper killed at each of its calls.
rec=$tmp/rec
calls="openat,write,fsync,renameat2,syncfs"
torn= kills=0 j=0
for sc in openat write fsync renameat2 syncfs; do
	for k in $(seq 1 40); do
		j=$((j + 1))
		tok=crash-$j
		printf 'postern-drop 1\narg bob@example.test\ndata\nSubject: %s\n\n%s\nEND %s\n' \
			"$tok" "$(head -c 20000 /dev/zero | tr '\0' x)" "$tok" >"$rec"
		chmod 644 "$rec"
		ns "strace -f -o /dev/null -e trace=$sc -e inject=$sc:signal=SIGKILL:when=$k \
			$SYS_HELPER <$rec >/dev/null 2>&1; echo \$? >$tmp/rc" >/dev/null 2>&1
		rc=$(cat "$tmp/rc")
		for f in $(drop_files); do
			# a finished name must hold the whole record
			tail -n 1 "$NS/spool/maildrop/$f" | grep -q '^END crash-' ||
				torn="$torn $sc#$k:$f"
		done
		[ "$rc" != 0 ] || break
		kills=$((kills + 1))
	done
done
k=$j
# the drops that finished: a file under a finished name holds each
finished=$(cd "$NS/spool/maildrop" && cat $(drop_files) </dev/null 2>/dev/null |
	sed -n 's/^Subject: \(crash-[0-9]*\)$/\1/p' | tr '\n' ' ')
[ -z "$torn" ] && [ "$kills" -ge 8 ] && ok "killed at each of its $kills openat/write/fsync/rename/syncfs calls, the helper never leaves a torn finished file" ||
	notok "torn maildrop files:$torn"
echo "# drops that finished before the kill: ${finished:-none}"
run_until_empty >/dev/null 2>&1
bad=
for k2 in $(seq 1 "$k"); do
	c=$(delivered "crash-$k2")
	want=0
	case " $finished " in *" crash-$k2 "*) want=1 ;; esac
	[ "$c" -eq "$want" ] || bad="$bad crash-$k2:$c/$want"
done
[ -z "$bad" ] && ok "after the kills, exactly the finished drops were delivered, once" ||
	notok "after the kills:$bad"
exit $fail
