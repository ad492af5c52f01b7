#!/bin/sh
# keyring-ctl.sh: query, lock or unlock the test keyring's default collection.
#
# Usage: keyring-ctl.sh status|lock|unlock [DIR]
#
# The environment comes from DIR/keyring.env (written by keyring-up.sh);
# DIR defaults to $TB_KEYRING_DIR. Without either, the current
# DBUS_SESSION_BUS_ADDRESS and TB_KEYRING_PASSWORD are used.
#   status  prints "locked" or "unlocked"
#   lock    org.freedesktop.Secret.Service.Lock via dbus-send
#           (secret-tool lock hangs with libsecret 0.20.5)
#   unlock  gnome-keyring's internal UnlockWithMasterPassword with the
#           keyring password, via /usr/bin/python3 and python3-dbus (a
#           second gnome-keyring-daemon --unlock would start a new daemon)
# lock and unlock verify the new state. Exit 0 on success, 1 on failure,
# 2 on usage errors.
set -eu

die() {
	echo "keyring-ctl: $*" >&2
	exit 1
}

case ${1:-} in
status | lock | unlock) cmd=$1 ;;
*)
	echo "usage: keyring-ctl.sh status|lock|unlock [DIR]" >&2
	exit 2
	;;
esac
dir=${2:-${TB_KEYRING_DIR:-}}
if [ -n "$dir" ]; then
	[ -r "$dir/keyring.env" ] || die "no $dir/keyring.env"
	. "$dir/keyring.env"
fi
[ -n "${DBUS_SESSION_BUS_ADDRESS:-}" ] || die "no DBUS_SESSION_BUS_ADDRESS"
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3

bus_call() {
	dbus-send --session --print-reply --reply-timeout=25000 \
		--dest=org.freedesktop.secrets "$@"
}

default_path() {
	bus_call /org/freedesktop/secrets org.freedesktop.Secret.Service.ReadAlias \
		string:default | sed -n 's/.*object path "\(.*\)"/\1/p'
}

state() {
	r=$(bus_call /org/freedesktop/secrets/aliases/default \
		org.freedesktop.DBus.Properties.Get \
		string:org.freedesktop.Secret.Collection string:Locked) ||
		die "cannot read the default collection"
	case $r in
	*"boolean true"*) echo locked ;;
	*"boolean false"*) echo unlocked ;;
	*) die "unexpected reply: $r" ;;
	esac
}

do_lock() {
	path=$(default_path)
	[ -n "$path" ] || die "no default collection"
	bus_call /org/freedesktop/secrets org.freedesktop.Secret.Service.Lock \
		"array:objpath:$path" >/dev/null || die "Lock failed"
}

do_unlock() {
	TB_KEYRING_PASSWORD=${TB_KEYRING_PASSWORD:-keyring-pass} \
		"$PY" -c '
import os, sys
import dbus
bus = dbus.SessionBus()
svc = bus.get_object("org.freedesktop.secrets", "/org/freedesktop/secrets")
service = dbus.Interface(svc, "org.freedesktop.Secret.Service")
path = service.ReadAlias("default")
if path == "/":
    sys.exit("no default collection")
_, session = service.OpenSession("plain", dbus.String("", variant_level=1))
pw = os.environ["TB_KEYRING_PASSWORD"].encode()
secret = dbus.Struct((session, dbus.ByteArray(b""), dbus.ByteArray(pw),
                      "text/plain"), signature="oayays")
internal = dbus.Interface(
    svc, "org.gnome.keyring.InternalUnsupportedGuiltRiddenInterface")
internal.UnlockWithMasterPassword(path, secret)
bus.get_object("org.freedesktop.secrets", session).Close(
    dbus_interface="org.freedesktop.Secret.Session")
' || die "unlock failed"
}

case $cmd in
status) state ;;
lock)
	do_lock
	[ "$(state)" = locked ] || die "still unlocked after Lock"
	;;
unlock)
	do_unlock
	[ "$(state)" = unlocked ] || die "still locked after unlock"
	;;
esac
