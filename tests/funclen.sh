#!/bin/sh
# funclen.sh: the shape of src/*.c (STYLE.md habit 8, issue 14):
#  1. no function longer than 60 lines (a column-0 "{" to its column-0
#     "}", both counted, as reference/aesthetics.md measures);
#  2. the median function length at most 14 lines;
#  3. no message split across adjacent string literals ("a " "b"), so
#     grepping for a message finds it. A literal that ends in \n may be
#     followed by another (multi-line text such as --help).
# Prints TAP and, for each failure, the offenders by file and line.
# FUNCLEN_MAX and FUNCLEN_MEDIAN override the limits (for reports).
set -u
srcdir=${POSTERN_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}
max=${FUNCLEN_MAX:-60}
median_max=${FUNCLEN_MEDIAN:-14}
cd "$srcdir" || exit 1
files=$(ls src/*.c)

# One "length file:line name" line per function definition.
lengths=$(awk '
	FNR == 1 { name = ""; start = 0 }
	/^[A-Za-z_][A-Za-z0-9_]*\(/ { name = $0; sub(/\(.*/, "", name); nline = FNR }
	/^\{/ { start = FNR }
	/^\}/ && start {
		print FNR - start + 1, FILENAME ":" nline, name
		start = 0
	}' $files)

n=$(printf '%s\n' "$lengths" | grep -c .)
long=$(printf '%s\n' "$lengths" | awk -v max="$max" '$1 > max' | sort -k2,2 -k1,1n)
median=$(printf '%s\n' "$lengths" | sort -n | awk '{ v[NR] = $1 }
	END { if (NR == 0) print 0; else if (NR % 2) print v[(NR + 1) / 2];
	      else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }')

# Adjacent literals: "..." then only blanks (and newlines) then "...".
# Comments are dropped first; the first literal must not end in \n.
split=$(perl -0777 -ne '
	my $t = $_;
	$t =~ s{/\*.*?\*/}{ my $c = $&; $c =~ s/[^\n]//g; $c }gse;
	$t =~ s{//[^\n]*}{}g;
	my ($prev, $prevline, $line) = (undef, 0, 1);
	while ($t =~ /\G(?:("(?:[^"\\\n]|\\.)*")|(\x27(?:[^\x27\\\n]|\\.)*\x27)|(\s+)|(.))/gs) {
		if (defined $1) {
			print "$ARGV:$prevline: $prev $1\n"
			    if defined $prev && $prev !~ /\\n"$/;
			($prev, $prevline) = ($1, $line);
		} elsif (defined $3) {
			$line += ($3 =~ tr/\n//);
		} else {
			$prev = undef;
		}
	}' $files)

echo "1..3"
if [ -z "$long" ]; then
	echo "ok 1 - no function over $max lines ($n functions)"
else
	echo "not ok 1 - functions over $max lines: $(printf '%s\n' "$long" | grep -c .)"
	printf '%s\n' "$long" | sed 's/^/# /'
fi
if awk -v m="$median" -v x="$median_max" 'BEGIN { exit !(m <= x) }'; then
	echo "ok 2 - median function length $median (at most $median_max)"
else
	echo "not ok 2 - median function length $median (more than $median_max)"
fi
if [ -z "$split" ]; then
	echo "ok 3 - no message split across adjacent string literals"
else
	echo "not ok 3 - messages split across adjacent literals: $(printf '%s\n' "$split" | grep -c .)"
	printf '%s\n' "$split" | sed 's/^/# /'
	echo "# by file:"
	printf '%s\n' "$split" | cut -d: -f1 | sort | uniq -c | sort -rn |
		sed 's/^ */#   /'
fi
