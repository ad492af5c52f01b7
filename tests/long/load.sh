#!/bin/bash
# load.sh: load under a flapping server (issue 10 item 6). 200 postern
# submissions start at once against the fault server, whose sessions
# follow a repeating pattern (the scenario's "sessions" key, sessions
# 1..SESSIONS; later ones accept): accept, 421 at the greeting, at MAIL
# or after the end of data, dropped at MAIL, DATA or before the body is
# read, or a session that accepts a few messages and then drops or
# answers 421 at the next. Every drop falls before the server has read a
# message's end of data or after it has sent its 250 (at QUIT or the
# next MAIL), never in between, so nothing may go out twice. Then
# `postern -qf` runs, one at a time, until mailq says the queue is empty
# (at most MAX_RUNS runs). Checked:
#  - every submission exited 0, silent or "postern: queued ID: why";
#  - from the server's records (msg-N-M.env with reply=250, their .eml):
#    each of the 200 tokens was accepted exactly once, whole (its END
#    line); a token accepted twice is a failure, reported with whether
#    its first copy's session sent the 250 and whether the resend was
#    logged possible_duplicate=yes;
#  - the queue is empty (new/ holds no entry, failed/ nothing);
#  - no process is left: none of the recorded postern PIDs, and no
#    process at all carrying this run's marker in its environment;
#  - peak memory: GNU time's %M of every postern process, the maximum
#    printed for the submissions and for the queue runs.
# make check-long runs it. Needs python3 and GNU time.
set -u
src=${POSTERN_SRCDIR:?} postern=${POSTERN:?}
py=/usr/bin/python3
gtime=/usr/bin/time
N=${LOAD_N:-200} SESSIONS=${LOAD_SESSIONS:-1000} MAX_RUNS=${LOAD_MAX_RUNS:-100}
[ -x "$postern" ] || { echo "FAIL: no $postern"; exit 1; }
[ -x "$gtime" ] && "$gtime" -f %M true 2>/dev/null ||
	{ echo "SKIP: GNU time missing"; exit 0; }
tmp=$(mktemp -d /tmp/postern-load.XXXXXX)
fpid=
# LOAD_MARK is in the environment of every postern this script starts
# (and of whatever they start), so a leftover is found in /proc.
mark=postern-load-$$-$RANDOM
leftovers() {
	local p
	for p in /proc/[0-9]*; do
		[ "${p#/proc/}" != "$$" ] || continue
		tr '\0' '\n' 2>/dev/null <"$p/environ" |
		    grep -qx "LOAD_MARK=$mark" && echo "${p#/proc/}"
	done
}
cleanup() {
	local p
	for p in $(leftovers); do kill -KILL "$p" 2>/dev/null; done
	[ -z "$fpid" ] || { kill "$fpid" 2>/dev/null; wait "$fpid" 2>/dev/null; }
	[ -n "${LOAD_KEEP:-}" ] && echo "kept $tmp" || rm -rf "$tmp"
}
trap cleanup EXIT
export HOME=$tmp/home XDG_CONFIG_HOME=$tmp/home/.config \
    XDG_STATE_HOME=$tmp/home/.local/state
mkdir -p "$XDG_CONFIG_HOME/postern" "$tmp/sub" "$tmp/run"
Q=$XDG_STATE_HOME/postern/queue
t0=$(date +%s)

# The scenario: session n follows pattern[(n - 1) % len].
"$py" - "$SESSIONS" >"$tmp/scenario.json" <<'PY'
import json, os, sys
t421 = lambda t: {"code": 421, "text": "4.3.2 " + t}
drop = {"drop": True}
pattern = [
    {"mail#4": drop},                           # 3 accepted, drop at MAIL
    {"greeting": t421("flapping: come back later")},
    {"data_end#3": t421("flapping after the data")},   # 2 accepted
    {"mail": drop},                             # before anything
    {"quit": drop, "mail#6": t421("enough")},   # drop after the 250s
    {"body": drop},                             # 354, then gone unread
    {"body#3": drop},                           # 2 accepted
    {"data": drop},                             # at DATA
    {"mail#2": t421("closing")},                # 1 accepted
    {"data_end#4": {"drop": "before"}},         # 3 accepted, 4th unread
]
if os.environ.get("LOAD_UNSAFE_DROPS") == "1":  # read, then no reply
    pattern.append({"data_end#2": drop})
n = int(sys.argv[1])
sessions = {str(i): {"replies": pattern[(i - 1) % len(pattern)]}
            for i in range(1, n + 1)}
json.dump({"timeout": 30, "sessions": sessions}, sys.stdout)
PY
"$py" "$src/tests/servers/faultserver.py" --out "$tmp/fault" \
    --scenario "$tmp/scenario.json" --port-file "$tmp/port" \
    </dev/null >"$tmp/fault.log" 2>&1 &
fpid=$!
for _ in $(seq 3000); do [ -s "$tmp/port" ] && break; sleep 0.02; done # <= 60 s
[ -s "$tmp/port" ] || { echo "FAIL: fault server not listening"; exit 1; }
cat >"$XDG_CONFIG_HOME/postern/config" <<CONF
defaults
syslog off
logfile $tmp/postern.log
account default
host 127.0.0.1
port $(cat "$tmp/port")
tls off
auth off
timeout 10
data_timeout 10
from alice@example.test
CONF

# run DIR NAME ARGS...: postern under GNU time (%M to DIR/NAME.mem), its
# PID in DIR/NAME.pid, stdout/stderr in DIR/NAME.out/.err, exit code in
# DIR/NAME.rc; stdin as given. At most 120 s.
run() {
	local d=$1 n=$2 rc
	shift 2
	LOAD_MARK=$mark timeout -s KILL 120 "$gtime" -f %M -o "$d/$n.mem" \
	    sh -c 'echo $$ >"$0"; exec "$@"' "$d/$n.pid" "$postern" "$@" \
	    >"$d/$n.out" 2>"$d/$n.err"
	rc=$?
	echo "$rc" >"$d/$n.rc"
}

# message I: a unique token, some of them large (the body is cut by the
# drops that fall in it), and an END line to show it is whole.
message() {
	printf 'From: alice@example.test\nTo: bob@example.test\n'
	printf 'Subject: load t%s\n\nTOKEN t%s\n' "$1" "$1"
	if [ $(($1 % 10)) = 0 ]; then
		head -c 196608 /dev/zero | tr '\0' 'x' | fold -w 76
		echo
	fi
	printf 'END t%s\n' "$1"
}

for i in $(seq "$N"); do
	message "$i" >"$tmp/sub/$i.eml"
done
t1=$(date +%s.%N)
pids=
for i in $(seq "$N"); do
	run "$tmp/sub" "$i" -i bob@example.test <"$tmp/sub/$i.eml" &
	pids="$pids $!"
done
wait $pids
t2=$(date +%s.%N)
bad=0
queued=0
for i in $(seq "$N"); do
	rc=$(cat "$tmp/sub/$i.rc")
	err=$(cat "$tmp/sub/$i.err")
	if [ "$rc" != 0 ] || [ -s "$tmp/sub/$i.out" ] || { [ -n "$err" ] &&
	    ! printf '%s' "$err" | grep -Eqx 'postern: queued [^ :]+: .+' ||
	    [ "$(printf '%s\n' "$err" | wc -l)" != 1 ]; }; then
		echo "FAIL: submission $i: exit $rc, stdout '$(cat "$tmp/sub/$i.out")', stderr '$err'"
		bad=1
	fi
	[ -z "$err" ] || queued=$((queued + 1))
done
# the flapping must have bitten, or nothing was proved
[ "$queued" -ge $((N / 4)) ] ||
	{ echo "FAIL: only $queued of $N submissions queued"; bad=1; }
printf 'submissions: %d at once in %.1f s, %d queued\n' "$N" \
    "$(awk "BEGIN { print $t2 - $t1 }")" "$queued"

runs=0
while [ "$runs" -lt "$MAX_RUNS" ]; do
	runs=$((runs + 1))
	run "$tmp/run" "q$runs" -qf </dev/null
	rc=$(cat "$tmp/run/q$runs.rc")
	[ "$rc" = 0 ] || [ "$rc" = 75 ] || {
		echo "FAIL: queue run $runs: exit $rc: $(cat "$tmp/run/q$runs.err")"
		bad=1
	}
	run "$tmp/run" "l$runs" -bp </dev/null
	grep -qx 'Mail queue is empty' "$tmp/run/l$runs.out" && break
done
t3=$(date +%s.%N)
if ! grep -qx 'Mail queue is empty' "$tmp/run/l$runs.out"; then
	echo "FAIL: queue not empty after $runs runs:"
	cat "$tmp/run/l$runs.out"
	bad=1
fi
printf 'queue runs: %d in %.1f s\n' "$runs" "$(awk "BEGIN { print $t3 - $t2 }")"
left=$(ls "$Q/new" "$Q/failed" 2>/dev/null | grep -v '^$' | grep -v ':$')
[ -z "$left" ] || { echo "FAIL: left in the queue: $left"; bad=1; }

# Every session over (a drop or QUIT ends it) before the records are read.
for _ in $(seq 3000); do # <= 60 s
	open=0
	for f in "$tmp"/fault/session-*.log; do
		[ -e "$f" ] || continue
		tail -n1 "$f" | grep -qx -- '-- session end' || open=1
	done
	[ "$open" = 0 ] && break
	sleep 0.02
done
[ "$open" = 0 ] || { echo "FAIL: fault server sessions still open"; bad=1; }

# The server's records. A copy the server "has" is one it read whole and
# did not refuse (reply 250, or dropped before replying); it must have
# exactly one per token, with its 250. With LOAD_UNSAFE_DROPS=1 a second
# copy is allowed where the earlier one got no 250 and the resend was
# logged possible_duplicate=yes.
"$py" - "$tmp/fault" "$N" "$tmp/postern.log" "$tmp/sub" \
    "${LOAD_UNSAFE_DROPS:-0}" <<'PY' || bad=1
import glob, os, re, sys
out, n, logf, sub = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
unsafe = sys.argv[5] == "1"
copies = {}                     # token -> [(session, message, got 250)]
refused = 0
fail = 0
for env in glob.glob(os.path.join(out, "msg-*.env")):
    d = dict(l.split("=", 1) for l in open(env).read().splitlines())
    s, m = int(d["session"]), int(d["message"])
    ok = d["reply"].startswith("250 ")
    if not ok and d["reply"] != "none (dropped)":
        refused += 1
        continue
    eml = open(env[:-4] + ".eml", "rb").read().replace(b"\r\n", b"\n")
    t = re.search(rb"^TOKEN (t\d+)$", eml, re.M)
    if t is None:
        print("FAIL: msg-%d-%d: no token" % (s, m)); fail = 1; continue
    tok = t.group(1).decode()
    if not eml.endswith(b"\nEND %s\n" % tok.encode()):
        print("FAIL: msg-%d-%d (%s) taken torn (no END line)" % (s, m, tok))
        fail = 1
    # the transcript: the 250 for this message went out
    tr = open(os.path.join(out, "session-%d.log" % s)).read()
    said = re.search(r"^S: 250 [^\n]*queued as S%dM%d$" % (s, m), tr, re.M)
    if ok != bool(said):
        print("FAIL: msg-%d-%d: .env reply %r, transcript %s" % (
            s, m, d["reply"], "has the 250" if said else "no 250"))
        fail = 1
    copies.setdefault(tok, []).append((s, m, ok))
log = open(logf).read().splitlines() if os.path.exists(logf) else []
qid = {}
for i in range(1, n + 1):
    e = open(os.path.join(sub, "%d.err" % i)).read()
    g = re.match(r"postern: queued ([^ :]+):", e)
    if g:
        qid["t%d" % i] = g.group(1)
missing = ["t%d" % i for i in range(1, n + 1) if "t%d" % i not in copies]
if missing:
    print("FAIL: never taken: %s" % " ".join(missing)); fail = 1
dups = 0
for tok, c in sorted(copies.items()):
    c.sort()
    if sum(x[2] for x in c) != 1:
        print("FAIL: %s: %d copies with a 250" % (tok, sum(x[2] for x in c)))
        fail = 1
    if len(c) == 1:
        continue
    dups += 1
    logged = any(("id=%s " % qid.get(tok, "?")) in l and
                 "possible_duplicate=yes" in l for l in log)
    early250 = [x for x in c[:-1] if x[2]]
    why = "%s taken %d times (%s); %s; resend %s possible_duplicate=yes" % (
        tok, len(c), " ".join("msg-%d-%d%s" % (x[0], x[1],
                                              "" if x[2] else "(no 250)")
                              for x in c),
        "an earlier copy had its 250" if early250 else
        "the earlier ones were dropped before the 250",
        "logged" if logged else "NOT logged")
    if not unsafe or early250 or not logged:
        print("FAIL: " + why); fail = 1
    else:
        print("   duplicate, allowed: " + why)
pd = sum("possible_duplicate=yes" in l for l in log)
sessions = len(glob.glob(os.path.join(out, "session-*.log")))
print("server: %d sessions, %d messages taken (%d tokens, %d twice), "
      "%d refused after the data; log: %d possible_duplicate=yes" % (
          sessions, sum(map(len, copies.values())), len(copies), dups,
          refused, pd))
sys.exit(fail)
PY

# No process left: the recorded PIDs and anything with our marker.
for f in "$tmp"/sub/*.pid "$tmp"/run/*.pid; do
	p=$(cat "$f")
	if [ -n "$p" ] && kill -0 "$p" 2>/dev/null &&
	    tr '\0' '\n' 2>/dev/null <"/proc/$p/environ" | grep -qx "LOAD_MARK=$mark"; then
		echo "FAIL: postern $p ($f) still running"
		bad=1
	fi
done
left=$(leftovers)
[ -z "$left" ] || { echo "FAIL: processes left: $left"; bad=1; }
echo "processes: $(ls "$tmp"/sub/*.pid "$tmp"/run/*.pid | wc -l) postern runs, none left"

# Peak memory (GNU time %M, KiB; the last line of each file).
peak() { for f in "$@"; do tail -n1 "$f"; done | sort -n | tail -n1; }
echo "peak memory: submissions $(peak "$tmp"/sub/*.mem) KiB," \
    "queue runs $(peak "$tmp"/run/q*.mem) KiB (max RSS, GNU time %M)"
echo "load: $(($(date +%s) - t0)) s in all"
[ "$bad" = 0 ] && echo "PASS load" || echo "FAIL load"
exit $bad
