#!/bin/bash
# valgrind.sh: memcheck over every unit test and a representative set of
# postern runs (issue 10 item 4); `make check-valgrind` runs it. Zero
# errors and zero definite leaks, or it fails: every run goes through
#   valgrind --leak-check=full --errors-for-leak-kinds=definite
#            --error-exitcode=99 --suppressions=tests/valgrind.supp
# (valgrind.supp: library-internal reports only, each commented).
#
# The runs: --version, --dry-run of a cron-style message, --print-config,
# a real submission to the fault server over STARTTLS + AUTH PLAIN, a
# submission queued with -odq, and the queue run (-q) that delivers it.
# Needs a build without ASan (valgrind and ASan do not mix).
#
# Environment: POSTERN (the binary), POSTERN_SRCDIR, POSTERN_BUILDDIR,
# UNIT_TESTS (paths relative to the build dir; default: every
# tests/unit/test_* there). Prints TAP.
set -u
src=${POSTERN_SRCDIR:?} build=${POSTERN_BUILDDIR:?} postern=${POSTERN:?}
py=/usr/bin/python3
command -v valgrind >/dev/null 2>&1 || {
	echo "1..0 # SKIP valgrind not installed"
	[ "${POSTERN_TEST_REQUIRE_ALL:-}" = 1 ] && exit 1
	exit 0
}
if nm "$postern" 2>/dev/null | grep -q __asan_init; then
	echo "1..0 # SKIP an ASan build: valgrind cannot run it"
	exit 0
fi
tmp=$(mktemp -d /tmp/postern-valgrind.XXXXXX)
fpid=
cleanup() {
	[ -z "$fpid" ] || { kill "$fpid" 2>/dev/null; wait "$fpid" 2>/dev/null; }
	rm -rf "$tmp"
}
trap cleanup EXIT
n=0 fail=0

# vg NAME CMD...: one run under memcheck (stdin from $VG_IN or /dev/null).
vg() {
	local name=$1 rc
	shift
	n=$((n + 1))
	valgrind -q --leak-check=full --errors-for-leak-kinds=definite \
	    --error-exitcode=99 --suppressions="$src/tests/valgrind.supp" \
	    --log-file="$tmp/vg.$n" "$@" <"${VG_IN:-/dev/null}" \
	    >"$tmp/out.$n" 2>"$tmp/err.$n"
	rc=$?
	if [ "$rc" -eq "${VG_WANT:-0}" ] && [ ! -s "$tmp/vg.$n" ]; then
		echo "ok $n - $name"
	else
		echo "not ok $n - $name (exit $rc)"
		sed 's/^/# /' "$tmp/vg.$n" "$tmp/err.$n" | head -n 60
		fail=1
	fi
}

# --- unit tests --------------------------------------------------------
units=${UNIT_TESTS:-$(cd "$build" && ls tests/unit/test_* 2>/dev/null |
    grep -v '\.[a-z]*$')}
for t in $units; do
	vg "$t" "$build/$t"
done

# --- postern runs, in a hermetic home -------------------------------------
export HOME=$tmp/home XDG_CONFIG_HOME=$tmp/home/.config \
    XDG_STATE_HOME=$tmp/home/.local/state XDG_CACHE_HOME=$tmp/home/.cache \
    XDG_RUNTIME_DIR=$tmp/home/run
unset DBUS_SESSION_BUS_ADDRESS
mkdir -p "$XDG_CONFIG_HOME/postern" "$XDG_RUNTIME_DIR"
chmod 700 "$XDG_RUNTIME_DIR"
sh "$src/tests/servers/mkcerts.sh" "$tmp/certs" >/dev/null 2>&1 || {
	echo "not ok - mkcerts.sh failed"
	exit 1
}
"$py" "$src/tests/servers/faultserver.py" --out "$tmp/fault" \
    --port-file "$tmp/port" --cert "$tmp/certs/server.crt" \
    --key "$tmp/certs/server.key" --well-behaved \
    --user alice@example.test --password 's3cret p@ss' \
    </dev/null >"$tmp/fault.log" 2>&1 &
fpid=$!
for _ in $(seq 3000); do [ -s "$tmp/port" ] && break; sleep 0.02; done # <= 60 s
port=$(cat "$tmp/port")
cat >"$XDG_CONFIG_HOME/postern/config" <<CONF
defaults
syslog off
local_domain example.test
logfile $tmp/postern.log
account default
host localhost
port $port
ipv6 off
tls_trust_file $tmp/certs/ca.crt
tls_session_cache off
user alice@example.test
password "s3cret p@ss"
auth plain
from alice@example.test
CONF
chmod 600 "$XDG_CONFIG_HOME/postern/config"
printf 'From: root (Cron Daemon)\nTo: root\nSubject: Cron <root@host> run-parts\n\nsome cron output\n' \
    >"$tmp/cron.eml"
printf 'From: alice@example.test\nTo: bob@example.test\nSubject: vg %s\n\nbody\n' \
    now >"$tmp/now.eml"
printf 'From: alice@example.test\nTo: bob@example.test\nSubject: vg %s\n\nbody\n' \
    queued >"$tmp/queued.eml"

vg "postern --version" "$postern" --version
VG_IN=$tmp/cron.eml vg "postern --dry-run (a cron message)" \
    "$postern" --dry-run -i root
vg "postern --print-config" "$postern" --print-config
VG_IN=$tmp/now.eml vg "a submission over STARTTLS + AUTH PLAIN" \
    "$postern" -i bob@example.test
VG_IN=$tmp/queued.eml vg "postern -odq" "$postern" -odq -i bob@example.test
vg "postern -bp" "$postern" -bp
vg "postern -q (delivers the queued message)" "$postern" -q

# The runs did what they say (memcheck must not hide a broken run).
n=$((n + 1))
got=$(grep -l '^Subject: vg ' "$tmp"/fault/msg-*.eml 2>/dev/null | wc -l)
left=$(ls "$XDG_STATE_HOME/postern/queue/new" 2>/dev/null | wc -l)
if [ "$got" = 2 ] && [ "$left" = 0 ]; then
	echo "ok $n - both messages reached the server, the queue is empty"
else
	echo "not ok $n - $got messages at the server, $left files queued"
	fail=1
fi
echo "1..$n"
exit $fail
