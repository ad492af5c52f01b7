#!/bin/sh
# debian-package.sh (make check-long): build the Debian packages from the
# `make dist` tarball with contrib/debian as debian/, as a packager would:
# dpkg-buildpackage -us -uc -b must succeed, lintian must report no
# error, postern must carry the program and postern-mta exactly the four
# sendmail links with Provides/Conflicts/Replaces mail-transport-agent,
# postern-drop in postern and the system queue's units, sysusers.d and
# tmpfiles.d files in postern-mta, whose postinst makes the helper
# set-group-ID (dpkg-statoverride), the spool, and enables postern.path
# and postern.timer; and both unpacked (dpkg -x, never installed: postern-mta would replace
# this machine's /usr/sbin/sendmail) into a throwaway root must run:
# postern --version and sendmail --version print "postern VERSION"; and
# with the unpacked postern-mta's sendmail bind-mounted over
# /usr/sbin/sendmail in a private mount namespace, bsd-mailx's
# `echo test | mail -s hi user@...` goes through postern to the test
# Postfix (as installing postern-mta would make it do).
# Prints TAP. Needs dpkg-dev, debhelper, fakeroot, lintian and the build
# dependencies (contrib/install-deps installs them); without them it
# skips, or fails under POSTERN_TEST_REQUIRE_ALL=1.
set -u
srcdir=${POSTERN_SRCDIR:?POSTERN_SRCDIR unset}
builddir=${POSTERN_BUILDDIR:?POSTERN_BUILDDIR unset}
version=$(sed -n 's/^AC_INIT(\[postern\], \[\([^]]*\)\].*/\1/p' \
	"$srcdir/configure.ac")

missing=
for c in dpkg-buildpackage dh fakeroot lintian; do
	command -v "$c" >/dev/null 2>&1 || missing="$missing $c"
done
if [ -z "$missing" ] &&
	! (cd "$srcdir/contrib" && dpkg-checkbuilddeps debian/control) \
		>/dev/null 2>&1; then
	missing=" build dependencies of contrib/debian/control"
fi
if [ -n "$missing" ]; then
	if [ "${POSTERN_TEST_REQUIRE_ALL:-0}" = 1 ]; then
		echo "1..1"
		echo "not ok 1 - missing:$missing (contrib/install-deps)"
		exit 1
	fi
	echo "1..0 # SKIP missing:$missing (contrib/install-deps)"
	exit 0
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/postern-deb.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
n=0
fail=0
ok() { n=$((n + 1)); echo "ok $n - $*"; }
notok() {
	n=$((n + 1))
	echo "not ok $n - $*"
	fail=1
}
# check DESCRIPTION COMMAND...: ok when COMMAND succeeds, else its output.
check() {
	d=$1
	shift
	if out=$("$@" 2>&1); then
		ok "$d"
	else
		notok "$d"
		printf '%s\n' "$out" | tail -n 40 | sed 's/^/#   /'
	fi
}
echo "1..13"

# 1. The release tarball, unpacked with contrib/debian as debian/.
tarball=$builddir/postern-$version.tar.gz
check "make dist" make -s -C "$builddir" dist
tar -C "$tmp" -xzf "$tarball" && cp "$tarball" "$tmp/postern_$version.orig.tar.gz"
src=$tmp/postern-$version
cp -R "$src/contrib/debian" "$src/debian"

# 2. The binary packages.
check "dpkg-buildpackage -us -uc -b" \
	sh -c "cd '$src' && dpkg-buildpackage -us -uc -b"
deb=$(ls "$tmp"/postern_"$version"-*_*.deb 2>/dev/null | head -n 1)
mta=$(ls "$tmp"/postern-mta_"$version"-*_all.deb 2>/dev/null | head -n 1)
changes=$(ls "$tmp"/postern_"$version"-*_*.changes 2>/dev/null | head -n 1)
if [ -z "$deb" ] || [ -z "$mta" ]; then
	notok "no packages built"
	exit 1
fi

# 3. lintian: no error (warnings are printed, not failures).
lint=$(lintian --no-tag-display-limit "$changes" 2>&1)
errors=$(printf '%s\n' "$lint" | grep -c '^E: ')
if [ "$errors" -eq 0 ]; then
	ok "lintian reports no error"
else
	notok "lintian reports $errors errors"
fi
printf '%s\n' "$lint" | grep -E '^[EW]: ' | sed 's/^/#   /'

# 4. postern-mta: the MTA relations and exactly the four links.
fields=$(dpkg-deb -f "$mta" Provides Conflicts Replaces Depends)
expect="Provides: mail-transport-agent
Conflicts: mail-transport-agent
Replaces: mail-transport-agent
Depends: postern (>= $version-1), adduser"
if [ "$fields" = "$expect" ]; then
	ok "postern-mta provides, conflicts with and replaces mail-transport-agent"
else
	notok "postern-mta control fields"
	printf '%s\n' "$fields" | sed 's/^/#   /'
fi
links=$(dpkg-deb -c "$mta" | awk '$1 ~ /^l/ { print $6, $7, $8 }' | sort)
want="./usr/bin/mailq -> postern
./usr/bin/newaliases -> postern
./usr/lib/sendmail -> ../sbin/sendmail
./usr/sbin/sendmail -> ../bin/postern
./usr/share/man/man8/mailq.8.gz -> ../man1/postern.1.gz
./usr/share/man/man8/newaliases.8.gz -> ../man1/postern.1.gz
./usr/share/man/man8/sendmail.8.gz -> ../man1/postern.1.gz"
if [ "$links" = "$want" ]; then
	ok "postern-mta holds the sendmail, mailq and newaliases links"
else
	notok "postern-mta links"
	printf '%s\n' "$links" | sed 's/^/#   /'
fi

# 5. postern: the program, units, completions, man pages; no sendmail.
files=$(dpkg-deb -c "$deb" | awk '{ print $6 }')
miss=
for f in ./usr/bin/postern ./usr/lib/systemd/user/postern-queue.service \
	./usr/lib/systemd/user/postern-queue.timer \
	./usr/share/bash-completion/completions/postern \
	./usr/share/zsh/vendor-completions/_postern \
	./usr/share/doc/postern/config.example \
	./usr/share/doc/postern/examples/gmail \
	./usr/share/man/man5/postern.conf.5.gz \
	./usr/libexec/postern/postern-drop; do
	printf '%s\n' "$files" | grep -qxF "$f" || miss="$miss $f"
done
printf '%s\n' "$files" | grep -q 'sendmail$' && miss="$miss (has a sendmail)"
if [ -z "$miss" ]; then
	ok "postern holds the program, units, completions and docs"
else
	notok "postern's files:$miss"
fi

# 6a. postern-mta: the system queue's units, sysusers.d and tmpfiles.d
# files; its postinst makes the helper set-group-ID (dpkg-statoverride),
# the spool and the state directory (/var/lib/postern: OAuth2 tokens),
# and enables postern.path and postern.timer.
mfiles=$(dpkg-deb -c "$mta" | awk '{ print $6 }')
miss=
for f in ./lib/systemd/system/postern.service \
	./lib/systemd/system/postern.path \
	./lib/systemd/system/postern.timer \
	./usr/lib/sysusers.d/postern.conf ./usr/lib/tmpfiles.d/postern.conf; do
	printf '%s\n' "$mfiles" | grep -qxF "$f" || miss="$miss $f"
done
if [ -z "$miss" ]; then
	ok "postern-mta holds the system units, sysusers.d and tmpfiles.d"
else
	notok "postern-mta's files:$miss"
fi
ctl=$tmp/mta-control
dpkg-deb -e "$mta" "$ctl"
if grep -q 'dpkg-statoverride --update --add root postern-drop 2755 "$HELPER"' "$ctl/postinst" &&
	grep -q 'HELPER=/usr/libexec/postern/postern-drop' "$ctl/postinst" &&
	grep -q '1730 "$SPOOL/maildrop"' "$ctl/postinst" &&
	grep -q 'install -d -o postern -g postern -m 0700 "$STATE"' "$ctl/postinst" &&
	grep -q 'STATE=/var/lib/postern' "$ctl/postinst" &&
	grep -q "deb-systemd-helper.*enable.*postern.path" "$ctl/postinst" &&
	grep -q "deb-systemd-helper.*enable.*postern.timer" "$ctl/postinst"; then
	ok "postern-mta's postinst: statoverride 2755 root:postern-drop, spool 1730, state directory 0700, path and timer enabled"
else
	notok "postern-mta's postinst"
	sed 's/^/#   /' "$ctl/postinst"
fi

# 6-7. Unpacked into a throwaway root, the program runs under both names.
root=$tmp/root
dpkg -x "$deb" "$root" && dpkg -x "$mta" "$root"
check "postern --version from the package" \
	sh -c "'$root/usr/bin/postern' --version | head -n 1 | grep -qx 'postern $version'"
check "the packaged postern names /var/spool/postern and the packaged helper" \
	sh -c "'$root/usr/bin/postern' --version | grep -qx 'System queue: *\/var\/spool\/postern (user postern, group postern-drop)' &&
		'$root/usr/bin/postern' --version | grep -qx 'Maildrop helper: *\/usr\/libexec\/postern\/postern-drop' &&
		'$root/usr/bin/postern' --version | grep -qx 'System state: *\/var\/lib\/postern (or \$STATE_DIRECTORY)' &&
		grep -qx 'StateDirectory=postern' '$root/lib/systemd/system/postern.service' &&
		test -f '$root/usr/libexec/postern/postern-drop' &&
		grep -qx 'ExecStart=/usr/bin/postern -q --system' '$root/lib/systemd/system/postern.service' &&
		grep -qx 'PathChanged=/var/spool/postern/maildrop' '$root/lib/systemd/system/postern.path'"
check "sendmail --version from postern-mta" \
	sh -c "'$root/usr/sbin/sendmail' --version | head -n 1 | grep -qx 'postern $version'"
grep -qx 'ExecStart=/usr/bin/postern -q' \
	"$root/usr/lib/systemd/user/postern-queue.service" &&
	ok "the user unit runs /usr/bin/postern -q" ||
	notok "the user unit's ExecStart"

# 8. bsd-mailx through the packaged sendmail, to the test Postfix.
mailx_through_package() {
	servers=$srcdir/tests/servers
	tb=$(mktemp -d /tmp/pt-deb.XXXXXX) && chmod 755 "$tb" || return 1
	for base in 24000 26000 28000 30000; do
		TB_PORT_BASE=$base sh "$servers/postfix-up.sh" "$tb" \
			>"$tmp/postfix-up.log" 2>&1 && break
		[ $? -eq 75 ] || break
	done
	if [ ! -s "$tb/env" ]; then
		cat "$tmp/postfix-up.log"
		rm -rf "$tb"
		return 1
	fi
	. "$tb/env"
	home=$tmp/home
	mkdir -p "$home/.config/postern"
	printf '%s\n' "account default" "host localhost" \
		"port $TB_SUBMISSION_PORT" "tls_trust_file $TB_CA" \
		"user $TB_USER" "password \"$TB_PASS\"" "from $TB_USER" \
		>"$home/.config/postern/config"
	chmod 600 "$home/.config/postern/config"
	token=deb-mailx-$$
	echo test | HOME=$home XDG_CONFIG_HOME=$home/.config \
		XDG_STATE_HOME=$home/.local/state unshare -m sh -c '
		mount --bind "$1" /usr/sbin/sendmail || exit 99
		exec mail -s "$2" bob@example.test' sh \
		"$root/usr/sbin/sendmail" "$token"
	rc=$?
	env=$(sh "$servers/wait-mail.sh" "$tb" "Subject: $token" 10)
	found=$?
	[ $found -eq 0 ] && grep -qx "sasl_username=$TB_USER" "$env" &&
		grep -qx "recipient=bob@example.test" "$env"
	found=$?
	sh "$servers/postfix-down.sh" "$tb" --purge >/dev/null 2>&1
	[ $rc -eq 0 ] && [ $found -eq 0 ]
}
if [ "$(id -u)" -ne 0 ] || ! command -v mail >/dev/null 2>&1 ||
	! command -v postfix >/dev/null 2>&1 ||
	[ ! -e /usr/sbin/sendmail ]; then
	if [ "${POSTERN_TEST_REQUIRE_ALL:-0}" = 1 ]; then
		notok "bsd-mailx through postern-mta: needs root, mail (bsd-mailx), postfix and a /usr/sbin/sendmail to cover"
	else
		n=$((n + 1))
		echo "ok $n # SKIP bsd-mailx through postern-mta: needs root, mail (bsd-mailx), postfix"
	fi
else
	check "bsd-mailx's mail goes through postern-mta's sendmail" \
		mailx_through_package
fi
exit $fail
