#!/usr/bin/env bats
# queue_stress.bats: the queue under concurrency and crashes.
#  - 20 parallel `postern -q` over 200 entries: every message reaches the
#    server exactly once (the per-entry lock).
#  - 200 submissions killed with SIGKILL at random moments: each one that
#    exited 0 is delivered afterwards, nothing torn is ever sent.
#  - strace fault injection (EIO, ENOSPC) at each write, fsync and rename:
#    exit 0 means a complete entry, anything else exits 73/74 and leaves
#    nothing published.
#  - queue_dir on a tiny tmpfs: ENOSPC, non-zero exit, nothing published.
#  - a queue run of 4 entries killed (strace, SIGKILL) at each fsync,
#    rename, unlink, write and sendto: nothing lost or torn, every entry the server got
#    twice was logged as a possible duplicate when resent, and at most
#    the two entries of the pipeline window (in flight, marked next) are
#    reported as possible duplicates without having gone out twice.

load lib/common
load lib/faultserver
bats_require_minimum_version 1.5.0

setup() {
	hermetic_env
	Q=$XDG_STATE_HOME/postern/queue
	mkdir -p "$XDG_CONFIG_HOME/postern"
	echo '{}' >"$BATS_TEST_TMPDIR/scenario.json"
}

teardown() {
	fault_stop
	if [ -n "${TINY:-}" ]; then
		umount "$TINY" 2>/dev/null || true
	fi
}

config() {
	printf 'account default\nhost 127.0.0.1\nport %s\ntls off\nauth off\nfrom alice@example.test\nsyslog off\n%s\n' \
		"$1" "${2:-}" >"$XDG_CONFIG_HOME/postern/config"
}

server() {
	fault_start "$BATS_TEST_TMPDIR/scenario.json"
	config "$FAULT_PORT" "$@"
}

# msg TOKEN: a message whose last line proves it arrived whole.
msg() {
	printf 'Subject: %s\n\n' "$1"
	seq 1 200 | sed "s/^/line of $1 /"
	printf 'END %s\n' "$1"
}

# Every accepted message over the server's sessions: "TOKEN" per line,
# only for messages that arrived whole (last line END TOKEN).
delivered() {
	local env eml tok
	for env in "$FAULT_DIR"/msg-*.env; do
		[ -e "$env" ] || continue
		grep -q '^reply=250' "$env" || continue
		eml=${env%.env}.eml
		tok=$(sed -n 's/^Subject: \(.*\)\r$/\1/p' "$eml" | head -n1)
		if tail -n1 "$eml" | grep -qx "END $tok"$'\r' &&
			[ "$(grep -c "^line of $tok " "$eml")" = 200 ]; then
			echo "$tok"
		else
			echo "TORN $tok"
		fi
	done
}

@test "20 parallel queue runs over 200 entries send each message once" {
	server
	for i in $(seq 200); do
		msg "p$i" | "$POSTERN" -odq bob@example.test || return 1
	done
	[ "$(ls "$Q/new" | grep -c '\.env$')" = 200 ]
	pids=()
	for i in $(seq 20); do
		"$POSTERN" -qf 2>"$BATS_TEST_TMPDIR/run$i.err" &
		pids+=($!)
	done
	for p in "${pids[@]}"; do
		wait "$p"
	done
	fault_wait_sessions 120
	delivered | sort >"$BATS_TEST_TMPDIR/got"
	seq 200 | sed 's/^/p/' | sort >"$BATS_TEST_TMPDIR/want"
	diff "$BATS_TEST_TMPDIR/want" "$BATS_TEST_TMPDIR/got"
	[ -z "$(ls "$Q/new")" ]
	run -0 "$POSTERN" -bp
	[ "$output" = "Mail queue is empty" ]
}

@test "200 submissions killed at random moments: exit 0 means delivered" {
	config 1 # nothing to connect to: -odq anyway
	ok=$BATS_TEST_TMPDIR/ok
	: >"$ok"
	for i in $(seq 200); do
		msg "k$i" >"$BATS_TEST_TMPDIR/in"
		# 0 to 40 ms: before, during and after the spool and publish.
		if timeout -s KILL "$(printf '0.%03d' $((RANDOM % 40)))" \
			"$POSTERN" -odq bob@example.test <"$BATS_TEST_TMPDIR/in" \
			2>/dev/null; then
			echo "k$i" >>"$ok"
		fi
	done
	echo "$(wc -l <"$ok") of 200 exited 0"
	# Make the torn leftovers old enough to be cleaned, as a day later.
	find "$Q" -type f -exec touch -d '2 days ago' {} + 2>/dev/null || true
	server
	run -0 "$POSTERN" -qf
	fault_wait_sessions 120
	delivered | sort >"$BATS_TEST_TMPDIR/got"
	! grep -q '^TORN' "$BATS_TEST_TMPDIR/got"
	# Every exit 0 arrived, exactly once; others may or may not.
	sort "$ok" | comm -23 - "$BATS_TEST_TMPDIR/got" >"$BATS_TEST_TMPDIR/lost"
	[ ! -s "$BATS_TEST_TMPDIR/lost" ]
	[ -z "$(sort "$BATS_TEST_TMPDIR/got" | uniq -d)" ]
	[ -z "$(ls "$Q/new")" ]
	[ -z "$(ls "$Q/tmp")" ]
}

# inject SYSCALLS ERRNO N: submit with -odq, the Nth call of SYSCALLS
# failing with ERRNO; check the outcome is all or nothing.
inject() {
	local before after rc
	before=$(ls "$Q/new" 2>/dev/null | grep -c '\.env$' || true)
	msg "inj-$1-$2-$3" >"$BATS_TEST_TMPDIR/in"
	rc=0
	# LeakSanitizer cannot run under ptrace (an --enable-asan build).
	ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" \
		strace -f -qq -o /dev/null -e trace="$1" \
		-e inject="$1:error=$2:when=$3" \
		"$POSTERN" -odq bob@example.test <"$BATS_TEST_TMPDIR/in" \
		2>"$BATS_TEST_TMPDIR/err" || rc=$?
	after=$(ls "$Q/new" | grep -c '\.env$' || true)
	if [ "$rc" = 0 ]; then
		[ "$after" = $((before + 1)) ] || {
			echo "$1 $2 $3: exit 0 but no entry"
			return 1
		}
	else
		case $rc in 73 | 74) ;; *)
			echo "$1 $2 $3: exit $rc"
			cat "$BATS_TEST_TMPDIR/err"
			return 1
			;;
		esac
		[ "$after" = "$before" ] || {
			echo "$1 $2 $3: exit $rc but an entry was published"
			return 1
		}
		FAILED=$((FAILED + 1))
	fi
	# Nothing half-made is left: every .msg has its .env, tmp/ is empty.
	[ "$(ls "$Q/new" | grep -c '\.msg$')" = "$after" ] || {
		echo "$1 $2 $3: a message without envelope"
		return 1
	}
	[ -z "$(ls "$Q/tmp")" ] || {
		echo "$1 $2 $3: left in tmp/: $(ls "$Q/tmp")"
		return 1
	}
}

@test "EIO/ENOSPC injected at each write, fsync and rename: all or nothing" {
	require_cmd strace strace
	config 1
	(umask 077 && mkdir -p "$Q/new" "$Q/tmp") # the queue is refused
	FAILED=0
	for n in 1 2 3 4 5 6; do
		inject write EIO "$n"
		inject write ENOSPC "$n"
	done
	for n in 1 2 3; do
		inject fsync EIO "$n"
		inject rename EIO "$n"
		inject rename ENOSPC "$n"
	done
	echo "$FAILED injections made the submission fail"
	[ "$FAILED" -ge 10 ]
	# What exited 0 is complete and goes out, exactly once each.
	server
	run -0 "$POSTERN" -qf
	fault_wait_sessions
	! delivered | grep -q '^TORN'
	[ -z "$(ls "$Q/new")" ]
	[ -z "$(delivered | sort | uniq -d)" ]
}

@test "queue_dir on a tiny tmpfs: ENOSPC exits 73/74, nothing published" {
	[ "$(id -u)" = 0 ] || require_or_skip "mounting a tmpfs needs root"
	TINY=$BATS_TEST_TMPDIR/tiny
	mkdir -p "$TINY"
	mount -t tmpfs -o size=64k,mode=0700 tmpfs "$TINY" ||
		require_or_skip "cannot mount a tmpfs here"
	config 1 "queue_dir $TINY/q"
	# A message larger than the file system: the spool write fails.
	run --separate-stderr "$POSTERN" -odq bob@example.test \
		< <(msg big; head -c 200000 /dev/zero | tr '\0' 'x' | fold -w 70)
	echo "$stderr"
	[ "$status" = 74 ] || [ "$status" = 73 ]
	[[ "$stderr" == *"No space left on device"* ]]
	[ -z "$(ls "$TINY/q/new")" ]
	[ -z "$(ls "$TINY/q/tmp")" ]
	# Room for the message but not its envelope.
	for i in $(seq 64); do
		dd if=/dev/zero of="$TINY/fill$i" bs=4096 count=1 2>/dev/null || break
	done
	rm -f "$TINY/fill1"
	run --separate-stderr "$POSTERN" -odq bob@example.test < <(msg small | head -c 3000)
	echo "$stderr"
	[ "$status" = 74 ] || [ "$status" = 73 ]
	[ -z "$(ls "$TINY/q/new")" ]
	[ -z "$(ls "$TINY/q/tmp")" ]
	# Space again: it works.
	rm -f "$TINY"/fill*
	run -0 "$POSTERN" -odq bob@example.test < <(msg small)
	[ "$(ls "$TINY/q/new" | grep -c '\.env$')" = 1 ]
}

# qid TOKEN: the queue id of the template's entry whose subject is TOKEN.
qid() {
	grep -l "^Subject: $1"$'\r'"\$" "$BATS_TEST_TMPDIR/template/new/"*.msg |
		sed 's|.*/||; s|\.msg$||'
}

# crash_run SYSCALL N: a fresh copy of the template queue run with
# `postern -q` killed (SIGKILL) at the Nth SYSCALL, then a clean run.
# Nothing is lost or torn; every entry the server got twice was logged
# as a possible duplicate when sent again; at most two entries are
# reported as possible duplicates without having gone out twice: the
# one in flight (its commands written, the kill may reset the connection
# before the server reads them) and the one marked next (its mark on
# disk, its commands not yet written).
crash_run() {
	local tok id dups false=0
	rm -rf "$Q" "$BATS_TEST_TMPDIR/log"
	mkdir -p "$BATS_TEST_TMPDIR/old"
	mv "$FAULT_DIR"/* "$BATS_TEST_TMPDIR/old/" 2>/dev/null || true
	cp -a "$BATS_TEST_TMPDIR/template" "$Q"
	# LeakSanitizer cannot run under ptrace (an --enable-asan build).
	(ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" \
		strace -f -qq -o /dev/null -e trace="$1" \
		-e inject="$1:signal=KILL:when=$2" "$POSTERN" -q \
		>/dev/null 2>&1; :) 2>/dev/null
	mv "$BATS_TEST_TMPDIR/log" "$BATS_TEST_TMPDIR/log.first" 2>/dev/null ||
		: >"$BATS_TEST_TMPDIR/log.first"
	"$POSTERN" -qf 2>"$BATS_TEST_TMPDIR/err" || {
		echo "$1 #$2: the clean run failed"
		cat "$BATS_TEST_TMPDIR/err"
		return 1
	}
	fault_wait_sessions
	[ "$(delivered | sort -u | tr '\n' ' ')" = "run1 run2 run3 run4 " ] &&
		! ls "$Q/new" | grep -q '\.env$' || {
		echo "$1 #$2: delivered '$(delivered | sort | tr '\n' ' ')', left: $(ls "$Q/new")"
		return 1
	}
	dups=$(delivered | sort | uniq -d)
	for tok in run1 run2 run3 run4; do
		id=$(qid "$tok")
		if grep -qs "id=$id .*possible_duplicate=yes" "$BATS_TEST_TMPDIR/log"; then
			grep -qx "$tok" <<<"$dups" || false=$((false + 1))
		elif grep -qx "$tok" <<<"$dups"; then
			echo "$1 #$2: $tok went out twice, no possible_duplicate=yes"
			return 1
		fi
	done
	[ "$false" -le 2 ] || {
		echo "$1 #$2: $false entries reported as possible duplicates that were not"
		return 1
	}
	[ -z "$dups" ] || echo "$1 #$2: sent twice, reported: $dups"
}

@test "a queue run of 4 entries killed at each fsync, rename, unlink, write and sendto: nothing lost, each resend a possible duplicate" {
	require_cmd strace strace
	server "logfile $BATS_TEST_TMPDIR/log"
	for i in 1 2 3 4; do
		msg "run$i" | "$POSTERN" -odq bob@example.test || return 1
	done
	cp -a "$Q" "$BATS_TEST_TMPDIR/template"
	for sc in fsync rename unlink write sendto; do
		rm -rf "$Q"
		cp -a "$BATS_TEST_TMPDIR/template" "$Q"
		n=$(ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" \
			strace -f -c -o /dev/stdout -e trace="$sc" "$POSTERN" -q \
			2>/dev/null | awk -v s="$sc" '$NF == s { print $4 }')
		echo "$sc: ${n:-0} calls in a clean run"
		# per entry at least: the mark (file, directory), the removal
		[ "${n:-0}" -ge 4 ]
		fault_wait_sessions
		for k in $(seq "$n"); do
			crash_run "$sc" "$k" || return 1
		done
	done
}
