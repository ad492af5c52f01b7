#!/usr/bin/env bats
# callers.bats: the exact argv and a realistic message of each real caller
# (peers-security.md 2.1) through --dry-run, asserting the envelope and
# the header lines; msmtp configuration files read unchanged;
# --print-config origins and masking.

load lib/common
bats_require_minimum_version 1.5.0

setup() {
	hermetic_env
	mkdir -p "$XDG_CONFIG_HOME/postern"
	cat >"$XDG_CONFIG_HOME/postern/config" <<-'CONF'
	# a typical single-account setup
	defaults
	local_domain example.org
	account default
	host smtp.example.org
	from me@example.org
	CONF
	IN="$BATS_TEST_TMPDIR/in"
}

# dry ARGS...: run --dry-run on $IN; $out is stdout without CRs, $stderr
# holds the warnings.
dry() {
	run --separate-stderr "$POSTERN" --dry-run "$@" <"$IN"
	out=$(printf '%s' "$output" | tr -d '\r')
}

# Every line of the message part ends in CRLF.
all_crlf() {
	local body=${output#*$'\n\n'}
	[ "$(printf '%s' "$body" | grep -c $'\r$')" -eq \
		"$(printf '%s' "$body" | grep -c '')" ] || {
		printf '%s' "$body" | cat -A
		return 1
	}
}

has_line() {
	printf '%s\n' "$out" | grep -Fxq -- "$1" && return 0
	echo "missing line: $1"
	printf '%s\n' "$out"
	return 1
}

lacks_line() {
	printf '%s\n' "$out" | grep -Fxq -- "$1" || return 0
	echo "unexpected line: $1"
	printf '%s\n' "$out"
	return 1
}

# envelope LINE...: the output starts with exactly these lines, then "".
envelope() {
	local i=0 l got
	for l in "$@"; do
		got=${lines[$i]}
		# SIZE (always offered to --dry-run) is checked by dryrun.bats.
		[[ $got =~ ^(MAIL\ FROM:\<[^>]*\>)\ SIZE=[0-9]+(.*)$ ]] &&
			got=${BASH_REMATCH[1]}${BASH_REMATCH[2]}
		[ "$got" = "$l" ] || {
			echo "line $i: got '${lines[$i]}', want '$l'"
			printf '%s\n' "$output"
			return 1
		}
		i=$((i + 1))
	done
	# bats drops empty lines from $lines; the blank separator is in $output
	case "$output" in *$'\n\n'*) ;; *) echo "no blank line"; return 1 ;; esac
}

@test "Debian cron: -FCronDaemon -i -B8BITMIME -oem user" {
	printf 'From: root (Cron Daemon)\nTo: user\nSubject: Cron <user@host> run-parts\nContent-Type: text/plain; charset=UTF-8\n\nok\n' >"$IN"
	dry -FCronDaemon -i -B8BITMIME -oem user
	[ "$status" -eq 0 ]
	envelope "MAIL FROM:<me@example.org>" "RCPT TO:<user@example.org>"
	has_line "From: Cron Daemon <me@example.org>"
	has_line "To: user@example.org"
	has_line "Subject: Cron <user@host> run-parts"
	printf '%s\n' "$out" | grep -q '^Date: '
	printf '%s\n' "$out" | grep -q '^Message-ID: <.*@example.org>$'
	has_line "ok"
}

@test "Debian cron: MAILTO=a,b arrives as one argument" {
	printf 'From: root (Cron Daemon)\nTo: a,b\n\nok\n' >"$IN"
	dry -FCronDaemon -i -B8BITMIME -oem a@example.net,b
	[ "$status" -eq 0 ]
	envelope "MAIL FROM:<me@example.org>" "RCPT TO:<a@example.net>" \
		"RCPT TO:<b@example.org>"
}

@test "cronie: -FCronDaemon -i -odi -oem -oi -t -f root" {
	printf 'From: root (Cron Daemon)\nTo: root\nSubject: Cron <root@h> ls\nAuto-Submitted: auto-generated\nX-Cron-Env: <SHELL=/bin/sh>\n\nout\n' >"$IN"
	dry -FCronDaemon -i -odi -oem -oi -t -f root
	[ "$status" -eq 0 ]
	envelope "MAIL FROM:<root@example.org>" "RCPT TO:<root@example.org>"
	has_line "To: root@example.org"
	has_line "Auto-Submitted: auto-generated"
	printf '%s\n' "$out" | grep -q '^From: .*<.*@example.org>$'
}

@test "bsd-mailx: -i -t, recipients only in headers, Bcc removed" {
	printf 'To: a@example.net\nCc: B <b@example.net>\nBcc: c@example.net\nSubject: hi\n\n.\nstill body\n' >"$IN"
	dry -i -t
	[ "$status" -eq 0 ]
	envelope "MAIL FROM:<me@example.org>" "RCPT TO:<a@example.net>" \
		"RCPT TO:<b@example.net>" "RCPT TO:<c@example.net>"
	lacks_line "Bcc: c@example.net"
	has_line "."
	has_line "still body"
}

@test "s-nail: -i -- rcpt" {
	printf 'To: r@example.net\nSubject: s\n\nx\n' >"$IN"
	dry -i -- r@example.net
	[ "$status" -eq 0 ]
	envelope "MAIL FROM:<me@example.org>" "RCPT TO:<r@example.net>"
}

@test "mutt: -oem -oi -B8BITMIME -f from -N failure -- rcpt" {
	printf 'From: Me <me@example.org>\nTo: r@example.net\nSubject: caf\xc3\xa9\nMIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit\n\ncaf\xc3\xa9\n' >"$IN"
	dry -oem -oi -B8BITMIME -f me@example.org -N failure -- r@example.net
	[ "$status" -eq 0 ]
	envelope "MAIL FROM:<me@example.org> BODY=8BITMIME" \
		"RCPT TO:<r@example.net> NOTIFY=FAILURE"
	has_line "From: Me <me@example.org>"
}

@test "git send-email: -i -f from rcpt1 rcpt2 (no --)" {
	printf 'From: Dev <dev@example.org>\nTo: list@example.net\nCc: r2@example.net\nSubject: [PATCH] x\nDate: Mon, 2 Jan 2023 10:00:00 +0000\nMessage-ID: <p1@example.org>\n\ndiff\n' >"$IN"
	dry -i -f dev@example.org list@example.net r2@example.net
	[ "$status" -eq 0 ]
	envelope "MAIL FROM:<dev@example.org>" "RCPT TO:<list@example.net>" \
		"RCPT TO:<r2@example.net>"
	has_line "Date: Mon, 2 Jan 2023 10:00:00 +0000"
	has_line "Message-ID: <p1@example.org>"
	[ "$(printf '%s\n' "$out" | grep -c '^Message-ID:')" -eq 1 ]
}

@test "PHP mail(): -t -i -f from, CRLF input" {
	printf 'To: a@example.net\r\nSubject: php\r\nFrom: site@example.org\r\n\r\nline1\r\nline2\r\n' >"$IN"
	dry -t -i -f site@example.org
	[ "$status" -eq 0 ]
	envelope "MAIL FROM:<site@example.org>" "RCPT TO:<a@example.net>"
	has_line "line1"
	# every message line ends in CRLF, none in a bare LF or doubled CR
	all_crlf
	! printf '%s' "${output#*$'\n\n'}" | grep -q $'\r\r'

}

@test "PHP mail(): mixed LF and CRLF input, duplicate -f" {
	printf 'To: a@example.net\nSubject: mixed\r\n\r\none\ntwo\r\nthree\n' >"$IN"
	dry -t -i -f first@example.org -f site@example.org
	[ "$status" -eq 0 ]
	envelope "MAIL FROM:<site@example.org>" "RCPT TO:<a@example.net>"
	[[ "$stderr" == *"warning: -f given more than once"* ]]
	all_crlf
	has_line "three"
}

@test "logwatch: -t without -i, a lone dot ends the input" {
	printf 'To: root\nSubject: Logwatch\n\n--- sshd ---\n.\nnot sent\n' >"$IN"
	dry -t
	[ "$status" -eq 0 ]
	envelope "MAIL FROM:<me@example.org>" "RCPT TO:<root@example.org>"
	has_line "--- sshd ---"
	lacks_line "not sent"
}

@test "mdadm: -t" {
	printf 'From: mdadm monitoring <root>\nTo: root\nSubject: Fail event on /dev/md0:host\n\nA Fail event had been detected\n' >"$IN"
	dry -t
	[ "$status" -eq 0 ]
	envelope "MAIL FROM:<me@example.org>" "RCPT TO:<root@example.org>"
	has_line "To: root@example.org"
}

@test "an msmtp ~/.msmtprc with inheritance is read unchanged" {
	rm -f "$XDG_CONFIG_HOME/postern/config"
	cat >"$HOME/.msmtprc" <<-'CONF'
	# Set default values for all following accounts.
	defaults
	auth           on
	tls            on
	tls_trust_file /etc/ssl/certs/ca-certificates.crt
	logfile        ~/.msmtp.log

	# Gmail
	account        gmail
	host           smtp.gmail.com
	port           587
	from           someone@gmail.com
	user           someone
	passwordeval   "gpg --quiet --for-your-eyes-only --no-tty --decrypt ~/.msmtp-gmail.gpg"

	account        work : gmail
	host           mail.work.example
	from           me@work.example
	user           me

	# Set a default account
	account default : gmail
	CONF
	printf 'To: x@example.net\n\nhi\n' >"$IN"
	dry -v -t
	[ "$status" -eq 0 ]
	envelope "MAIL FROM:<someone@gmail.com>" "RCPT TO:<x@example.net>"
	[[ "$stderr" == *"reading msmtp's configuration $HOME/.msmtprc"* ]]
	dry -t -f me@work.example
	[ "$status" -eq 0 ]
	envelope "MAIL FROM:<me@work.example>" "RCPT TO:<x@example.net>"
	run "$POSTERN" --print-config work
	[ "$status" -eq 0 ]
	[[ "$output" == *"host mail.work.example"*"# $HOME/.msmtprc:17"* ]]
	[[ "$output" == *"logfile $HOME/.msmtp.log"* ]]
	[[ "$output" == *"passwordeval \"gpg --quiet"* ]]
	[[ "$output" == *"tls_trust_file /etc/ssl/certs/ca-certificates.crt"*"# $HOME/.msmtprc:5"* ]]
}

@test "--print-config shows file:line origins and masks the password" {
	cat >"$XDG_CONFIG_HOME/postern/config" <<-'CONF'
	defaults
	port 465
	account work
	host smtp.work.example
	user me
	password hunter2
	from me@work.example
	CONF
	chmod 600 "$XDG_CONFIG_HOME/postern/config"
	run "$POSTERN" --print-config work
	[ "$status" -eq 0 ]
	f="$XDG_CONFIG_HOME/postern/config"
	[[ "$output" != *hunter2* ]]
	printf '%s\n' "$output" | grep -Eq "^password \\*+ +# $f:6\$"
	printf '%s\n' "$output" | grep -Eq "^port 465 +# $f:2\$"
	printf '%s\n' "$output" | grep -Eq "^tls_starttls off +# default\$"
	printf '%s\n' "$output" | grep -Eq "^auth on +# default\$"
	printf '%s\n' "$output" | grep -Eq "^timeout 60 +# default\$"
}

@test "--print-config refuses a group-readable file with a password" {
	printf 'account default\nhost h\npassword x\n' >"$XDG_CONFIG_HOME/postern/config"
	chmod 640 "$XDG_CONFIG_HOME/postern/config"
	run "$POSTERN" --print-config
	[ "$status" -eq 78 ]
	[[ "$output" == *"only you may read it (chmod 600)"* ]]
}
