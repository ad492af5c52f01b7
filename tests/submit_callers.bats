#!/usr/bin/env bats
# submit_callers.bats: the exact argv and a realistic message of each real
# caller (as in callers.bats), now delivered for real through the Postfix
# + Dovecot test bed: the envelope Postfix received (sender, recipients as
# a set, SASL user) and the delivered bytes, which must equal --dry-run's
# apart from the Received header Postfix adds and the Date and
# Message-ID values postern generates anew on each run.

load lib/common
load lib/postfix
load lib/submit
bats_require_minimum_version 1.5.0

setup_file() {
	postfix_start
}

setup() {
	postfix_setup
	hermetic_env
	IN=$BATS_TEST_TMPDIR/in
	submit_config "$(tb_account)"
}

teardown_file() {
	teardown_try postfix_stop
}

# deliver TOKEN SENDER RCPTS -- ARGS...: postern ARGS on $IN exits 0
# silently; the message with TOKEN arrives from SENDER to RCPTS (a
# space-separated set) as alice, identical to --dry-run ARGS.
deliver() {
	local tok=$1 sender=$2 rcpts=$3
	shift 4
	send "$@"
	[ "$status" -eq 0 ] || { echo "exit $status: $stderr"; return 1; }
	[ -z "$stderr" ] || { echo "stderr: $stderr"; return 1; }
	wait_mail "$tok"
	env_is sender "$sender"
	# shellcheck disable=SC2086 # a set of words
	env_rcpts $rcpts
	env_is sasl_username alice@example.test
	dry_message "$@"
	delivered_message
	cp "$BATS_TEST_TMPDIR/got.eml" "$BATS_TEST_TMPDIR/got.full"
	mask_generated "$BATS_TEST_TMPDIR/dry.eml"
	mask_generated "$BATS_TEST_TMPDIR/got.eml"
	same_files "$BATS_TEST_TMPDIR/dry.eml" "$BATS_TEST_TMPDIR/got.eml"
}

got_line() {
	grep -Fxq -- "$1" "$BATS_TEST_TMPDIR/got.full" && return 0
	echo "delivered message lacks: $1"
	cat "$BATS_TEST_TMPDIR/got.full"
	return 1
}

@test "Debian cron: -FCronDaemon -i -B8BITMIME -oem user" {
	printf 'From: root (Cron Daemon)\nTo: user\nSubject: Cron <user@host> tok-c-debcron\nContent-Type: text/plain; charset=UTF-8\n\nok\n' >"$IN"
	deliver tok-c-debcron alice@example.test user@example.test -- \
		-FCronDaemon -i -B8BITMIME -oem user
	got_line "From: Cron Daemon <alice@example.test>"
	got_line "To: user@example.test"
}

@test "cronie: -FCronDaemon -i -odi -oem -oi -t -f root" {
	printf 'From: root (Cron Daemon)\nTo: root\nSubject: Cron <root@h> tok-c-cronie\nAuto-Submitted: auto-generated\nX-Cron-Env: <SHELL=/bin/sh>\n\nout\n' >"$IN"
	deliver tok-c-cronie root@example.test root@example.test -- \
		-FCronDaemon -i -odi -oem -oi -t -f root
	got_line "To: root@example.test"
	got_line "Auto-Submitted: auto-generated"
}

@test "bsd-mailx: -i -t; Bcc gets it, the Bcc header does not travel" {
	printf 'To: a@example.test\nCc: B <b@example.test>\nBcc: c@example.test\nSubject: tok-c-mailx\n\n.\nstill body\n' >"$IN"
	deliver tok-c-mailx alice@example.test \
		"a@example.test b@example.test c@example.test" -- -i -t
	! grep -q '^Bcc:' "$BATS_TEST_TMPDIR/got.eml"
	got_line "."
	got_line "still body"
}

@test "s-nail: -i -- rcpt" {
	printf 'To: r@example.test\nSubject: tok-c-snail\n\nx\n' >"$IN"
	deliver tok-c-snail alice@example.test r@example.test -- \
		-i -- r@example.test
}

@test "mutt: -oem -oi -B8BITMIME -f from -N failure -- rcpt (NOTIFY=FAILURE accepted)" {
	printf 'From: Me <alice@example.test>\nTo: r@example.test\nSubject: tok-c-mutt caf\xc3\xa9\nMIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit\n\ncaf\xc3\xa9\n' >"$IN"
	deliver tok-c-mutt alice@example.test r@example.test -- \
		-oem -oi -B8BITMIME -f alice@example.test -N failure -- \
		r@example.test
	got_line "$(printf 'caf\303\251')"
	# Postfix offers DSN: the parameters go out and are accepted
	send -v -oem -oi -B8BITMIME -f alice@example.test -N failure -- \
		r@example.test
	[ "$status" -eq 0 ]
	[[ "$stderr" == *"--> MAIL FROM:<alice@example.test> SIZE="*" BODY=8BITMIME"$'\n'* ]]
	[[ "$stderr" == *"--> RCPT TO:<r@example.test> NOTIFY=FAILURE"$'\n'* ]]
	[[ "$stderr" == *"<-- 250-DSN"* ]]
	[[ "$stderr" == *"<-- 250 2.1.5 Ok"* ]]
}

@test "git send-email: -i -f from rcpt1 rcpt2" {
	printf 'From: Dev <dev@example.test>\nTo: list@example.test\nCc: r2@example.test\nSubject: [PATCH] tok-c-git\nDate: Mon, 2 Jan 2023 10:00:00 +0000\nMessage-ID: <p1@example.test>\n\ndiff --git a/x b/x\n--- a/x\n+++ b/x\n@@ -1 +1 @@\n-.\n+..\n' >"$IN"
	deliver tok-c-git dev@example.test "list@example.test r2@example.test" \
		-- -i -f dev@example.test list@example.test r2@example.test
	got_line "Date: Mon, 2 Jan 2023 10:00:00 +0000"
	got_line "Message-ID: <p1@example.test>"
	got_line "-."
	got_line "+.."
}

@test "PHP mail(): -t -i -f from, CRLF input" {
	printf 'To: a@example.test\r\nSubject: tok-c-php\r\nFrom: site@example.test\r\n\r\nline1\r\n.\r\nline2\r\n' >"$IN"
	deliver tok-c-php site@example.test a@example.test -- \
		-t -i -f site@example.test
	got_line "line1"
	got_line "."
	got_line "line2"
}

@test "logwatch: -t without -i, a lone dot ends the input" {
	printf 'To: root\nSubject: Logwatch tok-c-logwatch\n\n--- sshd ---\n..\n.\nnot sent\n' >"$IN"
	deliver tok-c-logwatch alice@example.test root@example.test -- -t
	got_line "--- sshd ---"
	# without -i only a lone dot is special: ".." is not unstuffed
	got_line ".."
	! grep -q "not sent" "$BATS_TEST_TMPDIR/got.eml"
}

@test "mdadm: -t" {
	printf 'From: mdadm monitoring <root>\nTo: root\nSubject: Fail event on /dev/md0:host tok-c-mdadm\n\nA Fail event had been detected\n' >"$IN"
	deliver tok-c-mdadm alice@example.test root@example.test -- -t
	got_line "To: root@example.test"
	# a local From is the account's address, as for cron
	got_line "From: mdadm monitoring <alice@example.test>"
}

@test "aliases: a bare name goes where the alias file says" {
	printf 'root: admin@example.test, ops\n' >"$BATS_TEST_TMPDIR/aliases"
	submit_config "$(tb_account aliases "$BATS_TEST_TMPDIR/aliases")"
	printf 'To: root\nSubject: tok-c-alias\n\nx\n' >"$IN"
	deliver tok-c-alias alice@example.test \
		"admin@example.test ops@example.test" -- -t
}
