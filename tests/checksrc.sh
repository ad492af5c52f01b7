#!/bin/sh
# checksrc.sh: fail when src/ calls a banned function (STYLE.md habit 3).
# Prints TAP: one test per banned name; comments and string literals are
# not calls, so they are stripped before matching. mkstemp: use
# mkostemp(..., O_CLOEXEC), so that no spool file leaks into passwordeval.
set -u
srcdir=${POSTERN_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}
banned="strcpy strcat strncpy sprintf vsprintf gets atoi atol strtok sscanf system popen mkstemp"

# C sources with comments and string/char literals blanked, one file at a
# time, each line prefixed with file:line.
strip() {
	awk '
	FNR == 1 { incomment = 0 }
	{
		line = $0; out = ""
		while (length(line) > 0) {
			if (incomment) {
				i = index(line, "*/")
				if (i == 0) { line = ""; break }
				line = substr(line, i + 2); incomment = 0
				continue
			}
			c = substr(line, 1, 1); two = substr(line, 1, 2)
			if (two == "/*") { incomment = 1; line = substr(line, 3); continue }
			if (two == "//") break
			if (c == "\"" || c == "'\''") {
				q = c; line = substr(line, 2)
				while (length(line) > 0) {
					d = substr(line, 1, 1)
					if (d == "\\") { line = substr(line, 3); continue }
					line = substr(line, 2)
					if (d == q) break
				}
				out = out q q
				continue
			}
			out = out c; line = substr(line, 2)
		}
		print FILENAME ":" FNR ": " out
	}' "$@"
}

files=$(find "$srcdir/src" -name '*.[ch]' | sort)
if [ -z "$files" ]; then
	echo "1..0 # SKIP no sources found under $srcdir/src"
	exit 0
fi
n=0
fail=0
count=$(echo $banned | wc -w)
echo "1..$count"
stripped=$(strip $files)
for f in $banned; do
	n=$((n + 1))
	hits=$(printf '%s\n' "$stripped" |
		grep -E "(^|[^A-Za-z0-9_.>])$f[[:space:]]*\\(" || :)
	if [ -n "$hits" ]; then
		echo "not ok $n - $f is banned in src/"
		printf '%s\n' "$hits" | sed 's/^/#   /'
		fail=1
	else
		echo "ok $n - no $f in src/"
	fi
done
exit $fail
