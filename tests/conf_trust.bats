#!/usr/bin/env bats
# conf_trust.bats: who may make postern run code or read which file
# (issue 15 item 7): -C only names a file of the caller's or root's that
# others cannot write; passwordeval is taken only from a file owned by
# the invoking user (root for the system file) and not writable by group
# or others, at euid 0 too; a HOME that is not the caller's is ignored;
# an unreadable system file does not stop a user who has their own.
# The system file's path is fixed at build time, so the tests that need
# one run in a private mount namespace (tests/lib/sysq.bash).

load lib/common
load lib/sysq
bats_require_minimum_version 1.5.0

setup() {
	hermetic_env
	MARK=$BATS_TEST_TMPDIR/ran
	# files other users must reach (the test's own dir is not theirs)
	PUB=$(mktemp -d /tmp/ct.XXXXXX)
	chmod 755 "$PUB"
}

teardown() {
	rm -rf "$PUB"
}

# evil FILE: an account whose passwordeval would leave $MARK.
evil() {
	printf '%s\n' "account default" "host localhost" "port 1" \
		"from x@example.test" "user x" "passwordeval touch $MARK" >"$1"
}

@test "-C: a file of another user, or one others may write, is refused (78) and never parsed" {
	evil "$BATS_TEST_TMPDIR/other.conf"
	chown nobody "$BATS_TEST_TMPDIR/other.conf"
	chmod 644 "$BATS_TEST_TMPDIR/other.conf"
	run --separate-stderr "$POSTERN" -C "$BATS_TEST_TMPDIR/other.conf" --print-config
	[ "$status" -eq 78 ]
	[[ "$stderr" == *"other.conf: named by -C is neither yours nor root's; refused"* ]]
	[[ "$output" != *passwordeval* ]]
	evil "$BATS_TEST_TMPDIR/gw.conf"
	chmod 664 "$BATS_TEST_TMPDIR/gw.conf"
	run --separate-stderr "$POSTERN" -C "$BATS_TEST_TMPDIR/gw.conf" --print-config
	[ "$status" -eq 78 ]
	[[ "$stderr" == *"gw.conf: named by -C may be written by group or others; refused"* ]]
	# the caller's own, 0600: honoured
	chmod 600 "$BATS_TEST_TMPDIR/gw.conf"
	run --separate-stderr "$POSTERN" -C "$BATS_TEST_TMPDIR/gw.conf" --print-config
	[ "$status" -eq 0 ]
	[[ "$output" == *"passwordeval \"touch $MARK\""* ]]
	[ ! -e "$MARK" ]
}

@test "-C as www-data: a file root owns is honoured, one nobody owns is refused" {
	evil "$PUB/root.conf"
	chmod 644 "$PUB/root.conf"
	cp "$POSTERN" "$PUB/postern"
	chmod 755 "$PUB/postern"
	run --separate-stderr runuser -u www-data -- env -i PATH=/usr/bin:/bin HOME=/var/www \
		"$PUB/postern" -C "$PUB/root.conf" --print-config
	[ "$status" -eq 0 ]
	cp "$PUB/root.conf" "$PUB/nobody.conf"
	chown nobody "$PUB/nobody.conf"
	run --separate-stderr runuser -u www-data -- env -i PATH=/usr/bin:/bin HOME=/var/www \
		"$PUB/postern" -C "$PUB/nobody.conf" --print-config
	[ "$status" -eq 78 ]
	[[ "$stderr" == *"neither yours nor root's"* ]]
}

@test "passwordeval from a user file owned by someone else is refused, also for root" {
	evil "$XDG_CONFIG_HOME/postern/config" 2>/dev/null || {
		mkdir -p "$XDG_CONFIG_HOME/postern"
		evil "$XDG_CONFIG_HOME/postern/config"
	}
	chown nobody "$XDG_CONFIG_HOME/postern/config"
	chmod 600 "$XDG_CONFIG_HOME/postern/config"
	run --separate-stderr "$POSTERN" -i bob@example.test <<<"Subject: x"
	[ "$status" -eq 78 ]
	[[ "$stderr" == *"config:6: passwordeval runs a command, so the file must be owned by you"* ]]
	[ ! -e "$MARK" ]
	# root's own file, but writable by others: refused too
	chown root "$XDG_CONFIG_HOME/postern/config"
	chmod 606 "$XDG_CONFIG_HOME/postern/config"
	run --separate-stderr "$POSTERN" --print-config
	[ "$status" -eq 78 ]
	[[ "$stderr" == *"passwordeval runs a command"* ]]
}

@test "a HOME root does not own is ignored: its files are not read" {
	local evilhome=$BATS_TEST_TMPDIR/evilhome
	mkdir -p "$evilhome"
	evil "$evilhome/.msmtprc"
	chown -R nobody "$evilhome"
	run --separate-stderr env -u XDG_CONFIG_HOME HOME="$evilhome" "$POSTERN" --print-config
	[[ "$output" != *"$evilhome"* ]]
	[[ "$output" != *"passwordeval \"touch"* ]]
	[ ! -e "$MARK" ]
	# owned by root, the same file is read (the check is the owner)
	chown -R root "$evilhome"
	chmod 600 "$evilhome/.msmtprc"
	run --separate-stderr env -u XDG_CONFIG_HOME HOME="$evilhome" "$POSTERN" --print-config
	[ "$status" -eq 0 ]
	[[ "$output" == *"# $evilhome/.msmtprc:6"* ]]
}

@test "the system file: passwordeval only when root owns it and others cannot write it" {
	sysq_setup
	: >"$PUB/empty"
	chmod 600 "$PUB/empty"
	evil "$NS/etc/postern.conf.in"
	cp "$NS/etc/postern.conf.in" "$NS/etc/$(basename "$SYS_CONF")"
	chown nobody "$NS/etc/$(basename "$SYS_CONF")"
	chmod 644 "$NS/etc/$(basename "$SYS_CONF")"
	run --separate-stderr ns "$NS_POSTERN -C $PUB/empty --print-config 2>&1; echo rc=\$?"
	[[ "$output" == *"$SYS_CONF:6: passwordeval runs a command"* ]]
	[[ "$output" == *"rc=78"* ]]
	chown root "$NS/etc/$(basename "$SYS_CONF")"
	chmod 666 "$NS/etc/$(basename "$SYS_CONF")"
	run --separate-stderr ns "$NS_POSTERN -C $PUB/empty --print-config 2>&1; echo rc=\$?"
	[[ "$output" == *"$SYS_CONF:6: passwordeval runs a command"* ]]
	chmod 644 "$NS/etc/$(basename "$SYS_CONF")"
	run --separate-stderr ns "$NS_POSTERN -C $PUB/empty --print-config 2>&1; echo rc=\$?"
	[[ "$output" == *"rc=0"* ]]
	[ ! -e "$MARK" ]
}

@test "a user with their own configuration is not stopped by an unreadable system file" {
	sysq_setup
	printf '%s\n' "account default" "host localhost" "from sys@example.test" \
		>"$NS/etc/$(basename "$SYS_CONF")"
	chmod 600 "$NS/etc/$(basename "$SYS_CONF")"
	local home=$PUB/nobodyhome
	mkdir -p "$home/.config/postern"
	printf '%s\n' "account default" "host localhost" "from me@example.test" \
		>"$home/.config/postern/config"
	chown -R nobody "$home"
	chmod 600 "$home/.config/postern/config"
	run --separate-stderr ns "runuser -u nobody -- env -i PATH=/usr/bin:/bin HOME=$home $NS_POSTERN -v --dry-run bob@example.test </dev/null"
	[ "$status" -eq 0 ]
	[[ "$output" == "MAIL FROM:<me@example.test>"* ]]
	[[ "$stderr" == *"not reading $SYS_CONF: not yours to read"* ]]
	# without a file of their own it is an error, as before
	rm "$home/.config/postern/config"
	run --separate-stderr ns "runuser -u nobody -- env -i PATH=/usr/bin:/bin HOME=$home $NS_POSTERN --print-config"
	[ "$status" -eq 78 ]
	[[ "$stderr" == *"$SYS_CONF: cannot open: Permission denied"* ]]
}
