#!/usr/bin/env bats
# cli.bats: hostile and odd input never crashes postern and never yields
# an unsafe message: CR/LF in arguments, option-like recipients, huge
# header lines, NUL bytes, bare CR, dot lines, long lines, empty input,
# and a 1 GiB message with flat memory. Also the modes and exit codes.

load lib/common
bats_require_minimum_version 1.5.0

setup() {
	hermetic_env
	mkdir -p "$XDG_CONFIG_HOME/postern"
	printf 'account default\nhost smtp.example.org\nfrom me@example.org\nlocal_domain example.org\n' \
		>"$XDG_CONFIG_HOME/postern/config"
	IN="$BATS_TEST_TMPDIR/in"
	printf 'Subject: t\n\nbody\n' >"$IN"
}

# The message part of $output is safe: every line ends in CRLF, no CR
# anywhere else, no NUL.
safe_message() {
	local body=${output#*$'\n\n'}
	[ "$(printf '%s' "$body" | grep -c $'\r$')" -eq \
		"$(printf '%s' "$body" | grep -c '')" ] || return 1
	! printf '%s' "$body" | grep -q $'\r.' || return 1
	[ "$(printf '%s' "$body" | tr -cd '\r' | wc -c)" -eq \
		"$(printf '%s\n' "$body" | tr -cd '\n' | wc -c)" ]
}

@test "--help lists every option" {
	run "$POSTERN" --help
	[ "$status" -eq 0 ]
	for o in -t -i -oi -f -r -F -a --account -C -B -N -R -V -odq -v -- \
		-bm -bi -bp -q -bs -bd --dry-run --print-config --version -X; do
		[[ "$output" == *" $o"* ]] || { echo "missing $o"; return 1; }
	done
}

@test "newaliases and -bi succeed without doing anything" {
	ln -s "$POSTERN" "$BATS_TEST_TMPDIR/newaliases"
	run "$BATS_TEST_TMPDIR/newaliases"
	[ "$status" -eq 0 ]
	run "$POSTERN" -bi
	[ "$status" -eq 0 ]
}

@test "mailq and -bp list the queue, -q runs it; -bs greets" {
	ln -s "$POSTERN" "$BATS_TEST_TMPDIR/mailq"
	run --separate-stderr "$BATS_TEST_TMPDIR/mailq"
	[ "$status" -eq 0 ]
	[ "$output" = "Mail queue is empty" ]
	run --separate-stderr "$POSTERN" -bp --json
	[ "$status" -eq 0 ]
	[ "$output" = '{"queue":[],"failed":[]}' ]
	printf 'account default\nhost 127.0.0.1\nport 1\nfrom me@example.org\n' \
		>"$XDG_CONFIG_HOME/postern/config"
	run "$POSTERN" -q
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	run "$POSTERN" --json -q
	[ "$status" -eq 64 ]
	[ "$output" = "postern: --json only applies to -bp (mailq)" ]
	run "$POSTERN" -bs </dev/null
	[ "$status" -eq 0 ]
	[[ "$output" == "220 "*" ESMTP postern"$'\r' ]]
}

@test "-bd -bt -bv -bh are not supported, EX_USAGE" {
	for m in -bd -bt -bv -bh; do
		run "$POSTERN" $m a@example.org
		[ "$status" -eq 64 ]
		[[ "$output" == *"is not supported"* ]]
	done
}

@test "an unreachable server: queued, exit 0, one line, no spool file left" {
	# Port 1 on loopback: connection refused at once.
	printf 'account default\nhost 127.0.0.1\nport 1\nfrom me@example.org\n' \
		>"$XDG_CONFIG_HOME/postern/config"
	run "$POSTERN" a@example.org <"$IN"
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 1 ]
	[[ "$output" =~ ^postern:\ queued\ [0-9a-f]{16}:\ cannot\ connect\ to\ 127\.0\.0\.1\ port\ 1:\ Connection\ refused$ ]]
	[ -z "$(ls -A "$XDG_STATE_HOME/postern/queue/tmp")" ]
	# queue off: the caller keeps the message, exit 75.
	printf 'queue off\n' >>"$XDG_CONFIG_HOME/postern/config"
	run "$POSTERN" a@example.org <"$IN"
	[ "$status" -eq 75 ]
	[ "${#lines[@]}" -eq 1 ]
	[[ "$output" == "postern: "*"127.0.0.1"*"the message was not sent (temporary failure: try again later)" ]]
	[ -z "$(ls -A "$XDG_STATE_HOME/postern/queue/tmp")" ]
}

@test "CR or LF inside -f, -F or a recipient is refused" {
	run "$POSTERN" --dry-run -f $'a@example.org\r\nRCPT TO:<evil@x>' b@example.org <"$IN"
	[ "$status" -eq 64 ]
	[[ "$output" == *"CR or LF"* ]]
	run "$POSTERN" --dry-run $'-FCron\nBcc: evil@x' b@example.org <"$IN"
	[ "$status" -eq 64 ]
	run "$POSTERN" --dry-run $'b@example.org\nevil@x' <"$IN"
	[ "$status" -eq 64 ]
	run "$POSTERN" --dry-run -- $'b@example.org\r' <"$IN"
	[ "$status" -eq 64 ]
}

@test "a recipient starting with - is refused, never an option" {
	run "$POSTERN" --dry-run -- -oProxyCommand=x@example.org <"$IN"
	[ "$status" -eq 64 ]
	[[ "$output" == *"starts with '-'"* ]]
}

@test "unknown options warn and are ignored" {
	run --separate-stderr "$POSTERN" --dry-run -Zfoo --frobnicate -X /nonexistent/log a@example.org <"$IN"
	[ "$status" -eq 0 ]
	[[ "$stderr" == *"unknown option -Zfoo ignored"* ]]
	[[ "$stderr" == *"unknown option --frobnicate ignored"* ]]
	[ ! -e /nonexistent/log ]
	[[ "${lines[0]}" =~ ^"MAIL FROM:<me@example.org>"\ SIZE=[0-9]+$ ]]
}

@test "no recipients: EX_USAGE on the command line, EX_NOUSER with -t" {
	run "$POSTERN" --dry-run <"$IN"
	[ "$status" -eq 64 ]
	[[ "$output" == *"no recipients"* ]]
	run "$POSTERN" --dry-run -t <"$IN"
	[ "$status" -eq 67 ]
	[[ "$output" == *"no recipients"* ]]
}

@test "a 5 MB header line is refused, EX_DATAERR, no crash" {
	{ printf 'Subject: '; head -c 5000000 /dev/zero | tr '\0' x; printf '\n\nbody\n'; } >"$IN"
	run "$POSTERN" --dry-run a@example.org <"$IN"
	[ "$status" -eq 65 ]
	[ -z "$(ls -A "$XDG_STATE_HOME/postern/queue/tmp")" ]
}

@test "NUL bytes are refused, EX_DATAERR" {
	printf 'Subject: t\n\nbo\0dy\n' >"$IN"
	run "$POSTERN" --dry-run a@example.org <"$IN"
	[ "$status" -eq 65 ]
}

@test "a bare CR never reaches the output" {
	printf 'Subject: a\rBcc: evil@x\n\nline\rmore\r\n' >"$IN"
	run "$POSTERN" --dry-run a@example.org <"$IN"
	[ "$status" -eq 0 ]
	safe_message
	! printf '%s\n' "$output" | grep -q '^Bcc:'
	[ "${lines[1]}" = "RCPT TO:<a@example.org>" ]
}

@test "dot lines: \\n.\\n, \\r.\\r and \\n.\\r\\n in the body with -i" {
	printf 'Subject: dots\n\na\n.\nb\r.\rc\n.\r\nd\n' >"$IN"
	run "$POSTERN" --dry-run -i a@example.org <"$IN"
	[ "$status" -eq 0 ]
	safe_message
	[[ "$output" == *$'\r\nd\r' ]]
	[ "$(printf '%s\n' "$output" | grep -c $'^\\.\r$')" -eq 3 ]
}

@test "dot lines without -i: the first lone dot ends the input" {
	printf 'Subject: dots\n\na\r.\rb\n.\r\nafter\n' >"$IN"
	run "$POSTERN" --dry-run a@example.org <"$IN"
	[ "$status" -eq 0 ]
	safe_message
	[[ "$output" != *after* ]]
}

@test "a 10,000-character body line is re-encoded, never sent raw" {
	{ printf 'Subject: long\n\n'; head -c 10000 /dev/zero | tr '\0' y; printf '\n'; } >"$IN"
	run "$POSTERN" --dry-run a@example.org <"$IN"
	[ "$status" -eq 0 ]
	safe_message
	printf '%s\n' "$output" | grep -qx $'Content-Transfer-Encoding: quoted-printable\r'
	[ "$(printf '%s\n' "$output" | awk '{ if (length($0) > 999) n++ } END { print n + 0 }')" -eq 0 ]
}

@test "an empty message still gets From, Date and Message-ID" {
	: >"$IN"
	run "$POSTERN" --dry-run a@example.org <"$IN"
	[ "$status" -eq 0 ]
	safe_message
	printf '%s\n' "$output" | grep -qx $'From: me@example.org\r'
	printf '%s\n' "$output" | grep -q '^Date: '
}

@test "a 1 GiB message through --dry-run keeps memory flat" {
	[ -n "${POSTERN_TEST_SKIP_BIG:-}" ] && skip "POSTERN_TEST_SKIP_BIG is set"
	[ -x /usr/bin/time ] || require_or_skip "GNU time not installed (package time)"
	avail=$(df -Pk "$XDG_STATE_HOME" | awk 'NR == 2 { print $4 }')
	[ "$avail" -gt 2500000 ] || require_or_skip "less than 2.5 GB free under $XDG_STATE_HOME"
	run bash -c '{ printf "To: a@example.org\nSubject: big\n\n"; yes "0123456789 the quick brown fox jumps over the lazy dog" | head -c 1073741824; } |
		/usr/bin/time -f "RSS %M" -o "$BATS_TEST_TMPDIR/rss" "$POSTERN" --dry-run -i -t >/dev/null'
	[ "$status" -eq 0 ]
	rss=$(awk '/^RSS/ { print $2 }' "$BATS_TEST_TMPDIR/rss")
	echo "max RSS ${rss} KiB"
	[ "$rss" -lt 20480 ]
	[ -z "$(ls -A "$XDG_STATE_HOME/postern/queue/tmp")" ]
}
