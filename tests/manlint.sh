#!/bin/sh
# manlint.sh: every man page under doc/ passes `mandoc -Tlint` with no
# warning (STYLE.md: man pages in mdoc, linted). Prints TAP.
set -u
srcdir=${POSTERN_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}
pages=$(find "$srcdir/doc" -name '*.[1-8]' | sort)
if ! command -v mandoc >/dev/null 2>&1; then
	if [ "${POSTERN_TEST_REQUIRE_ALL:-0}" = 1 ]; then
		echo "1..1"
		echo "not ok 1 - mandoc not installed (package mandoc)"
		exit 1
	fi
	echo "1..0 # SKIP mandoc not installed (package mandoc)"
	exit 0
fi
n=0
fail=0
echo "1..$(printf '%s\n' $pages | wc -l)"
for p in $pages; do
	n=$((n + 1))
	# -W warning: style-only remarks are not failures.
	out=$(mandoc -Tlint -W warning "$p" 2>&1)
	if [ -n "$out" ]; then
		echo "not ok $n - $(basename "$p") lints clean"
		printf '%s\n' "$out" | sed 's/^/#   /'
		fail=1
	else
		echo "ok $n - $(basename "$p") lints clean"
	fi
done
exit $fail
