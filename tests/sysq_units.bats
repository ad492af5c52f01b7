#!/usr/bin/env bats
# sysq_units.bats: the system queue's systemd units as make install
# writes them (contrib/systemd: postern.service, .path, .timer) pass
# `systemd-analyze verify`; the service is hardened as postern(1) says
# (User= the system user, NoNewPrivileges, ProtectSystem=strict, the
# spool the only writable path, no capabilities); the path unit watches
# the maildrop; sysusers.d and tmpfiles.d name the user, the group and
# the spool's modes; the state directory for OAuth2 tokens is the
# unit's StateDirectory= and tmpfiles.d's.

load lib/common

setup() {
	hermetic_env
	[ -f "$POSTERN_BUILDDIR/Makefile" ] ||
		require_or_skip "no Makefile in POSTERN_BUILDDIR=$POSTERN_BUILDDIR"
	ROOT=$BATS_TEST_TMPDIR/root
	make -s -C "$POSTERN_BUILDDIR" install DESTDIR="$ROOT" prefix=/usr \
		localstatedir=/var 'systemdsystemunitdir=$(prefix)/lib/systemd/system' \
		>"$BATS_TEST_TMPDIR/make.out" 2>&1 || { cat "$BATS_TEST_TMPDIR/make.out"; return 1; }
	U=$ROOT/usr/lib/systemd/system
}

@test "the system units pass systemd-analyze verify" {
	require_cmd systemd-analyze systemd
	getent passwd postern >/dev/null || require_or_skip "no postern user (contrib/install-deps makes it)"
	local d=$BATS_TEST_TMPDIR/units u
	mkdir -p "$d"
	# the binary the units name must exist: point them at the one installed
	for u in postern.service postern.path postern.timer; do
		sed "s|/usr/bin/postern|$ROOT/usr/bin/postern|" "$U/$u" >"$d/$u"
	done
	run systemd-analyze verify --man=no "$d/postern.service" "$d/postern.path" "$d/postern.timer"
	echo "$output"
	[ "$status" -eq 0 ]
	[ -z "$output" ]
}

@test "postern.service is hardened and runs -q --system as the system user" {
	local s=$U/postern.service
	grep -qx 'User=postern' "$s"
	grep -qx 'ExecStart=/usr/bin/postern -q --system' "$s"
	grep -qx 'NoNewPrivileges=yes' "$s"
	grep -qx 'ProtectSystem=strict' "$s"
	grep -qx 'PrivateTmp=yes' "$s"
	grep -qx 'CapabilityBoundingSet=' "$s"
	grep -qx 'ReadWritePaths=/var/spool/postern' "$s"
	grep -qx 'PathChanged=/var/spool/postern/maildrop' "$U/postern.path"
	grep -qx 'Unit=postern.service' "$U/postern.path"
	grep -qx 'OnUnitActiveSec=5min' "$U/postern.timer"
	grep -qx 'u postern - "postern system mail queue" /nonexistent /usr/sbin/nologin' \
		"$ROOT/usr/lib/sysusers.d/postern.conf"
	grep -qx 'g postern-drop -' "$ROOT/usr/lib/sysusers.d/postern.conf"
	grep -Eqx 'd /var/spool/postern/maildrop +1730 postern +postern-drop +-' \
		"$ROOT/usr/lib/tmpfiles.d/postern.conf"
	grep -Eqx 'd /var/spool/postern/queue +0700 postern +postern +-' \
		"$ROOT/usr/lib/tmpfiles.d/postern.conf"
}

@test "the system queue's state directory (OAuth2 tokens): StateDirectory= in the service, tmpfiles.d" {
	local s=$U/postern.service
	grep -qx 'StateDirectory=postern' "$s"
	grep -qx 'StateDirectoryMode=0700' "$s"
	grep -Eqx 'd /var/lib/postern +0700 postern +postern +-' \
		"$ROOT/usr/lib/tmpfiles.d/postern.conf"
}
