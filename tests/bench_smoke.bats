#!/usr/bin/env bats
# bench_smoke.bats: one iteration of the benchmark harness (bench/run
# --smoke: small sizes, about 5 s) so `make check` notices when the
# harness breaks. It asserts the table's shape and that every workload
# ran, never anything about time or memory.

load lib/common

setup() {
	hermetic_env
	require_cmd msmtp msmtp
	[ -x /usr/sbin/smtp-sink ] && [ -x /usr/sbin/smtp-source ] ||
		require_or_skip "smtp-sink/smtp-source not installed (package postfix)"
	[ -x /usr/bin/time ] || require_or_skip "GNU time not installed (package time)"
	[ "$(id -u)" = 0 ] ||
		require_or_skip "needs root (the Postfix test bed of W2, W2b, W4)"
}

@test "bench/run --smoke: every workload ran, table and results.md written" {
	out=$BATS_TEST_TMPDIR/out
	run timeout 120 bash "$POSTERN_SRCDIR/bench/run" --smoke \
		--postern "$POSTERN" --out "$out"
	[ "$status" -eq 0 ]
	[[ $output == *"| Workload | postern median (min–max) | msmtp median (min–max) | wall ratio | CPU ratio | postern peak RSS | msmtp peak RSS | target |"* ]]
	for w in W1 W2 W2b W3 "W3 ref: smtp-source" W4 W5 "W6 1 KiB" "W6 8 MiB" \
		W7a W7b "W8 (5 msgs, -bs)" "W9 (5 entries, -q)"; do
		grep -q "^| $w | " "$out/results.md" || { echo "no row $w"; false; }
	done
	# W5 found the queue (not "n/a"); nothing left in it
	grep '^| W5 | ' "$out/results.md" | grep -qv 'n/a'
	grep -q '^| W5 | .* | wall <= 0.05 |$' "$out/results.md"
	grep -q 'SMOKE RUN (small sizes, no meaning)\.$' "$out/results.md"
	[ -s "$out/results.svg" ] || ! command -v gnuplot
	# its servers are gone and its work directory removed
	[ -z "$(find /tmp -maxdepth 1 -name 'pbench.*' -newer "$out/results.md" 2>/dev/null)" ]
}
