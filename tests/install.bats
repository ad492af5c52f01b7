#!/usr/bin/env bats
# install.bats: `make install DESTDIR=ROOT` from the build directory puts
# exactly the expected files into ROOT (program, man pages, docs with
# config.example, completions, systemd user units with ExecStart at the
# installed binary, the maildrop helper postern-drop, set-group-ID to
# the system group when it exists), SENDMAIL_LINKS=yes (configure --enable-sendmail-links)
# adds the relative sendmail/mailq/newaliases/lib/sendmail links, which
# run postern under those names, a file in a link's way is never
# replaced, and `make uninstall` leaves no file behind.

load lib/common

setup() {
	hermetic_env
	require_cmd make make
	[ -f "$POSTERN_BUILDDIR/Makefile" ] ||
		require_or_skip "no Makefile in POSTERN_BUILDDIR=$POSTERN_BUILDDIR"
	ROOT="$BATS_TEST_TMPDIR/root"
	# Fixed directories whatever configure was given, so that the list
	# below is exact.
	MKVARS=(prefix=/usr 'systemduserunitdir=$(prefix)/lib/systemd/user'
		'systemdsystemunitdir=$(prefix)/lib/systemd/system')
}

# inst TARGET [VAR=VALUE ...]: make TARGET into $ROOT, quietly.
inst() {
	local target=$1
	shift
	make -s -C "$POSTERN_BUILDDIR" "$target" DESTDIR="$ROOT" \
		"${MKVARS[@]}" "$@" >"$BATS_TEST_TMPDIR/make.out" 2>&1
}

# Every file and link under $ROOT as "path" or "path -> target".
listing() {
	(cd "$ROOT" && find . \( -type f -o -type l \) -printf '%P\n' |
		LC_ALL=C sort | while read -r p; do
			if [ -h "$p" ]; then
				echo "$p -> $(readlink "$p")"
			else
				echo "$p"
			fi
		done)
}

# The base list: one line per file, man pages from doc/ whatever their
# section.
expected_base() {
	{
		echo usr/bin/postern
		echo usr/lib/systemd/user/postern-queue.service
		echo usr/lib/systemd/user/postern-queue.timer
		echo usr/lib/systemd/system/postern.service
		echo usr/lib/systemd/system/postern.path
		echo usr/lib/systemd/system/postern.timer
		echo usr/lib/sysusers.d/postern.conf
		echo usr/lib/tmpfiles.d/postern.conf
		echo usr/libexec/postern/postern-drop
		echo usr/share/bash-completion/completions/postern
		for f in NEWS README config.example oauth2.md; do
			echo "usr/share/doc/postern/$f"
		done
		for m in "$POSTERN_SRCDIR"/doc/*.[1-8]; do
			m=${m##*/}
			echo "usr/share/man/man${m##*.}/$m"
		done
		echo usr/share/zsh/site-functions/_postern
	}
}

@test "make install puts exactly the expected files into DESTDIR" {
	inst install SENDMAIL_LINKS=no || { cat "$BATS_TEST_TMPDIR/make.out"; false; }
	diff -u <(expected_base | LC_ALL=C sort) <(listing)
	[ -x "$ROOT/usr/bin/postern" ]
	run "$ROOT/usr/bin/postern" --version
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "postern 0.1.0" ]
	grep -qx 'ExecStart=/usr/bin/postern -q' \
		"$ROOT/usr/lib/systemd/user/postern-queue.service"
	cmp "$POSTERN_SRCDIR/doc/config.example" \
		"$ROOT/usr/share/doc/postern/config.example"
	cmp "$POSTERN_SRCDIR/contrib/completion/postern.bash" \
		"$ROOT/usr/share/bash-completion/completions/postern"
	# as root with the helper's group: set-group-ID to it
	if [ "$(id -u)" = 0 ] && getent group postern-drop >/dev/null; then
		[ "$(stat -c '%G %a' "$ROOT/usr/libexec/postern/postern-drop")" = "postern-drop 2755" ]
	fi
}

@test "a prefix elsewhere moves ExecStart with it" {
	MKVARS=(prefix=/opt/pt 'systemduserunitdir=$(prefix)/lib/systemd/user')
	inst install || { cat "$BATS_TEST_TMPDIR/make.out"; false; }
	grep -qx 'ExecStart=/opt/pt/bin/postern -q' \
		"$ROOT/opt/pt/lib/systemd/user/postern-queue.service"
	[ -x "$ROOT/opt/pt/bin/postern" ]
}

@test "systemduserunitdir empty installs no units" {
	MKVARS=(prefix=/usr systemduserunitdir= systemdsystemunitdir=)
	inst install SENDMAIL_LINKS=no
	run listing
	[ "$status" -eq 0 ]
	[[ "$output" != *systemd* ]]
	[ "$(expected_base | grep -vc 'systemd\|sysusers\|tmpfiles')" -eq "${#lines[@]}" ]
}

@test "SENDMAIL_LINKS=yes adds relative links that run postern" {
	inst install SENDMAIL_LINKS=yes || { cat "$BATS_TEST_TMPDIR/make.out"; false; }
	diff -u <({
		expected_base
		echo 'usr/bin/mailq -> postern'
		echo 'usr/bin/newaliases -> postern'
		echo 'usr/lib/sendmail -> ../sbin/sendmail'
		echo 'usr/sbin/sendmail -> ../bin/postern'
	} | LC_ALL=C sort) <(listing)
	run "$ROOT/usr/sbin/sendmail" --version
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "postern 0.1.0" ]
	run "$ROOT/usr/lib/sendmail" --version
	[ "${lines[0]}" = "postern 0.1.0" ]
	# argv[0] picks the mode: mailq lists the (empty) queue,
	# newaliases does nothing, both successfully.
	run "$ROOT/usr/bin/mailq"
	[ "$status" -eq 0 ]
	[ "$output" = "Mail queue is empty" ]
	run "$ROOT/usr/bin/newaliases"
	[ "$status" -eq 0 ]
	[ -z "$output" ]
}

@test "install never replaces a sendmail that is not its link" {
	mkdir -p "$ROOT/usr/sbin"
	printf '#!/bin/sh\necho other MTA\n' >"$ROOT/usr/sbin/sendmail"
	run inst install SENDMAIL_LINKS=yes
	[ "$status" -ne 0 ]
	grep -qF "$ROOT/usr/sbin/sendmail exists and is not a link to ../bin/postern; not replacing it (remove it first)" \
		"$BATS_TEST_TMPDIR/make.out"
	[ "$(cat "$ROOT/usr/sbin/sendmail")" = "$(printf '#!/bin/sh\necho other MTA')" ]
	# uninstall leaves it alone too
	inst uninstall SENDMAIL_LINKS=yes
	[ -f "$ROOT/usr/sbin/sendmail" ] && [ ! -h "$ROOT/usr/sbin/sendmail" ]
}

@test "installing twice is fine and make uninstall leaves no file" {
	inst install SENDMAIL_LINKS=yes
	inst install SENDMAIL_LINKS=yes || { cat "$BATS_TEST_TMPDIR/make.out"; false; }
	[ "$(listing | wc -l)" -eq "$(($(expected_base | wc -l) + 4))" ]
	inst uninstall SENDMAIL_LINKS=yes || { cat "$BATS_TEST_TMPDIR/make.out"; false; }
	run listing
	[ "$status" -eq 0 ]
	[ -z "$output" ]
}
