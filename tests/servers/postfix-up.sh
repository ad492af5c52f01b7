#!/bin/sh
# postfix-up.sh: start a private Postfix plus an auth-only Dovecot for tests.
#
# Usage: postfix-up.sh DIR          (as root; stop with postfix-down.sh DIR)
#
# Everything lives under DIR (absolute, no spaces; DIR and its parents must
# be traversable by nobody). /etc/postfix is only read (postfix-files);
# /etc/dovecot is not used. Every listener is on 127.0.0.1 (and [::1]):
#   plain      TB_PLAIN_PORT       BASE+25   no STARTTLS, no AUTH
#   submission TB_SUBMISSION_PORT  BASE+587  STARTTLS required, AUTH after TLS
#   smtps      TB_SMTPS_PORT       BASE+465  implicit TLS, AUTH required
# and submission/smtps twins presenting a bad certificate:
#   wrong CA   TB_SUBMISSION_WRONGCA_PORT   BASE+588, TB_SMTPS_WRONGCA_PORT   BASE+466
#   expired    TB_SUBMISSION_EXPIRED_PORT   BASE+589, TB_SMTPS_EXPIRED_PORT   BASE+467
#   otherhost  TB_SUBMISSION_OTHERHOST_PORT BASE+590, TB_SMTPS_OTHERHOST_PORT BASE+468
# BASE is TB_PORT_BASE (10000). More knobs: TB_AUTH_MECHS, TB_SIZE_LIMIT,
# TB_HOSTNAME, TB_CERT_DIR (default DIR/certs, made by mkcerts.sh if
# missing), TB_IPV6=auto|yes|no, TB_KEEP_MAIL=1 (keep mail and queue),
# TB_SMTPUTF8=yes|no (smtputf8_enable, default yes),
# TB_OAUTH2_ISSUER=URL (the test OAuth2 provider, tests/servers/oauth2:
# Dovecot's oauth2 passdb checks XOAUTH2/OAUTHBEARER tokens by
# introspection, and those two mechanisms are offered too).
# Mail is delivered by capture.sh into DIR/mail/new (*.eml + *.env).
# Writes DIR/env (shell-sourceable TB_* variables) when everything is up.
# Exit 0: up; 75: a port is already bound (try another base); 1: error.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
die() { echo "postfix-up: $*" >&2; exit 1; }

[ $# -eq 1 ] || { echo "usage: postfix-up.sh DIR" >&2; exit 64; }
case $1 in /*) dir=$1 ;; *) dir=$(pwd)/$1 ;; esac
case $dir in *[[:space:]\'\"]*) die "DIR must not contain blanks or quotes" ;; esac
[ "$(id -u)" = 0 ] || die "must run as root (Postfix master, Dovecot)"

# Postfix binds with SO_REUSEPORT: a second instance on the same ports
# would start without error and steal connections. So the port check and
# the start run under one lock shared by all test beds on this machine.
if [ -z "${TB_UP_LOCKED:-}" ]; then
	export TB_UP_LOCKED=1
	exec flock -o -w 60 "${TB_LOCK:-/tmp/postern-testbed.lock}" \
	    sh "$here/postfix-up.sh" "$dir"
fi

base=${TB_PORT_BASE:-10000}
plain=${TB_PLAIN_PORT:-$((base + 25))}
sub=${TB_SUBMISSION_PORT:-$((base + 587))}
smtps=${TB_SMTPS_PORT:-$((base + 465))}
sub_wrongca=${TB_SUBMISSION_WRONGCA_PORT:-$((base + 588))}
smtps_wrongca=${TB_SMTPS_WRONGCA_PORT:-$((base + 466))}
sub_expired=${TB_SUBMISSION_EXPIRED_PORT:-$((base + 589))}
smtps_expired=${TB_SMTPS_EXPIRED_PORT:-$((base + 467))}
sub_other=${TB_SUBMISSION_OTHERHOST_PORT:-$((base + 590))}
smtps_other=${TB_SMTPS_OTHERHOST_PORT:-$((base + 468))}
ports="$plain $sub $smtps $sub_wrongca $smtps_wrongca $sub_expired"
ports="$ports $smtps_expired $sub_other $smtps_other"
mechs=${TB_AUTH_MECHS:-plain login scram-sha-1 scram-sha-256}
size=${TB_SIZE_LIMIT:-10240000}
host=${TB_HOSTNAME:-testbed.example.test}
smtputf8=${TB_SMTPUTF8:-yes}
case $smtputf8 in yes | no) ;; *) die "TB_SMTPUTF8 must be yes or no" ;; esac
certs=${TB_CERT_DIR:-$dir/certs}
etc=$dir/postfix/etc
spool=$dir/postfix/spool
dove=$dir/dovecot
sock=$dove/run/auth-postfix

# Loopback addresses to bind: 127.0.0.1 always, [::1] if the kernel has it.
ipv6=${TB_IPV6:-auto}
if [ "$ipv6" = auto ]; then
	ipv6=no
	grep -q '^0\{31\}1 ' /proc/net/if_inet6 2>/dev/null && ipv6=yes
fi
addrs=127.0.0.1 protos=ipv4
[ "$ipv6" = yes ] && addrs="127.0.0.1 [::1]" protos="ipv4, ipv6"

[ ${#sock} -lt 100 ] || die "DIR too long: $sock must be < 100 chars"
# A live (not zombie) master PID means this DIR is in use.
pid=$(tr -d " " 2>/dev/null <"$spool/pid/master.pid") || pid=
state=$(sed 's/.*) //' "/proc/${pid:-0}/stat" 2>/dev/null | cut -c1) || :
case $state in '' | Z) ;; *) die "an instance is already running in $dir" ;; esac
for p in $ports; do
	if [ -n "$(ss -Hltn "sport = :$p")" ]; then
		echo "postfix-up: port $p is already bound" >&2
		exit 75
	fi
done

# From here on, a failure shows what went wrong and tears down.
fail() {
	echo "postfix-up: $*" >&2
	for f in "$dove/start.out" "$dove/dovecot.log" "$dir/postfix/start.out" \
	    "$dir/postfix/maillog"; do
		[ -s "$f" ] && { echo "--- $f" >&2; tail -n 20 "$f" >&2; }
	done
	# Postfix reports errors on stderr only when it is a tty (pitfall 3).
	script -qec "postfix -c '$etc' check" /dev/null </dev/null >&2 || :
	code=1
	grep -qs 'Address already in use' "$dir/postfix/maillog" && code=75
	case $* in *" listeners on "*) code=75 ;; esac
	sh "$here/postfix-down.sh" "$dir" >&2 || :
	exit "$code"
}

# --- directories and certificates ---------------------------------------
mkdir -p "$dir"
chmod 755 "$dir"
: >"$dir/.postern-testbed" # marker: postfix-down.sh --purge may remove DIR
if [ "${TB_KEEP_MAIL:-0}" != 1 ]; then
	rm -rf "$dir/mail" "$spool"
fi
rm -rf "$dove/run" "$dove/dovecot.log" "$dir/postfix/maillog"
mkdir -p "$etc" "$spool" "$dir/postfix/data" "$dove/run" "$dove/state" \
    "$dir/bin" "$dir/mail/tmp" "$dir/mail/new"
chown nobody:nogroup "$dir/mail" "$dir/mail/tmp" "$dir/mail/new"
chown postfix "$dir/postfix/data"
cp "$here/capture.sh" "$dir/bin/capture"
chmod 644 "$dir/bin/capture"
[ -f "$certs/ca.crt" ] || sh "$here/mkcerts.sh" "$certs" ||
    fail "mkcerts.sh $certs failed"
# shellcheck disable=SC2016 # $1, $2 belong to the inner sh
runuser -u nobody -- sh -c 'test -r "$1" && test -w "$2"' sh \
    "$dir/bin/capture" "$dir/mail/tmp" ||
    fail "nobody cannot use $dir (every parent needs o+x)"

# --- Dovecot: auth only, unix sockets only ------------------------------
cat >"$dove/passwd" <<'EOF'
alice@example.test:{PLAIN}s3cret p@ss
bob@example.test:{PLAIN}hunter2 b0b
EOF
chgrp dovecot "$dove/passwd"
chmod 640 "$dove/passwd"
oauth2_passdb=
if [ -n "${TB_OAUTH2_ISSUER:-}" ]; then
	mechs="$mechs xoauth2 oauthbearer"
	cat >"$dove/oauth2.conf.ext" <<EOF
introspection_mode = post
introspection_url = $TB_OAUTH2_ISSUER/test/introspection
client_id = dovecot
client_secret = dovecot-secret
username_attribute = sub
active_attribute = active
active_value = true
scope = smtp
EOF
	chgrp dovecot "$dove/oauth2.conf.ext"
	chmod 640 "$dove/oauth2.conf.ext"
	oauth2_passdb="passdb {
  driver = oauth2
  mechanisms = xoauth2 oauthbearer
  args = $dove/oauth2.conf.ext
}"
fi
cat >"$dove/dovecot.conf" <<EOF
# Generated by postfix-up.sh: auth-only Dovecot for the test bed.
instance_name = postern-tb-$(printf %s "$dir" | cksum | cut -d' ' -f1)
base_dir = $dove/run
state_dir = $dove/state
log_path = $dove/dovecot.log
protocols = none
ssl = no
disable_plaintext_auth = no
auth_mechanisms = $mechs
auth_failure_delay = 0
auth_verbose = yes
$oauth2_passdb
passdb {
  driver = passwd-file
  args = scheme=PLAIN $dove/passwd
}
userdb {
  driver = static
  args = uid=nobody gid=nogroup home=/nonexistent
}
service auth {
  unix_listener auth-postfix {
    mode = 0660
    user = postfix
    group = postfix
  }
}
# One failed AUTH would otherwise slow the next ones by 2..15 s.
service anvil {
  unix_listener anvil-auth-penalty {
    mode = 0
  }
}
EOF

# --- Postfix: main.cf, master.cf, magic-address maps ----------------------
cat >"$etc/sender_access" <<'EOF'
reject@example.test    553 5.7.1 Sender rejected by the test bed
tempfail@example.test  451 4.3.0 Sender temporarily refused by the test bed
EOF
cat >"$etc/recipient_access" <<'EOF'
reject@example.test    550 5.1.1 Recipient rejected by the test bed
tempfail@example.test  450 4.2.1 Recipient temporarily unavailable (test bed)
EOF
cat >"$etc/main.cf" <<EOF
# Generated by postfix-up.sh: private test instance, loopback only.
compatibility_level = 3.6
queue_directory = $spool
data_directory = $dir/postfix/data
maillog_file = $dir/postfix/maillog
maillog_file_prefixes = $dir
myhostname = $host
mydestination =
relay_domains =
inet_interfaces = loopback-only
inet_protocols = $protos
mynetworks = 127.0.0.0/8 [::1]/128
smtp_dns_support_level = disabled
biff = no
smtputf8_enable = $smtputf8
message_size_limit = $size
mailbox_size_limit = 0
# No local delivery: keep smtpd away from /etc/aliases and NIS.
alias_maps =
alias_database =
local_recipient_maps =
# Deliver what the client sent, plus one Received: header.
local_header_rewrite_clients =
always_add_missing_headers = no
# Every recipient goes, in one delivery, to the capture script.
default_transport = capture:testbed
local_transport = capture:testbed
relay_transport = capture:testbed
virtual_transport = capture:testbed
capture_destination_recipient_limit = 1000
smtpd_banner = \$myhostname ESMTP mail-testbed
smtpd_error_sleep_time = 0
# Restrictions apply at the command they belong to (MAIL, RCPT).
smtpd_delay_reject = no
smtpd_sender_restrictions = check_sender_access texthash:$etc/sender_access
smtpd_recipient_restrictions =
    check_recipient_access texthash:$etc/recipient_access
smtpd_relay_restrictions = permit_mynetworks, reject
tb_auth_sender_restrictions = check_sender_access texthash:$etc/sender_access,
    permit_sasl_authenticated, reject
tb_auth_relay_restrictions = permit_sasl_authenticated, reject
smtpd_tls_cert_file = $certs/server.crt
smtpd_tls_key_file = $certs/server.key
smtpd_tls_security_level = none
smtpd_tls_auth_only = yes
smtpd_tls_received_header = yes
smtpd_sasl_auth_enable = no
smtpd_sasl_type = dovecot
smtpd_sasl_path = $sock
smtpd_sasl_authenticated_header = yes
smtpd_sasl_security_options = noanonymous
smtpd_sasl_tls_security_options = noanonymous
EOF

# smtpd NAME PORT [-o k=v...]: one smtpd entry per loopback address.
smtpd() {
	name=$1 port=$2
	shift 2
	for a in $addrs; do
		echo "$a:$port inet n - n - - smtpd"
		echo "  -o syslog_name=postfix/$name -o myhostname=$name.$host $*"
	done
}
auth="-o smtpd_sasl_auth_enable=yes -o smtpd_tls_security_level=encrypt"
auth="$auth -o smtpd_sender_restrictions=\$tb_auth_sender_restrictions"
auth="$auth -o smtpd_relay_restrictions=\$tb_auth_relay_restrictions"
wrap="-o smtpd_tls_wrappermode=yes"
# cert NAME: use NAME.crt/NAME.key from the cert dir.
cert() {
	echo "-o smtpd_tls_cert_file=$certs/$1.crt" \
	    "-o smtpd_tls_key_file=$certs/$1.key"
}
{
	echo "# Generated by postfix-up.sh. chroot is off everywhere."
	smtpd plain "$plain"
	smtpd submission "$sub" "$auth"
	smtpd smtps "$smtps" "$auth $wrap"
	smtpd submission-wrongca "$sub_wrongca" "$auth $(cert wrongca-server)"
	smtpd smtps-wrongca "$smtps_wrongca" "$auth $wrap $(cert wrongca-server)"
	smtpd submission-expired "$sub_expired" "$auth $(cert expired)"
	smtpd smtps-expired "$smtps_expired" "$auth $wrap $(cert expired)"
	smtpd submission-otherhost "$sub_other" "$auth $(cert otherhost)"
	smtpd smtps-otherhost "$smtps_other" "$auth $wrap $(cert otherhost)"
	cat <<EOF
pickup    unix  n - n 60   1 pickup
cleanup   unix  n - n -    0 cleanup
qmgr      unix  n - n 300  1 qmgr
tlsmgr    unix  - - n 1000? 1 tlsmgr
rewrite   unix  - - n -    - trivial-rewrite
bounce    unix  - - n -    0 bounce
defer     unix  - - n -    0 bounce
trace     unix  - - n -    0 bounce
verify    unix  - - n -    1 verify
flush     unix  n - n 1000? 0 flush
proxymap  unix  - - n -    - proxymap
showq     unix  n - n -    - showq
error     unix  - - n -    - error
retry     unix  - - n -    - error
discard   unix  - - n -    - discard
anvil     unix  - - n -    1 anvil
scache    unix  - - n -    1 scache
postlog   unix-dgram n - n - 1 postlogd
capture   unix  - n n -    - pipe user=nobody null_sender=
  argv=/bin/sh $dir/bin/capture $dir/mail queue_id=\${queue_id}
  sender=\${sender} size=\${size} sasl_method=\${sasl_method}
  sasl_username=\${sasl_username} sasl_sender=\${sasl_sender}
  client_address=\${client_address} client_port=\${client_port}
  client_helo=\${client_helo} client_protocol=\${client_protocol}
  -- \${recipient}
EOF
} >"$etc/master.cf"

# Postfix re-reads files younger than 2 s on every command (pitfall 1).
old=$(($(date +%s) - 60))
touch -d "@$old" "$etc"/* "$dove/dovecot.conf" "$dove/passwd"

# --- start: std fds on files, or $(postfix-up.sh) would hang (pitfall 2) ---
# Dovecot also keeps any other inherited fd (bats' fd 3, make's jobserver
# pipe): close 3..9 too.
dovecot -c "$dove/dovecot.conf" </dev/null >"$dove/start.out" 2>&1 \
    3>&- 4>&- 5>&- 6>&- 7>&- 8>&- 9>&- || fail "dovecot did not start"
i=0
until [ -S "$sock" ]; do
	i=$((i + 1))
	[ $i -lt 250 ] || fail "no Dovecot socket $sock after 5 s"
	sleep 0.02
done
postfix -c "$etc" start </dev/null >"$dir/postfix/start.out" 2>&1 \
    3>&- 4>&- 5>&- 6>&- 7>&- 8>&- 9>&- || fail "postfix did not start"

# master -w returns once every listener is bound; check them all anyway
# with ss (a bare connect would upset the implicit-TLS smtpd, pitfall 9).
# Exactly one listener per address and port: ours.
listening=$(ss -Hltn)
for p in $ports; do
	for a in $addrs; do
		n=$(printf '%s\n' "$listening" | grep -cF " $a:$p ") || :
		[ "$n" = 1 ] || fail "$n listeners on $a:$p instead of one"
	done
done

cat >"$dir/env" <<EOF
TB_DIR='$dir'
TB_PORT_BASE='$base'
TB_PLAIN_PORT='$plain'
TB_SUBMISSION_PORT='$sub'
TB_SMTPS_PORT='$smtps'
TB_SUBMISSION_WRONGCA_PORT='$sub_wrongca'
TB_SMTPS_WRONGCA_PORT='$smtps_wrongca'
TB_SUBMISSION_EXPIRED_PORT='$sub_expired'
TB_SMTPS_EXPIRED_PORT='$smtps_expired'
TB_SUBMISSION_OTHERHOST_PORT='$sub_other'
TB_SMTPS_OTHERHOST_PORT='$smtps_other'
TB_IPV6='$ipv6'
TB_HOSTNAME='$host'
TB_SMTPUTF8='$smtputf8'
TB_AUTH_MECHS='$mechs'
TB_SIZE_LIMIT='$size'
TB_CERT_DIR='$certs'
TB_CA='$certs/ca.crt'
TB_WRONG_CA='$certs/wrong-ca.crt'
TB_SERVER_SHA256='$(cat "$certs/server.sha256")'
TB_USER='alice@example.test'
TB_PASS='s3cret p@ss'
TB_USER2='bob@example.test'
TB_PASS2='hunter2 b0b'
TB_MAILDIR='$dir/mail'
TB_MAILLOG='$dir/postfix/maillog'
TB_POSTFIX_CONFIG='$etc'
export TB_DIR TB_PORT_BASE TB_PLAIN_PORT TB_SUBMISSION_PORT TB_SMTPS_PORT
export TB_SUBMISSION_WRONGCA_PORT TB_SMTPS_WRONGCA_PORT
export TB_SUBMISSION_EXPIRED_PORT TB_SMTPS_EXPIRED_PORT
export TB_SUBMISSION_OTHERHOST_PORT TB_SMTPS_OTHERHOST_PORT
export TB_IPV6 TB_HOSTNAME TB_SMTPUTF8 TB_AUTH_MECHS TB_SIZE_LIMIT TB_CERT_DIR TB_CA
export TB_WRONG_CA TB_SERVER_SHA256 TB_USER TB_PASS TB_USER2 TB_PASS2
export TB_MAILDIR TB_MAILLOG TB_POSTFIX_CONFIG
EOF
