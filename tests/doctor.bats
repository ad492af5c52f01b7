#!/usr/bin/env bats
# doctor.bats: postern --doctor and --serverinfo against the real Postfix
# + Dovecot test bed: a correct account is all OK (exit 0); port 465 with
# STARTTLS (and 587 with implicit TLS), a certificate for another name,
# an unresolvable host, a wrong password and an untrusted CA each give
# their PROBLEM line and fix (exit 1); the keyring absent, locked and
# unlocked; a held queue entry; colours on a terminal and NO_COLOR; and
# port 25 silently dropped (nft DROP in a private network namespace)
# reported as blocked within the probe timeout.

load lib/common
load lib/keyring
load lib/postfix

setup_file() {
	postfix_start
}

setup() {
	postfix_setup
	hermetic_env
	PROBE="--probe-ports $TB_PLAIN_PORT,$TB_SUBMISSION_PORT,$TB_SMTPS_PORT"
}

teardown() {
	keyring_stop
}

teardown_file() {
	postfix_stop
}

# write_config PORT [EXTRA LINES...]: account "tb" (the default).
write_config() {
	local port=$1 line
	shift
	mkdir -p "$XDG_CONFIG_HOME/postern"
	{
		echo "account tb"
		echo "host localhost"
		echo "port $port"
		echo "tls_trust_file $TB_CA"
		echo "user $TB_USER"
		echo "from $TB_USER"
		for line in "$@"; do echo "$line"; done
		echo "account default : tb"
	} >"$XDG_CONFIG_HOME/postern/config"
	chmod 600 "$XDG_CONFIG_HOME/postern/config"
}

# has_line TEXT: $output has a line equal to TEXT.
has_line() {
	local l
	while IFS= read -r l; do
		[ "$l" = "$1" ] && return 0
	done <<<"$output"
	echo "no line: $1"
	echo "output was:"
	echo "$output"
	return 1
}

@test "--doctor: a correct account is all OK, logs in, sends no mail, exit 0" {
	write_config "$TB_SUBMISSION_PORT" "password \"$TB_PASS\""
	before=$(wc -l <"$TB_MAILLOG")
	run "$POSTERN" --doctor $PROBE
	[ "$status" -eq 0 ]
	has_line "OK       config: $XDG_CONFIG_HOME/postern/config (mode 0600, owner uid $(id -u))"
	has_line "OK       account: tb ($XDG_CONFIG_HOME/postern/config:1)" # "default : tb" names tb
	has_line "OK       settings: host localhost, port $TB_SUBMISSION_PORT (STARTTLS), auth on, user $TB_USER, from $TB_USER, password from the config file"
	has_line "OK       port 25: localhost port $TB_PLAIN_PORT is reachable: 220 plain.testbed.example.test ESMTP mail-testbed: this network does not block outbound port 25"
	[[ $output == *"OK       port $TB_SUBMISSION_PORT (STARTTLS): localhost answers: 220 submission.testbed.example.test ESMTP mail-testbed; TLS "*"; extensions: PIPELINING, SIZE 10240000, "*"AUTH PLAIN LOGIN SCRAM-SHA-1 SCRAM-SHA-256"* ]]
	[[ $output == *"OK       port $TB_SMTPS_PORT (implicit TLS): localhost answers: 220 smtps.testbed.example.test ESMTP"* ]]
	[[ $output == *"OK       certificate: chain trusted, name matches; subject O=postern test bed,CN=localhost; issuer O=postern test bed,CN=postern test CA; expires "*" days)"* ]]
	has_line "OK       auth: offered after TLS: PLAIN LOGIN SCRAM-SHA-1 SCRAM-SHA-256; postern picks SCRAM-SHA-256"
	has_line "OK       password: from the configuration file (password)"
	has_line "OK       login: AUTH SCRAM-SHA-256 as $TB_USER accepted; QUIT sent, no mail was sent"
	has_line "OK       queue: empty ($XDG_STATE_HOME/postern/queue)"
	has_line "11 ok, 0 info, 0 warnings, 0 problems"
	[[ $output != *PROBLEM* && $output != *WARN* ]]
	[[ $output != *$'\033'* ]] # not a terminal: no colour
	# AUTH then QUIT: Postfix saw sessions, no failed login, no message.
	sleep 0.5
	log=$(tail -n +"$((before + 1))" "$TB_MAILLOG")
	[[ $log == *"postfix/submission/smtpd"*"disconnect from localhost"* ]]
	[[ $log != *"authentication failed"* && $log != *"from=<"* ]]
}

@test "--doctor: port 465 with STARTTLS is named, with tls_starttls off, at once" {
	write_config "$TB_SMTPS_PORT" "password \"$TB_PASS\""
	SECONDS=0
	run "$POSTERN" --doctor $PROBE
	[ "$status" -eq 1 ]
	[ "$SECONDS" -lt 5 ] # no wait for a greeting that never comes
	has_line "PROBLEM  tls mode: port $TB_SMTPS_PORT speaks TLS from the first byte (implicit TLS, like 465), but the account uses STARTTLS: postern would wait for a greeting that never comes"
	has_line "         fix: tls_starttls off"
	has_line "INFO     login: not tried: the server did not answer as configured"
	has_line "8 ok, 1 info, 0 warnings, 1 problem"
}

@test "--doctor: port 587 with implicit TLS is named, with tls_starttls on" {
	write_config "$TB_SUBMISSION_PORT" "password \"$TB_PASS\"" "tls_starttls off"
	run "$POSTERN" --doctor $PROBE
	[ "$status" -eq 1 ]
	has_line "PROBLEM  tls mode: port $TB_SUBMISSION_PORT expects STARTTLS (like 587), but the account uses TLS from the first byte: the handshake fails"
	has_line "         fix: tls_starttls on"
}

@test "--doctor: a certificate for another name: PROBLEM, fix host NAME" {
	write_config "$TB_SUBMISSION_OTHERHOST_PORT" "password \"$TB_PASS\""
	run "$POSTERN" --doctor $PROBE
	[ "$status" -eq 1 ]
	has_line "PROBLEM  port $TB_SUBMISSION_OTHERHOST_PORT (STARTTLS): localhost: TLS certificate refused: the host name in it does not match"
	has_line "         fix: host otherhost.example.test"
}

@test "--doctor: a server name that does not resolve: PROBLEM, fix host" {
	write_config "$TB_SUBMISSION_PORT" "password \"$TB_PASS\""
	sed -i 's/^host localhost$/host smtp.nowhere.invalid/' \
		"$XDG_CONFIG_HOME/postern/config"
	run "$POSTERN" --doctor $PROBE
	[ "$status" -eq 1 ]
	[[ $output == *"PROBLEM  port $TB_SUBMISSION_PORT (STARTTLS): cannot resolve smtp.nowhere.invalid: "* ]]
	[[ $output == *"; set host to the submission server your provider names (such as smtp.example.org)"* ]]
	[[ $output != *"fix: host"* ]] # nothing pasteable to offer
}

@test "--doctor: a wrong password: the login PROBLEM and the line to change" {
	write_config "$TB_SUBMISSION_PORT" 'password "not it"'
	run "$POSTERN" --doctor $PROBE
	[ "$status" -eq 1 ]
	has_line "PROBLEM  login: authentication failed (AUTH SCRAM-SHA-256): 535 5.7.8 Error: authentication failed: (reason unavailable); the password came from the configuration file ($XDG_CONFIG_HOME/postern/config:7, password): correct it there"
	[[ $output != *"fix: password"* ]] # no placeholder to paste
	has_line "10 ok, 0 info, 0 warnings, 1 problem"
}

@test "--doctor: an untrusted CA: PROBLEM, fix tls_trust_file or the pin" {
	write_config "$TB_SUBMISSION_WRONGCA_PORT" "password \"$TB_PASS\""
	run "$POSTERN" --doctor $PROBE
	[ "$status" -eq 1 ]
	has_line "PROBLEM  port $TB_SUBMISSION_WRONGCA_PORT (STARTTLS): localhost: TLS certificate refused: its issuer is not in the trusted CAs (tls_trust_file); issuer O=postern test bed,CN=postern WRONG test CA: check the certificate with your provider before pinning it, or set tls_trust_file to the CA that issued it"
	pin=$(certtool --fingerprint --hash=sha256 --infile "$TB_CERT_DIR/wrongca-server.crt" 2>/dev/null |
		tr a-f A-F | sed 's/../&:/g; s/:$//')
	has_line "         fix: tls_fingerprint $pin"
	# The pin it proposes works.
	write_config "$TB_SUBMISSION_WRONGCA_PORT" "password \"$TB_PASS\"" "tls_fingerprint $pin"
	run "$POSTERN" --doctor $PROBE
	[[ $output == *"OK       certificate: matches tls_fingerprint (chain and name not checked); "* ]]
	has_line "OK       login: AUTH SCRAM-SHA-256 as $TB_USER accepted; QUIT sent, no mail was sent"
}

@test "--doctor --no-login: no AUTH is tried" {
	write_config "$TB_SUBMISSION_PORT" 'password "not it"'
	run "$POSTERN" --doctor tb --no-login $PROBE
	[ "$status" -eq 0 ]
	has_line "OK       account: tb ($XDG_CONFIG_HOME/postern/config:1)"
	has_line "INFO     login: skipped (--no-login)"
}

@test "--doctor: no D-Bus session bus: the keyring is reported unreachable" {
	"$POSTERN" --version | grep -q '^Keyring: *libsecret' ||
		require_or_skip "postern was built without libsecret"
	write_config "$TB_SUBMISSION_PORT"
	run env -u DBUS_SESSION_BUS_ADDRESS "$POSTERN" --doctor $PROBE
	[ "$status" -eq 1 ]
	has_line "PROBLEM  keyring: the keyring is not reachable: no D-Bus session bus (DBUS_SESSION_BUS_ADDRESS is not set, as under cron, ssh or a system service); mail is queued until it answers"
	has_line "         fix: unlock the keyring (log in to the desktop session)"
	has_line "INFO     login: not tried: no password"
}

@test "--doctor: the keyring unlocked, then locked" {
	"$POSTERN" --version | grep -q '^Keyring: *libsecret' ||
		require_or_skip "postern was built without libsecret"
	keyring_start "$BATS_TEST_TMPDIR/kr"
	write_config "$TB_SUBMISSION_PORT"
	"$POSTERN" --store-password --password-stdin <<<"$TB_PASS"
	run "$POSTERN" --doctor $PROBE
	[ "$status" -eq 0 ]
	has_line "OK       password: from the keyring (org.postern.Password) (reachable and unlocked)"
	has_line "OK       login: AUTH SCRAM-SHA-256 as $TB_USER accepted; QUIT sent, no mail was sent"
	keyring_lock
	run "$POSTERN" --doctor $PROBE
	[ "$status" -eq 1 ]
	has_line "PROBLEM  keyring: the keyring is locked: once it is unlocked (log in to the desktop session), queued mail goes out at the next queue run (postern -q)"
	# ~/.netrc answers after it: the locked keyring is only a warning.
	printf 'machine localhost login %s password "%s"\n' "$TB_USER" "$TB_PASS" >"$HOME/.netrc"
	chmod 600 "$HOME/.netrc"
	run "$POSTERN" --doctor $PROBE
	[ "$status" -eq 0 ]
	has_line "WARN     keyring: the keyring is locked: once it is unlocked (log in to the desktop session), queued mail goes out at the next queue run (postern -q)"
	has_line "OK       password: from ~/.netrc"
}

@test "--doctor: a held queue entry is named with its reason" {
	write_config "$TB_SUBMISSION_PORT" "password \"$TB_PASS\""
	q=$XDG_STATE_HOME/postern/queue
	mkdir -p "$q/new" "$q/tmp" "$q/failed"
	chmod -R 700 "$XDG_STATE_HOME/postern"
	umask 077 # an entry others may read is refused
	id=0123456789abcdef
	printf 'Subject: x\r\n\r\nbody\r\n' >"$q/new/$id.msg"
	created=$(($(date +%s) - 2 * 3600 - 5 * 60))
	cat >"$q/new/$id.env" <<-EOF
		postern-queue: 1
		id: $id
		account: tb
		sender: $TB_USER
		created: $created
		size: 23
		body: 7bit
		smtputf8: no
		attempts: 3
		next-attempt: $created
		last-error: 535 5.7.8 authentication failed
		held: authentication refused: 535 5.7.8 authentication failed
		rcpt: pending bob@example.test
		end: postern-queue
	EOF
	run "$POSTERN" --doctor --no-login $PROBE
	[ "$status" -eq 0 ]
	has_line "OK       queue: 1 entry in $q, the oldest 2 h 5 min old; postern -q sends what is due"
	has_line "WARN     queue: account tb is held (1 entry): authentication refused: 535 5.7.8 authentication failed; once the cause is fixed, send them now"
	has_line "         fix: postern --flush"
}

@test "--doctor: colours on a terminal, none with NO_COLOR" {
	require_cmd script bsdutils
	write_config "$TB_SUBMISSION_PORT" "password \"$TB_PASS\""
	run script -qec "$POSTERN --doctor --no-login $PROBE" /dev/null
	[ "$status" -eq 0 ]
	[[ $output == *$'\033[32mOK     \033[0m  account: tb'* ]]
	[[ $output == *$'\033[34mINFO   \033[0m  login: skipped'* ]]
	run env NO_COLOR=1 script -qec "$POSTERN --doctor --no-login $PROBE" /dev/null
	[ "$status" -eq 0 ]
	[[ $output == *"OK       account: tb"* ]]
	[[ $output != *$'\033'* ]]
}

@test "--serverinfo: banner, extensions with SIZE in MiB, AUTH, TLS, certificate, pin" {
	write_config "$TB_SUBMISSION_PORT"
	run "$POSTERN" --serverinfo
	[ "$status" -eq 0 ]
	has_line "server:         localhost port $TB_SUBMISSION_PORT (STARTTLS)"
	has_line "banner:         220 submission.testbed.example.test ESMTP mail-testbed"
	has_line "extensions:     PIPELINING"
	has_line "                SIZE 10240000 (9.8 MiB)"
	has_line "auth:           PLAIN LOGIN SCRAM-SHA-1 SCRAM-SHA-256 (postern would use SCRAM-SHA-256)"
	[[ $output == *"tls:            TLS1."*", cipher "* ]]
	has_line "subject:        O=postern test bed,CN=localhost"
	has_line "issuer:         O=postern test bed,CN=postern test CA"
	has_line "verified:       ca+hostname"
	has_line "sha-256:        $TB_SERVER_SHA256"
	has_line "pin with:       tls_fingerprint $TB_SERVER_SHA256"
	# stdout that cannot be written: EX_IOERR, and no message made of an
	# error that was never set
	run --separate-stderr sh -c '"$POSTERN" --serverinfo >/dev/full'
	[ "$status" -eq 74 ]
	[ "$stderr" = "" ]
}

@test "--serverinfo: an expired certificate is shown, refused, exit 77" {
	write_config "$TB_SMTPS_EXPIRED_PORT" "tls_starttls off"
	run "$POSTERN" --serverinfo tb
	[ "$status" -eq 77 ]
	has_line "server:         localhost port $TB_SMTPS_EXPIRED_PORT (implicit TLS)"
	[[ $output == *"expires:        2002-"*" days ago)"* ]]
	has_line "verified:       REFUSED: localhost: TLS certificate refused: it has expired"
	has_line "postern: localhost: TLS certificate refused: it has expired"
}

# In a private network namespace: lo up, TCP to PORTS dropped by nft.
netns_drop() {
	require_cmd unshare util-linux
	require_cmd nft nftables
	unshare -n true 2>/dev/null || require_or_skip "unshare -n is not permitted here"
	cat >"$BATS_TEST_TMPDIR/drop.sh" <<-EOF
		set -e
		ip link set lo up
		nft add table inet t
		nft add chain inet t in '{ type filter hook input priority 0; }'
		nft add rule inet t in tcp dport '{ $1 }' drop
		shift
		exec "\$@"
	EOF
}

@test "--doctor: port 25 silently dropped is blocked within the timeout; OP25B, no problem on 587" {
	netns_drop 2525
	write_config 2587 'password "x"'
	sed -i 's/^host localhost$/host 127.0.0.1/' "$XDG_CONFIG_HOME/postern/config"
	SECONDS=0
	run unshare -n sh "$BATS_TEST_TMPDIR/drop.sh" x "$POSTERN" --doctor \
		--probe-ports 2525,0,0 --probe-timeout 2
	[ "$SECONDS" -lt 6 ]
	has_line "OK       port 25: 127.0.0.1 port 2525 is blocked (timed out within the probe timeout): this network (or the server) stops connections to port 25, as providers do against spam (Outbound Port 25 Blocking, OP25B); not a problem: the account submits on the submission port"
	# The account's own port (nothing listens) is the problem here.
	has_line "PROBLEM  port 2587 (STARTTLS): no answer: cannot connect to 127.0.0.1 port 2587: Connection refused"
}

@test "--doctor: an account on port 25 behind OP25B: PROBLEM, fix port 587" {
	netns_drop 2525
	write_config 2525 'password "x"'
	sed -i 's/^host localhost$/host 127.0.0.1/' "$XDG_CONFIG_HOME/postern/config"
	run unshare -n sh "$BATS_TEST_TMPDIR/drop.sh" x "$POSTERN" --doctor \
		--probe-ports 2525,0,0 --probe-timeout 1
	[ "$status" -eq 1 ]
	has_line "PROBLEM  port 25: 127.0.0.1 port 2525 is blocked (timed out within the probe timeout): this network (or the server) stops connections to port 25, as providers do against spam (Outbound Port 25 Blocking, OP25B); the account submits on port 25, so mail cannot go out"
	has_line "         fix: port 587"
	has_line "         fix: tls_starttls on"
}

@test "--doctor on a dead network: every step bounded, the run ends in time" {
	netns_drop 2525,2587,2465
	write_config 2587 'password "x"'
	sed -i 's/^host localhost$/host 127.0.0.1/' "$XDG_CONFIG_HOME/postern/config"
	SECONDS=0
	run unshare -n sh "$BATS_TEST_TMPDIR/drop.sh" x "$POSTERN" --doctor \
		--probe-ports 2525,2587,2465 --probe-timeout 2
	[ "$status" -eq 1 ]
	[ "$SECONDS" -lt 12 ]
	has_line "PROBLEM  port 2587 (STARTTLS): no answer: cannot connect to 127.0.0.1 port 2587: Connection timed out"
	[[ $output != *"port 2465"* ]] # a port the account does not use: no line
}

@test "--doctor: usage errors" {
	run "$POSTERN" --doctor --probe-ports 1,2,3,4
	[ "$status" -eq 64 ]
	[ "$output" = "postern: --probe-ports 1,2,3,4: more than three ports (use SMTP,SUBMISSION,SUBMISSIONS, e.g. 25,587,465; 0 skips one)" ]
	run "$POSTERN" --no-login a@b.example
	[ "$status" -eq 64 ]
	run "$POSTERN" --serverinfo --no-login
	[ "$status" -eq 64 ]
	[ "$output" = "postern: --no-login only applies to --doctor" ]
	run "$POSTERN" --doctor --probe-timeout 0
	[ "$status" -eq 64 ]
}
