# common.bash: loaded by every bats file.
#
# Makes each test hermetic (HOME and XDG directories under the test's temp
# dir, no inherited mail configuration) and decides how a missing
# dependency is handled: a skip with the reason, or a failure when
# POSTERN_TEST_REQUIRE_ALL=1 (CI).

: "${POSTERN_SRCDIR:=$(cd "$BATS_TEST_DIRNAME/.." && pwd)}"
: "${POSTERN_BUILDDIR:=$POSTERN_SRCDIR}"
: "${POSTERN:=$POSTERN_BUILDDIR/src/postern}"
export POSTERN POSTERN_SRCDIR POSTERN_BUILDDIR
SERVERS="$POSTERN_SRCDIR/tests/servers"
# Debian's python3 has aiosmtpd and dbus; a pyenv python3 on PATH may not.
PYTHON3=/usr/bin/python3
[ -x "$PYTHON3" ] || PYTHON3=python3

# Skip, or fail under POSTERN_TEST_REQUIRE_ALL=1, saying why.
require_or_skip() {
	if [ "${POSTERN_TEST_REQUIRE_ALL:-0}" = 1 ]; then
		echo "required but missing: $*" >&2
		return 1
	fi
	skip "$*"
}

# require_cmd CMD [PACKAGE]: the command exists, or skip/fail naming it.
require_cmd() {
	command -v "$1" >/dev/null 2>&1 ||
		require_or_skip "$1 not installed (package ${2:-$1})"
}

# Per-test hermetic environment; call from setup().
hermetic_env() {
	export HOME="$BATS_TEST_TMPDIR/home"
	export XDG_CONFIG_HOME="$HOME/.config"
	export XDG_STATE_HOME="$HOME/.local/state"
	export XDG_DATA_HOME="$HOME/.local/share"
	export XDG_CACHE_HOME="$HOME/.cache"
	unset MAILRC MAIL NETRC POSTERN_CONFIG
	mkdir -p "$HOME" "$XDG_CONFIG_HOME" "$XDG_STATE_HOME"
}

# wait_until SECONDS COMMAND [ARGS...]: run COMMAND every 20 ms until it
# succeeds. Returns 1 after SECONDS: pass a generous bound (a loaded
# 2-core machine is slow; the wait ends at the event, not at the bound).
wait_until() {
	local end=$((SECONDS + $1))
	shift
	until "$@"; do
		[ "$SECONDS" -lt "$end" ] || return 1
		sleep 0.02 || true
	done
}

# file_has FILE PATTERN: FILE exists and has a line matching PATTERN (ERE).
file_has() {
	grep -Eq -- "$2" "$1" 2>/dev/null
}

# pid_gone PID: no such process, or a zombie.
pid_gone() {
	local st
	read -r st 2>/dev/null <"/proc/$1/stat" || return 0 # no fork
	st=${st##*) }
	[ "${st%% *}" = Z ]
}

# teardown_try COMMAND [ARGS...]: for teardown(): run a stop command,
# again (up to 3 times, 1 s apart) if it failed, e.g. because a fork failed
# on a loaded machine. Never fails the test: what the command could not
# stop, by PID, is reported on stderr (and .ci/run's leftover check sees
# it).
teardown_try() {
	local i
	for i in 1 2 3; do
		"$@" && return 0
		sleep 1 || true
	done
	echo "teardown: '$*' failed 3 times" >&2
	return 0
}
