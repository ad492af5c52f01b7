#!/bin/bash
# tests/mutations/run.sh [MUTATION.mut...]: apply each mutation (default:
# every tests/mutations/*.mut) alone to a scratch copy of the tree, build,
# run the tests it names, and fail unless every mutation is caught. The
# format and the rules are in tests/mutations/README.
#
# The scratch tree is `make distdir` of POSTERN_BUILDDIR (what make
# check-long sets), configured and built once; each mutation edits one
# file, rebuilds (make is incremental), runs its tests, and puts the file
# back. Before the mutated run, the same tests run on the unmutated tree
# and must pass (MUTATIONS_BASELINE=0 skips that): a test that fails
# anyway proves nothing. Results, one line per mutation:
#   caught    NAME: by TEST
#   SURVIVED  NAME: every test passed
#   STALE     NAME: the text to find is in FILE N times (want 1)
#   BROKEN    NAME: a bad .mut file, a mutated tree that does not build,
#             or tests that fail without the mutation
# and a summary line; exit 0 only when every mutation was caught.
# make check-long runs it with $(SHELL): be bash.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -u

here=$(cd "$(dirname "$0")" && pwd)
: "${POSTERN_SRCDIR:=$(cd "$here/../.." && pwd)}"
# the build directory: POSTERN_BUILDDIR, or the current one if it is one
[ -n "${POSTERN_BUILDDIR:-}" ] || { [ -f config.status ] && POSTERN_BUILDDIR=$PWD; }
: "${POSTERN_BUILDDIR:=$POSTERN_SRCDIR}"
: "${MUTATIONS_BASELINE:=1}"
PYTHON3=/usr/bin/python3
[ -x "$PYTHON3" ] || PYTHON3=python3
command -v bats >/dev/null 2>&1 || {
	echo "mutations: bats not installed" >&2
	exit 1
}

if [ $# -gt 0 ]; then
	muts=("$@")
else
	muts=("$POSTERN_SRCDIR"/tests/mutations/*.mut)
fi

scratch=$(mktemp -d "${TMPDIR:-/tmp}/postern-mut.XXXXXX") || exit 1
trap 'chmod -R u+w "$scratch" 2>/dev/null; rm -rf "$scratch"' EXIT
tree=$scratch/tree
log=$scratch/log

# mut_field FILE KEY: the value of a one-line KEY (file, tests, filter).
mut_field() {
	sed -n "s/^$2:[[:space:]]*//p" "$1" | head -n1
}

# mut_apply MUT TOP: edit TOP/FILE as MUT says. Exit 0 applied, 2 the
# text is not there exactly once (prints the count), 3 a bad .mut file.
mut_apply() {
	"$PYTHON3" - "$1" "$2" <<-'EOF'
	import sys
	mut, top = sys.argv[1], sys.argv[2]
	lines = open(mut, encoding="utf-8").read().split("\n")
	fields, blocks, cur = {}, {"find": [], "replace": []}, None
	for line in lines:
	    if cur is None:
	        if line.startswith("#") or not line.strip():
	            continue
	        key, _, val = line.partition(":")
	        if key in ("find", "replace") and not val.strip():
	            cur = key
	        else:
	            fields[key] = val.strip()
	    elif line == "replace:" and cur == "find":
	        cur = "replace"
	    elif line == "end" and cur == "replace":
	        cur = "done"
	    elif cur in ("find", "replace"):
	        blocks[cur].append(line)
	if cur != "done" or "file" not in fields or not blocks["find"]:
	    print("bad mutation file (file:, find:, replace:, end)")
	    sys.exit(3)
	find, repl = "\n".join(blocks["find"]), "\n".join(blocks["replace"])
	if find == repl:
	    print("find and replace are the same")
	    sys.exit(3)
	path = top + "/" + fields["file"]
	try:
	    src = open(path, encoding="utf-8").read()
	except OSError as e:
	    print(e)
	    sys.exit(2)
	n = src.count(find)
	if n != 1:
	    print(n)
	    sys.exit(2)
	open(path, "w", encoding="utf-8").write(src.replace(find, repl))
	EOF
}

# run_tests TESTS FILTER: 0 when every test passes; names the first
# failing one in $failed_by.
run_tests() {
	local t
	failed_by=
	for t in $1; do
		case $t in
		*.bats)
			POSTERN=$tree/src/postern POSTERN_SRCDIR=$tree \
			    POSTERN_BUILDDIR=$tree \
			    bats --tap ${2:+--filter "$2"} "$tree/$t" \
			    >>"$log" 2>&1 3>&- || failed_by=$t
			;;
		tests/unit/*)
			(cd "$tree" && "./$t") >>"$log" 2>&1 || failed_by=$t
			;;
		*)
			echo "unknown test $t" >>"$log"
			failed_by="?$t"
			;;
		esac
		[ -z "$failed_by" ] || return 1
	done
	return 0
}

build() {
	(cd "$tree" && make -j2 all >>"$log" 2>&1 &&
		make -j2 check TESTS= >>"$log" 2>&1)
}

echo "mutations: a scratch tree in $tree"
if ! make -C "$POSTERN_BUILDDIR" distdir distdir="$tree" >"$log" 2>&1 ||
    ! (cd "$tree" && ./configure >>"$log" 2>&1) || ! build; then
	echo "mutations: cannot make the scratch tree:" >&2
	tail -n 30 "$log" >&2
	exit 1
fi

caught=0 survived=0 stale=0 broken=0
for mut in "${muts[@]}"; do
	name=$(basename "$mut" .mut)
	file=$(mut_field "$mut" file)
	tests=$(mut_field "$mut" tests)
	filter=$(mut_field "$mut" filter)
	: >"$log"
	if [ -z "$file" ] || [ -z "$tests" ] || [ ! -f "$tree/$file" ]; then
		echo "BROKEN    $name: needs file: (an existing file) and tests:"
		broken=$((broken + 1))
		continue
	fi
	if [ "$MUTATIONS_BASELINE" = 1 ] && ! run_tests "$tests" "$filter"; then
		echo "BROKEN    $name: $failed_by fails without the mutation"
		tail -n 20 "$log" | sed 's/^/    /'
		broken=$((broken + 1))
		continue
	fi
	cp -p "$tree/$file" "$scratch/orig"
	why=$(mut_apply "$mut" "$tree")
	rc=$?
	if [ "$rc" = 0 ] && ! build; then
		rc=4
	fi
	case $rc in
	0)
		if run_tests "$tests" "$filter"; then
			echo "SURVIVED  $name: every test passed ($tests${filter:+, filter $filter})"
			survived=$((survived + 1))
		else
			echo "caught    $name: by $failed_by"
			caught=$((caught + 1))
		fi
		;;
	2)
		echo "STALE     $name: the text to find is in $file $why times (want 1)"
		stale=$((stale + 1))
		;;
	3)
		echo "BROKEN    $name: $why"
		broken=$((broken + 1))
		;;
	*)
		echo "BROKEN    $name: the mutated tree does not build"
		grep -E 'error|Error' "$log" | head -n 5 | sed 's/^/    /'
		broken=$((broken + 1))
		;;
	esac
	# put the file back (a new mtime: the build recompiles it)
	if ! cp "$scratch/orig" "$tree/$file" || ! touch "$tree/$file" ||
	    ! build; then
		echo "mutations: cannot restore $file" >&2
		tail -n 30 "$log" >&2
		exit 1
	fi
done

echo "mutations: $caught caught, $survived survived, $stale stale, $broken broken"
[ $((survived + stale + broken)) = 0 ]
