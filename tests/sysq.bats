#!/usr/bin/env bats
# sysq.bats: the system queue (issue 15): users without a configuration
# of their own (nobody, www-data, root) submit through the set-group-ID
# postern-drop into the maildrop with the server down; postern -q
# --system (as the system user, or as root, which drops to it) delivers
# each message exactly once to the Postfix test bed with the system
# account's AUTH; --watch delivers as mail arrives; the privilege
# boundary holds (no reading entries or the secret, no forged uid, no
# -C or passwordeval of a user's choosing in the service). Each step
# runs in a private mount namespace (tests/lib/sysq.bash).

load lib/common
load lib/postfix
load lib/submit
load lib/sysq
bats_require_minimum_version 1.5.0

setup_file() {
	postfix_start
}

setup() {
	postfix_setup
	hermetic_env
	sysq_setup
}

teardown() {
	stop_watch
}

teardown_file() {
	postfix_stop
}

# stop_watch: stop the --watch service a test started (by its pid).
stop_watch() {
	local pid
	[ -n "${WATCH_PID_FILE:-}" ] && [ -s "$WATCH_PID_FILE" ] || return 0
	pid=$(cat "$WATCH_PID_FILE")
	kill "$pid" 2>/dev/null || true
	for _ in $(seq 250); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.02
	done
	rm -f "$WATCH_PID_FILE"
}

# The system account of the test bed, the server up (or port $1).
system_account() {
	sysq_conf defaults "local_domain example.test" "syslog off" \
		"timeout 10" "$(tb_account port "${1:-$TB_SUBMISSION_PORT}")"
}

# msg TOKEN: a message to bob whose subject is TOKEN, into $IN.
msg() {
	printf '%s\n' "To: bob@example.test" "Subject: $1" "" "body of $1" >"$IN"
}

@test "nobody and www-data, server down: exit 0 at once, the entry in the maildrop, owned by them, unreadable by others" {
	system_account "$(dead_port_number)"
	msg tok-sysq-down
	run --separate-stderr ns "
		t0=\$(date +%s%N)
		runuser -u nobody -- env -i PATH=/usr/bin:/bin HOME=/nonexistent \
			$NS_POSTERN -i bob@example.test <$IN || exit \$?
		t1=\$(date +%s%N)
		runuser -u www-data -- env -i PATH=/usr/bin:/bin HOME=/var/www \
			$NS_POSTERN -i bob@example.test <$IN || exit \$?
		t2=\$(date +%s%N)
		echo \$(((t1 - t0) / 1000000)) \$(((t2 - t1) / 1000000))"
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
	echo "ms: $output"
	set -- $output
	[ "$1" -lt 1000 ] && [ "$2" -lt 1000 ]
	[ "$(drop_files | wc -l)" -eq 2 ]
	owners=$(cd "$NS/spool/maildrop" && stat -c '%U:%G %a' $(drop_files) | sort -u)
	[ "$owners" = "nobody:$SYS_GROUP 444
www-data:$SYS_GROUP 444" ]
	# the first lines: the magic and the uid the helper took from getuid()
	f=$(cd "$NS/spool/maildrop" && grep -l '^uid 33$' $(drop_files))
	[ "$(head -n 2 "$NS/spool/maildrop/$f")" = "postern-maildrop 1
uid 33" ]
	# another user: no listing, no reading, no planting
	run ns "runuser -u www-data -- ls $SYS_SPOOL/maildrop"
	[ "$status" -ne 0 ]
	run ns "runuser -u nobody -- cat $SYS_SPOOL/maildrop/$f"
	[ "$status" -ne 0 ]
	[[ "$output" == *"Permission denied"* ]]
	run ns "runuser -u nobody -- sh -c ': >$SYS_SPOOL/maildrop/0000000000000000'"
	[ "$status" -ne 0 ]
	run ns "runuser -u nobody -- cat $SYS_CONF"
	[ "$status" -ne 0 ]
	[[ "$output" == *"Permission denied"* ]]
	# nor with the helper's group (a subverted helper): not the reader's
	run ns "runuser -u nobody -g $SYS_GROUP -- cat $SYS_CONF"
	[ "$status" -ne 0 ]
	[[ "$output" == *"Permission denied"* ]]
	assert_no_mail tok-sysq-down
}

@test "neither the user nor the host has an account: the message is kept in the maildrop and postern says how to make one" {
	msg tok-sysq-noacct
	[ ! -e "$NS/etc/$(basename "$SYS_CONF")" ]
	run --separate-stderr ns "runuser -u nobody -- env -i PATH=/usr/bin:/bin HOME=/nonexistent $NS_POSTERN -i bob@example.test <$IN"
	[ "$status" -eq 0 ]
	[[ "$stderr" == *"postern: queued "*" in the system queue, but this host has no account ($SYS_CONF): it waits there until the administrator makes one"* ]]
	[[ "$stderr" == *"postern --configure you@example.org --write"* ]]
	[ "$(drop_files | wc -l)" -eq 1 ]
	# with the host's account there, the drop is silent again
	system_account "$(dead_port_number)"
	run --separate-stderr ns "runuser -u nobody -- env -i PATH=/usr/bin:/bin HOME=/nonexistent $NS_POSTERN -i bob@example.test <$IN"
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
	[ "$(drop_files | wc -l)" -eq 2 ]
}

@test "postern -q --system as the system user delivers each entry exactly once with the system account's AUTH" {
	system_account
	msg tok-sysq-once
	run as nobody -i bob@example.test
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	[ "$(drop_files | wc -l)" -eq 1 ]
	run ns "runuser -u $SYS_USER -- $NS_POSTERN -q --system"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	wait_mail tok-sysq-once
	env_is sasl_username "$TB_USER"
	env_is sender nobody@example.test
	env_rcpts bob@example.test
	[ "$(drop_files | wc -l)" -eq 0 ]
	[ -z "$(ls "$NS/spool/queue/new")" ]
	# a second run sends nothing again: a later message (sent after it)
	# arrives, and still only one copy of the first
	run ns "runuser -u $SYS_USER -- $NS_POSTERN -q --system"
	[ "$status" -eq 0 ]
	msg tok-sysq-once-after
	run as nobody -i bob@example.test
	run ns "runuser -u $SYS_USER -- $NS_POSTERN -q --system"
	[ "$status" -eq 0 ]
	wait_mail tok-sysq-once-after
	[ -z "$(ls "$NS/spool/status")" ]
	[ "$(grep -l 'Subject: tok-sysq-once$' "$TB_DIR"/mail/new/*.eml | wc -l)" -eq 1 ]
}

@test "root runs -q --system as the system user; -bp --system: all for root, only their own for others, no content" {
	system_account "$(dead_port_number)"
	msg tok-sysq-root
	run as www-data -i bob@example.test
	[ "$status" -eq 0 ]
	run ns "$NS_POSTERN -q --system"
	[ "$status" -eq 0 ]
	id=$(ls "$NS/spool/queue/new" | sed -n 's/\.env$//p')
	[ -n "$id" ]
	[ "$(stat -c %U "$NS/spool/queue/new/$id.env")" = "$SYS_USER" ]
	grep -qx 'sender: www-data@example.test' "$NS/spool/queue/new/$id.env"
	run --separate-stderr ns "$NS_POSTERN -bp --system"
	[ "$status" -eq 0 ]
	[[ "$output" == *"$id"* ]]
	[[ "$output" == *"bob@example.test"* ]]
	# www-data sees its entry (no message), nobody sees nothing of it
	run --separate-stderr ns "runuser -u www-data -- $NS_POSTERN -bp --system"
	[ "$status" -eq 0 ]
	[[ "$output" == "$id  queued "*" from <www-data@example.test>"*"to <bob@example.test>: pending"*"1 attempt, last error: "* ]]
	[[ "$output" != *tok-sysq-root* ]]
	run --separate-stderr ns "runuser -u nobody -- $NS_POSTERN -bp --system"
	[ "$status" -eq 0 ]
	[ "$output" = "No mail of yours in the system queue" ]
	run ns "runuser -u nobody -- cat $SYS_SPOOL/status/$id"
	[ "$status" -ne 0 ]
	[[ "$output" == *"Permission denied"* ]]
	run ns "runuser -u nobody -- cat $SYS_SPOOL/queue/new/$id.env"
	[ "$status" -ne 0 ]
	assert_no_mail tok-sysq-root
}

@test "--watch delivers a drop as it arrives" {
	system_account
	msg tok-sysq-watch
	# the namespace's shell execs postern: its pid is postern's
	ns "echo \$\$ >$BATS_TEST_TMPDIR/watch.pid
		exec $NS_POSTERN -q --system --watch" \
		>/dev/null 2>"$BATS_TEST_TMPDIR/watch.err" 3>&- &
	WATCH_PID_FILE=$BATS_TEST_TMPDIR/watch.pid
	run as nobody -i bob@example.test
	[ "$status" -eq 0 ]
	wait_mail tok-sysq-watch 10 || { cat "$BATS_TEST_TMPDIR/watch.err"; false; }
	env_is sasl_username "$TB_USER"
	[ "$(drop_files | wc -l)" -eq 0 ]
	stop_watch
	wait
}

@test "root without a configuration of its own uses the system queue; with one, its own" {
	system_account "$(dead_port_number)"
	msg tok-sysq-rootcfg
	run ns "env -i PATH=/usr/bin:/bin HOME=$HOME $NS_POSTERN -i bob@example.test <$IN"
	[ "$status" -eq 0 ]
	[ "$(drop_files | wc -l)" -eq 1 ]
	[ "$(stat -c %U "$NS/spool/maildrop/$(drop_files)")" = root ]
	submit_config "$(tb_account port "$(dead_port_number)")"
	run --separate-stderr ns "env -i PATH=/usr/bin:/bin HOME=$HOME $NS_POSTERN -i bob@example.test <$IN"
	[ "$status" -eq 0 ]
	[[ "$stderr" == *"queued "* ]]
	[ "$(drop_files | wc -l)" -eq 1 ]
	[ -n "$(ls "$HOME/.local/state/postern/queue/new")" ]
}

# feed USER: the helper run as USER with $BATS_TEST_TMPDIR/rec on stdin.
feed() {
	chmod 644 "$BATS_TEST_TMPDIR/rec"
	run --separate-stderr ns "runuser -u $1 -- $SYS_HELPER <$BATS_TEST_TMPDIR/rec"
}

@test "the helper refuses a forged uid and arguments; the service refuses -C and a foreign owner, and runs no command" {
	system_account
	printf 'postern-drop 1\nuid 0\narg root@example.test\ndata\nSubject: x\n\nx\n' \
		>"$BATS_TEST_TMPDIR/rec"
	feed nobody
	[ "$status" -eq 65 ]
	[[ "$stderr" == *"malformed record"* ]]
	[ "$(drop_files | wc -l)" -eq 0 ]
	[ -z "$(ls "$NS/spool/maildrop")" ]
	# -C naming a file whose passwordeval would leave a mark
	evil=$BATS_TEST_TMPDIR/evil.conf
	printf '%s\n' "account default" "host localhost" "from x@example.test" \
		"user x" "passwordeval touch $BATS_TEST_TMPDIR/ran" >"$evil"
	chmod 644 "$evil"
	printf 'postern-drop 1\narg -C\narg %s\narg bob@example.test\ndata\nSubject: tok-sysq-evil\n\nx\n' \
		"$evil" >"$BATS_TEST_TMPDIR/rec"
	feed nobody
	[ "$status" -eq 0 ]
	# a file owned by nobody that names uid 33 (as if planted)
	id=0000000000000001
	printf 'postern-maildrop 1\nuid 33\narg bob@example.test\ndata\nSubject: tok-sysq-forged\n\nx\n' \
		>"$NS/spool/maildrop/$id"
	chown "nobody:$SYS_GROUP" "$NS/spool/maildrop/$id"
	chmod 444 "$NS/spool/maildrop/$id"
	run --separate-stderr ns "runuser -u $SYS_USER -- $NS_POSTERN -v -q --system"
	[ "$status" -eq 0 ]
	[[ "$stderr" == *"only sending is allowed through the system queue"* ]]
	[[ "$stderr" == *"$id (uid 65534) refused"*"does not name its owner"* ]]
	[ ! -e "$BATS_TEST_TMPDIR/ran" ]
	[ "$(drop_files | wc -l)" -eq 0 ]
	[ "$(ls "$NS/spool/maildrop" | grep -c '^x\.')" -eq 2 ]
	assert_no_mail tok-sysq-evil
	assert_no_mail tok-sysq-forged
}

@test "the system account's password from a systemd credential (CREDENTIALS_DIRECTORY)" {
	# reachable by the system user through the namespace's mount
	local creds=$NS/libexec/creds ns_creds
	ns_creds=$(dirname "$SYS_HELPER")/creds
	sysq_conf defaults "local_domain example.test" "syslog off" "timeout 10" \
		"$(tb_account password '' password_credential postern-password)"
	! grep -q '^password ' "$NS/etc/$(basename "$SYS_CONF")"
	mkdir -p "$creds"
	printf '%s\n' "$TB_PASS" >"$creds/postern-password"
	chown -R "$SYS_USER" "$creds"
	chmod 700 "$creds"
	chmod 400 "$creds/postern-password"
	msg tok-sysq-cred
	run as nobody -i bob@example.test
	[ "$status" -eq 0 ]
	# without the variable: held, not lost
	run --separate-stderr ns "runuser -u $SYS_USER -- $NS_POSTERN -v -q --system"
	[[ "$stderr" == *'$CREDENTIALS_DIRECTORY is not set'* ]]
	[ -n "$(ls "$NS/spool/queue/new")" ]
	run --separate-stderr ns "runuser -u $SYS_USER -- env CREDENTIALS_DIRECTORY=$ns_creds $NS_POSTERN -v -q --system"
	[ "$status" -eq 0 ]
	[[ "$stderr" == *"--> AUTH"* ]]
	wait_mail tok-sysq-cred
	env_is sasl_username "$TB_USER"
	[ -z "$(ls "$NS/spool/queue/new")" ]
}

@test "system mail to and from root: the account's aliases map both, so notices reach the admin" {
	printf '%s\n' "root: bob@example.test" >"$NS/etc/aliases"
	chmod 644 "$NS/etc/aliases"
	sysq_conf defaults "local_domain example.test" "syslog off" "timeout 10" \
		"aliases $(dirname "$SYS_CONF")/aliases" \
		"$(tb_account port "$(dead_port_number)")"
	msg tok-sysq-alias
	run ns "env -i PATH=/usr/bin:/bin HOME=$HOME $NS_POSTERN -i root <$IN"
	[ "$status" -eq 0 ]
	run ns "runuser -u $SYS_USER -- $NS_POSTERN -q --system"
	[ "$status" -eq 0 ]
	env=$(ls "$NS"/spool/queue/new/*.env)
	grep -qx 'sender: bob@example.test' "$env"
	grep -qx 'rcpt: pending bob@example.test' "$env"
	# a user without an alias: qualified with local_domain
	run as nobody -i root
	run ns "runuser -u $SYS_USER -- $NS_POSTERN -q --system"
	grep -qx 'sender: nobody@example.test' "$NS"/spool/queue/new/*.env
}

@test "system_direct on: users deliver at once with the system account; a temporary failure lands in the system queue" {
	sysq_conf defaults "local_domain example.test" "syslog off" "timeout 10" \
		"system_direct on" "$(tb_account)"
	chmod 644 "$NS/etc/$(basename "$SYS_CONF")"
	msg tok-sysq-direct
	run --separate-stderr as nobody -i bob@example.test
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
	wait_mail tok-sysq-direct
	env_is sasl_username "$TB_USER"
	# as msmtp: the account's from, unless -f
	env_is sender "$TB_USER"
	[ -z "$(drop_files)" ]
	[ -z "$(ls /tmp | grep '^postern-direct\.' || true)" ]
	# the server down: into the maildrop, exit 0
	sysq_conf defaults "local_domain example.test" "syslog off" "timeout 10" \
		"system_direct on" "$(tb_account port "$(dead_port_number)")"
	chmod 644 "$NS/etc/$(basename "$SYS_CONF")"
	msg tok-sysq-direct-down
	run --separate-stderr as nobody -i bob@example.test
	[ "$status" -eq 0 ]
	[ "$(drop_files | wc -l)" -eq 1 ]
	# without system_direct the same readable file is not used directly
	sysq_conf defaults "local_domain example.test" "syslog off" "timeout 10" \
		"$(tb_account)"
	chmod 644 "$NS/etc/$(basename "$SYS_CONF")"
	msg tok-sysq-nodirect
	run --separate-stderr as nobody -i bob@example.test
	[ "$status" -eq 0 ]
	[ "$(drop_files | wc -l)" -eq 2 ]
	assert_no_mail tok-sysq-nodirect
}

@test "a drop the configuration cannot take yet stays in the maildrop for the next run" {
	system_account "$(dead_port_number)"
	msg tok-sysq-keep
	run as nobody -a later -i bob@example.test
	[ "$status" -eq 0 ]
	id=$(drop_files)
	[ -n "$id" ]
	run --separate-stderr ns "runuser -u $SYS_USER -- $NS_POSTERN -v -q --system"
	[ "$status" -eq 0 ]
	[[ "$stderr" == *"maildrop file $id left for the next run: "*"later"* ]]
	[ "$(drop_files)" = "$id" ]
	# the administrator adds the account: the next run takes it
	sysq_conf defaults "local_domain example.test" "syslog off" "timeout 10" \
		"$(tb_account port "$(dead_port_number)")" \
		"$(tb_account port "$(dead_port_number)" | sed 's/^account default$/account later/')"
	run --separate-stderr ns "runuser -u $SYS_USER -- $NS_POSTERN -v -q --system"
	[ -z "$(drop_files)" ]
	grep -qx 'account: later' "$NS/spool/queue/new/$id.env"
}

@test "a message the service refuses: kept as x.ID, and the user gets a notice from the null sender" {
	system_account
	printf 'To: bob@example.test\nSubject: tok-sysq-nul\n\nbody \0 with a NUL\n' >"$IN"
	run as nobody -i bob@example.test
	[ "$status" -eq 0 ]
	id=$(drop_files)
	[ -n "$id" ]
	run --separate-stderr ns "runuser -u $SYS_USER -- $NS_POSTERN -v -q --system"
	[ "$status" -eq 0 ]
	[[ "$stderr" == *"maildrop file $id (uid 65534) refused and kept as x.$id"* ]]
	[ -e "$NS/spool/maildrop/x.$id" ]
	wait_mail "refused by the system queue ($id)"
	env_is sender ""
	env_rcpts nobody@example.test
	grep -q "as $id, but the queue could not take it" "$mail_eml"
	! grep -q 'with a NUL' "$mail_eml"
	assert_no_mail tok-sysq-nul
}
