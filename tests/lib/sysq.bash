# sysq.bash: the system queue's test rig (tests/sysq.bats). Load after
# common.bash.
#
# The spool, the helper's path and the system configuration are fixed at
# build time (postern --version prints them) and postern-drop honours no
# override, so each step runs in a private mount namespace (unshare -m)
# in which those three directories and the system state directory are
# bind mounts of directories of the test ($NS/spool, $NS/libexec,
# $NS/etc, $NS/state: 0700 the system user's), visible from outside the
# namespace too. A directory that does not exist on the host (say
# /usr/local/var) is made inside a tmpfs laid over its deepest existing
# ancestor, whose entries are bind-mounted back.
#
#   sysq_setup         per test: root, unshare and runuser or skip; the
#                      system user and group (created if missing, as
#                      contrib/install-deps does); $NS with the spool
#                      (maildrop 1730, queue 0700, status 0755), a set-group-ID copy of
#                      postern-drop and a copy of postern ($NS_POSTERN
#                      inside the namespace)
#   sysq_conf TEXT...  the system configuration (root:the system user's
#                      own group, 0640; not the helper's group)
#   ns CMD...          run CMD (a shell string) in a new namespace
#   as USER CMD...     run postern as USER in a namespace, HOME of the
#                      user, PATH only, message on stdin from $IN
#   drop_files         the finished maildrop files (names)

sysq_paths() {
	local v
	v=$("$POSTERN" --version) || return 1
	SYS_SPOOL=$(sed -n 's/^System queue: *\([^ ]*\) (user \([^,]*\), group \(.*\))$/\1/p' <<<"$v")
	SYS_USER=$(sed -n 's/^System queue: .*(user \([^,]*\),.*/\1/p' <<<"$v")
	SYS_GROUP=$(sed -n 's/^System queue: .*, group \(.*\))$/\1/p' <<<"$v")
	SYS_HELPER=$(sed -n 's/^Maildrop helper: *//p' <<<"$v")
	SYS_CONF=$(sed -n 's/^System config: *//p' <<<"$v")
	SYS_STATE=$(sed -n 's/^System state: *\([^ ]*\).*/\1/p' <<<"$v")
	[ -n "$SYS_SPOOL" ] && [ -n "$SYS_HELPER" ] && [ -n "$SYS_CONF" ] &&
		[ -n "$SYS_STATE" ]
}

# The helper's group, and the system user with a group of its own
# (SYS_UGROUP), which alone reads the system file.
sysq_users() {
	getent group "$SYS_GROUP" >/dev/null ||
		groupadd --system "$SYS_GROUP" || return 1
	getent passwd "$SYS_USER" >/dev/null ||
		useradd --system --user-group --home-dir /nonexistent \
			--no-create-home --shell /usr/sbin/nologin "$SYS_USER" ||
		return 1
	SYS_UGROUP=$(id -gn "$SYS_USER")
	[ "$SYS_UGROUP" != "$SYS_GROUP" ]
}

sysq_setup() {
	[ "$(id -u)" = 0 ] || require_or_skip "the system queue tests need root"
	require_cmd unshare util-linux
	require_cmd runuser util-linux
	require_cmd useradd passwd
	sysq_paths || { echo "cannot read the paths from --version"; return 1; }
	sysq_users || { echo "cannot create the system user"; return 1; }
	NS=$BATS_TEST_TMPDIR/ns
	mkdir -p "$NS/spool/maildrop" "$NS/spool/queue" "$NS/spool/status" \
		"$NS/libexec" "$NS/etc" "$NS/state"
	chmod 755 "$NS" "$NS/spool" "$NS/libexec" "$NS/etc" "$NS/spool/status"
	chown "$SYS_USER:$SYS_GROUP" "$NS/spool/maildrop"
	chown "$SYS_USER:$SYS_UGROUP" "$NS/spool/queue" "$NS/spool/status"
	chmod 1730 "$NS/spool/maildrop"
	chmod 700 "$NS/spool/queue"
	chown "$SYS_USER:$SYS_UGROUP" "$NS/state"
	chmod 700 "$NS/state"
	cp "$POSTERN_BUILDDIR/src/postern-drop" "$NS/libexec/postern-drop"
	chgrp "$SYS_GROUP" "$NS/libexec/postern-drop"
	chmod 2755 "$NS/libexec/postern-drop"
	cp "$POSTERN" "$NS/libexec/postern"
	chmod 755 "$NS/libexec/postern"
	NS_POSTERN=$(dirname "$SYS_HELPER")/postern
	IN=$BATS_TEST_TMPDIR/in
	printf 'Subject: hello\n\nbody\n' >"$IN"
	chmod 644 "$IN"
	export NS NS_POSTERN SYS_SPOOL SYS_HELPER SYS_CONF SYS_USER SYS_GROUP \
		SYS_UGROUP SYS_STATE IN
}

sysq_conf() {
	printf '%s\n' "$@" >"$NS/etc/$(basename "$SYS_CONF")"
	chown "root:$SYS_UGROUP" "$NS/etc/$(basename "$SYS_CONF")"
	chmod 640 "$NS/etc/$(basename "$SYS_CONF")"
}

# The mount script: shadow the deepest existing ancestor of each target
# that is missing, then bind the test's directories.
_ns_prelude() {
	cat <<'SH'
set -e
shadowed=
shadow() {
	d=$1
	while [ ! -e "$d" ]; do d=$(dirname "$d"); done
	[ "$d" != "$1" ] || return 0
	case " $shadowed " in *" $d "*) mkdir -p "$1"; return 0;; esac
	shadowed="$shadowed $1"
	p=$1
	while [ "$p" != "$d" ]; do shadowed="$shadowed $p"; p=$(dirname "$p"); done
	shadowed="$shadowed $d"
	[ "$d" != / ] || { echo "cannot shadow /" >&2; exit 99; }
	keep=$(mktemp -d "$NS/keep.XXXXXX")
	mount --bind "$d" "$keep"
	mount -t tmpfs -o mode=755 tmpfs "$d"
	for e in "$keep"/* "$keep"/.[!.]*; do
		[ -e "$e" ] || [ -h "$e" ] || continue
		n=$d/$(basename "$e")
		if [ -h "$e" ]; then cp -P "$e" "$n"
		elif [ -d "$e" ]; then mkdir "$n"; mount --bind "$e" "$n"
		else : >"$n"; mount --bind "$e" "$n"; fi
	done
	mkdir -p "$1"
}
shadow "$SYS_SPOOL"
mount --bind "$NS/spool" "$SYS_SPOOL"
shadow "$(dirname "$SYS_HELPER")"
mount --bind "$NS/libexec" "$(dirname "$SYS_HELPER")"
shadow "$(dirname "$SYS_CONF")"
mount --bind "$NS/etc" "$(dirname "$SYS_CONF")"
shadow "$SYS_STATE"
mount --bind "$NS/state" "$SYS_STATE"
set +e
SH
}

ns() {
	unshare -m --propagation private bash -c "$(_ns_prelude)
$*"
}

# as USER [ARGS...]: postern ARGS as USER with a bare environment.
as() {
	local user=$1 home
	shift
	home=$(getent passwd "$user" | cut -d: -f6)
	ns "$(printf '%q ' runuser -u "$user" -- env -i PATH=/usr/bin:/bin \
		HOME="$home" "$NS_POSTERN" "$@") <$(printf '%q' "$IN")"
}

drop_files() {
	ls "$NS/spool/maildrop" | grep -E '^[0-9a-f]{16}$' || true
}

# A port nothing listens on.
dead_port_number() {
	"$PYTHON3" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}
