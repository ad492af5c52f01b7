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
#  - every message the server recorded (it records one only once it has
#    read the end of data: msg-N-M.wire, .eml and .env, .env last) is
#    whole: .wire and .env both there, the .eml byte for byte the queued
#    message, the .wire ending in its END line; so a torn extra copy is
#    caught, not only a missing one;
#  - a message that went out twice did so only because the first run
#    died between the server's 250 and the removal of the entry: for
#    every copy but the last, the server's transcript shows the 250 for
#    that message's end of data, and the faulted run's own strace shows
#    it read that 250 (a read() returning "queued as SnMm"); and the run
#    that resent it logged possible_duplicate=yes for that entry's id.
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
for _ in $(seq 3000); do [ -s "$tmp/port" ] && break; sleep 0.02; done # <= 60 s
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

# check.py FAULT TEMPLATE TRACE LOG...: the records against the queued
# messages, and every duplicate against the transcript, the faulted run's
# trace and the logs (see the top of this file). Prints FAIL lines, and
# "dup" lines for the allowed duplicates; exit 1 on a failure.
cat >"$tmp/check.py" <<'PY'
import glob, os, re, sys
fault, tmpl, trace, logs = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
queued = {}                     # mN -> (queue id, the queued bytes)
for p in glob.glob(os.path.join(tmpl, "new", "*.msg")):
    b = open(p, "rb").read()
    t = re.search(rb"^Subject: (m[0-9]+)\r$", b, re.M).group(1).decode()
    queued[t] = (os.path.basename(p)[:-4], b)
fail = []
name = lambda p, ext: os.path.basename(p)[:-len(ext)]
wires = {name(p, ".wire") for p in glob.glob(fault + "/msg-*.wire")}
envs = {name(p, ".env") for p in glob.glob(fault + "/msg-*.env")}
for b in sorted(wires ^ envs):
    fail.append("%s: %s without %s" % (b, *((".wire", ".env") if b in wires
                                           else (".env", ".wire"))))
copies = {}
for b in sorted(envs & wires):
    s, m = (int(x) for x in b.split("-")[1:])
    eml = open(os.path.join(fault, b + ".eml"), "rb").read()
    wire = open(os.path.join(fault, b + ".wire"), "rb").read()
    t = re.search(rb"^Subject: (m[0-9]+)\r$", eml, re.M)
    t = t.group(1).decode() if t else None
    if t not in queued:
        fail.append("%s: torn or unknown (no Subject of a queued message)" % b)
        continue
    if eml != queued[t][1] or not wire.endswith(b"\r\nEND %s\r\n" %
                                                t.encode()):
        fail.append("%s (%s): not the whole queued message (%d of %d "
                    "octets)" % (b, t, len(eml), len(queued[t][1])))
    tr = open(os.path.join(fault, "session-%d.log" % s)).read()
    said = re.search(r"^S: 250 .*queued as S%dM%d$" % (s, m), tr, re.M)
    copies.setdefault(t, []).append((s, m, bool(said)))
text = open(trace, errors="replace").read() if os.path.exists(trace) else ""
logged = "".join(open(f, errors="replace").read() for f in logs
                 if os.path.exists(f))
for t, c in sorted(copies.items()):
    c.sort()
    before = len(fail)
    for s, m, said in c[:-1]:
        if not said:
            fail.append("%s went out again, but the server never sent the "
                        "250 for msg-%d-%d" % (t, s, m))
        elif not re.search(r"read\(.*queued as S%dM%d\\r" % (s, m), text):
            fail.append("%s went out again, but the faulted run never read "
                        "the 250 for msg-%d-%d" % (t, s, m))
    if len(c) > 1:
        qid = queued[t][0]
        if not re.search(r"id=%s .*possible_duplicate=yes" % qid, logged):
            fail.append("%s (%s) went out %d times, no possible_duplicate=yes"
                        % (t, qid, len(c)))
        elif len(fail) == before:
            print("dup %s" % t)
for f in fail:
    print("FAIL " + f)
sys.exit(1 if fail else 0)
PY

# msgs: one line per whole message the server took: "mN".
msgs() {
	cat "$tmp"/fault/msg-*.eml 2>/dev/null | tr -d '\r' |
	    sed -n 's/^END \(m[0-9]\)$/\1/p' | sort
}

runs=0 bad=0
# one SYSCALL HOW N: a queue run with the fault at call N, then a clean run.
one() {
	local sc=$1 how=$2 nth=$3 got dups out
	rm -rf "$Q" "$tmp/postern.log" "$tmp/trace"
	mkdir -p "$tmp/old" && mv "$tmp"/fault/* "$tmp/old/" 2>/dev/null
	cp -a "$tmp/queue.template" "$Q"
	# read is traced too (the 250s it got); the fault counts $sc only.
	# In a subshell with ": ", so the shell's "Killed" goes to /dev/null.
	(strace -f -o "$tmp/trace" -s 4096 -e trace="$sc,read" \
	    -e inject="$sc:$how:when=$nth" "$postern" -q >/dev/null 2>&1; :) \
	    2>/dev/null
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
	out=$("$py" "$tmp/check.py" "$tmp/fault" "$tmp/queue.template" \
	    "$tmp/trace" "$tmp/postern.log.first" "$tmp/postern.log") || bad=1
	printf '%s\n' "$out" | sed -n "s/^FAIL /FAIL $sc $how #$nth: /p"
	printf '%s\n' "$out" | grep -q '^dup ' && echo "   $sc $how #$nth:" \
	    "duplicate $dups(the 250 was read before the fault; resend logged)"
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
