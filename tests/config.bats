#!/usr/bin/env bats
# config.bats: the configuration through the binary: search order, errors
# with path:line (all of them, EX_CONFIG), -C, account selection, secure
# defaults, the secrecy check, long lines.

load lib/common
bats_require_minimum_version 1.5.0

setup() {
	hermetic_env
	PC="$XDG_CONFIG_HOME/postern/config"
	mkdir -p "$XDG_CONFIG_HOME/postern" "$XDG_CONFIG_HOME/msmtp"
	IN="$BATS_TEST_TMPDIR/in"
	printf 'Subject: t\n\nbody\n' >"$IN"
}

acct() { printf 'account %s\nhost %s\nfrom %s\n' "$1" "$2" "$3"; }

@test "postern's file wins over ~/.msmtprc and msmtp's XDG file" {
	acct default p.example p@example.org >"$PC"
	acct default m.example m@example.org >"$HOME/.msmtprc"
	acct default x.example x@example.org >"$XDG_CONFIG_HOME/msmtp/config"
	run --separate-stderr "$POSTERN" --dry-run -v a@example.net <"$IN"
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" =~ ^"MAIL FROM:<p@example.org>"\ SIZE=[0-9]+$ ]]
	[[ "$stderr" == *"reading $PC"* ]]
	rm "$PC"
	run "$POSTERN" --dry-run a@example.net <"$IN"
	[[ "${lines[0]}" =~ ^"MAIL FROM:<m@example.org>"\ SIZE=[0-9]+$ ]]
	rm "$HOME/.msmtprc"
	run --separate-stderr "$POSTERN" --dry-run -v a@example.net <"$IN"
	[[ "${lines[0]}" =~ ^"MAIL FROM:<x@example.org>"\ SIZE=[0-9]+$ ]]
	[[ "$stderr" == *"reading msmtp's configuration $XDG_CONFIG_HOME/msmtp/config"* ]]
}

@test "-C FILE replaces the user's file; a missing -C file is EX_NOINPUT" {
	acct default p.example p@example.org >"$PC"
	acct default c.example c@example.org >"$BATS_TEST_TMPDIR/c.conf"
	run "$POSTERN" --dry-run -C "$BATS_TEST_TMPDIR/c.conf" a@example.net <"$IN"
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" =~ ^"MAIL FROM:<c@example.org>"\ SIZE=[0-9]+$ ]]
	run "$POSTERN" --dry-run -C "$BATS_TEST_TMPDIR/none" a@example.net <"$IN"
	[ "$status" -eq 66 ]
	[[ "$output" == *"cannot open"*"none"* ]]
}

@test "every error is reported with path:line before failing, EX_CONFIG" {
	printf 'account default\nhots h\nport 99999\ntls perhaps\naccount default\n' >"$PC"
	run "$POSTERN" --dry-run a@example.net <"$IN"
	[ "$status" -eq 78 ]
	[[ "$output" == *"postern: $PC:2: hots: unknown key"* ]]
	[[ "$output" == *"postern: $PC:3: port expects a number from 1 to 65535"* ]]
	[[ "$output" == *"postern: $PC:4: tls expects on or off"* ]]
	[[ "$output" == *"postern: $PC:5: account default is already defined at line 1"* ]]
	[[ "$output" == *"nothing was sent"* ]]
}

@test "account selection: -a, then from, then default, else EX_CONFIG" {
	{ acct one h one@example.org; acct two h '*@two.example.org'; acct default h d@example.org; } >"$PC"
	run "$POSTERN" --dry-run -a one a@example.net <"$IN"
	[[ "${lines[0]}" =~ ^"MAIL FROM:<one@example.org>"\ SIZE=[0-9]+$ ]]
	run --separate-stderr "$POSTERN" -v --dry-run -f Someone@Two.Example.org a@example.net <"$IN"
	[[ "$stderr" == *"using account two"* ]]
	run --separate-stderr "$POSTERN" -v --dry-run -f one+cron@example.org a@example.net <"$IN"
	[[ "$stderr" == *"using account one"* ]]
	run "$POSTERN" --dry-run -a nosuch a@example.net <"$IN"
	[ "$status" -eq 78 ]
	[[ "$output" == *"no account nosuch in $PC"* ]]
	acct only h o@example.org >"$PC"
	run "$POSTERN" --dry-run a@example.net <"$IN"
	[ "$status" -eq 78 ]
	[[ "$output" == *"no account named default"*"$PC"* ]]
}

@test "no configuration at all is EX_CONFIG naming the files searched" {
	run "$POSTERN" --dry-run a@example.net <"$IN"
	[ "$status" -eq 78 ]
	[[ "$output" == *"$PC"*"$HOME/.msmtprc"* ]]
}

@test "secure defaults differ from msmtp: TLS on, 587 STARTTLS, auth with user" {
	printf 'account default\nhost h\nuser u\n' >"$PC"
	run "$POSTERN" --print-config
	[ "$status" -eq 0 ]
	printf '%s\n' "$output" | grep -Eq '^port 587 +# default$'
	printf '%s\n' "$output" | grep -Eq '^tls on +# default$'
	printf '%s\n' "$output" | grep -Eq '^tls_starttls on +# default$'
	printf '%s\n' "$output" | grep -Eq '^tls_certcheck on +# default$'
	printf '%s\n' "$output" | grep -Eq '^auth on +# default$'
	printf '%s\n' "$output" | grep -Eq '^timeout 60 +# default$'
	printf '%s\n' "$output" | grep -Eq '^data_timeout 600 +# default$'
	printf 'account default\nhost h\ntls off\nuser u\n' >"$PC"
	run "$POSTERN" --print-config
	[ "$status" -eq 78 ]
	[[ "$output" == *"would send the password in clear"* ]]
}

@test "a password in a 0644 file is refused; 0600 is fine" {
	printf 'account default\nhost h\nfrom me@example.org\npassword s\n' >"$PC"
	chmod 644 "$PC"
	run "$POSTERN" --dry-run a@example.net <"$IN"
	[ "$status" -eq 78 ]
	[[ "$output" == *"$PC: holds a password, so only you may read it (chmod 600)"* ]]
	chmod 600 "$PC"
	run "$POSTERN" --dry-run a@example.net <"$IN"
	[ "$status" -eq 0 ]
}

@test "a 64 KiB OAuth token fits on one line" {
	{ printf 'account default\nhost h\nfrom me@example.org\npassword '; head -c 65000 /dev/zero | tr '\0' t; printf '\n'; } >"$PC"
	chmod 600 "$PC"
	run "$POSTERN" --dry-run a@example.net <"$IN"
	[ "$status" -eq 0 ]
}

@test "HOME unset: the home directory comes from the password database" {
	acct default h me@example.org >"$PC"
	run env -u HOME -u XDG_CONFIG_HOME -u XDG_STATE_HOME "$POSTERN" --print-config
	# whatever the real home holds, postern must not crash or use "/"
	[ "$status" -eq 0 ] || [ "$status" -eq 78 ]
	[[ "$output" != *"//"* ]]
}

@test "msmtp's %U, %H, %C and %M patterns in from and domain are expanded" {
	printf 'account default\nhost h\nfrom %%U@%%H.example.org\ndomain %%H\n' >"$PC"
	run env USER=carol HOSTNAME=box "$POSTERN" --print-config
	[ "$status" -eq 0 ]
	printf '%s\n' "$output" | grep -Eq '^from carol@box\.example\.org +# '
	printf '%s\n' "$output" | grep -Eq '^domain box +# '
	printf 'To: x@example.org\n\nhi\n' >"$BATS_TEST_TMPDIR/m"
	run env USER=carol HOSTNAME=box "$POSTERN" --dry-run -t <"$BATS_TEST_TMPDIR/m"
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" =~ ^"MAIL FROM:<carol@box.example.org>"\ SIZE=[0-9]+$ ]]
	# %F cannot work (the account is chosen before the message is read)
	printf 'account default\nhost h\nfrom %%F\n' >"$PC"
	run "$POSTERN" --print-config
	[ "$status" -eq 78 ]
	[[ "$output" == *"config:3: from: %F (the message's From) is not supported: set from"* ]]
}

@test "-C with an empty file, -bp: the default queue, no warning (an err read only after a failure)" {
	: >"$BATS_TEST_TMPDIR/empty.conf"
	chmod 600 "$BATS_TEST_TMPDIR/empty.conf"
	run --separate-stderr "$POSTERN" -C "$BATS_TEST_TMPDIR/empty.conf" -bp
	[ "$status" -eq 0 ]
	[ "$output" = "Mail queue is empty" ]
	[ "$stderr" = "" ]
	printf 'account a\nhost h\nfrom a@example.org\nqueue_dir %s\n' "$BATS_TEST_TMPDIR/q" >"$BATS_TEST_TMPDIR/one.conf"
	chmod 600 "$BATS_TEST_TMPDIR/one.conf"
	run --separate-stderr "$POSTERN" -C "$BATS_TEST_TMPDIR/one.conf" -bp
	[ "$status" -eq 0 ]
	[ "$stderr" = "" ]
}
