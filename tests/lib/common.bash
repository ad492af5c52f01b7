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
