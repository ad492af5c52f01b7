#!/usr/bin/env bats
# dryrun.bats: --dry-run prints the MAIL FROM and RCPT TO lines from the
# same envelope -> wire conversion the engine uses: the same message and
# options through --dry-run and through the fault server (offering SIZE,
# 8BITMIME, SMTPUTF8, DSN) give byte-identical lines, with ENVID in
# xtext (-V id+1 is ENVID=id+2B1), SIZE, an 8-bit body and a UTF-8
# recipient.

load lib/common
load lib/faultserver
load lib/queue
bats_require_minimum_version 1.5.0

@test "--dry-run prints the MAIL and RCPT lines the server receives" {
	cat >"$SCEN" <<-'EOF'
	{"ehlo": ["PIPELINING", "SIZE 10240000", "8BITMIME", "SMTPUTF8",
	          "DSN", "ENHANCEDSTATUSCODES"]}
	EOF
	server
	msg=$BATS_TEST_TMPDIR/msg
	printf 'Subject: dry\n\ncaf\xc3\xa9 au lait\n' >"$msg"
	set -- -V id+1 -N failure,delay -R hdrs "jörg@exämple.test" bob@example.test
	run -0 --separate-stderr "$POSTERN" --dry-run "$@" <"$msg"
	dry=$(printf '%s\n' "$output" | sed -n '/^\r\{0,1\}$/q; p')
	[[ "$dry" == *" ENVID=id+2B1"* ]]
	[[ "$dry" == *" SIZE="* ]]
	[[ "$dry" == *" BODY=8BITMIME"* ]]
	[[ "$dry" == *"RCPT TO:<jörg@exämple.test> NOTIFY=FAILURE,DELAY"* ]]
	run -0 --separate-stderr "$POSTERN" "$@" <"$msg"
	fault_wait_sessions
	wire=$(sed -n 's/^C: \(MAIL FROM:.*\|RCPT TO:.*\)$/\1/p' "$(fault_transcript)")
	[ "$dry" = "$wire" ] || {
		printf 'dry-run:\n%s\nwire:\n%s\n' "$dry" "$wire"
		return 1
	}
	[ "$(printf '%s\n' "$dry" | wc -l)" = 3 ]
}
