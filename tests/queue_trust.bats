#!/usr/bin/env bats
# queue_trust.bats: the queue is the user's alone (issue 18 item 3). An
# entry planted by another user (owned by nobody), an entry others may
# read, a queue_dir in a shared directory made by another user, a
# directory others may write, a symlinked entry and a symlinked
# directory: each is refused with an error naming the path (an entry:
# a note under -v, and the run goes on; a directory: the run or
# submission fails, 78), and nothing planted is ever sent with the
# user's account.

load lib/common
load lib/faultserver
load lib/queue
bats_require_minimum_version 1.5.0

teardown() {
	fault_stop
	[ -z "${SHARED:-}" ] || rm -rf "$SHARED"
}

# queued TOKEN: submit TOKEN to a dead server (queued); print its id.
queued() {
	send "$1" -odq bob@example.test
	local id
	for id in $(ids); do
		if grep -q "^Subject: $1"$'\r'"$" "$Q/new/$id.msg"; then
			echo "$id"
		fi
	done
}

@test "an entry owned by another user is refused and never sent; the user's own goes" {
	config "$(dead_port)"
	mine=$(queued tok-mine)
	planted=$(queued tok-planted)
	chown nobody "$Q/new/$planted.msg" "$Q/new/$planted.env"
	server
	run -0 "$POSTERN" -q -v
	echo "$output"
	[[ "$output" == *"$planted: $Q/new/$planted.msg is not owned by you (owner uid 65534); postern will not use it; not sent"* ]]
	[ "$(count_delivered tok-mine)" = 1 ]
	[ "$(count_delivered tok-planted)" = 0 ]
	[ "$(ids)" = "$planted" ]
	[ -n "$mine" ]
}

@test "an entry others may read is refused: chmod 600 named" {
	config "$(dead_port)"
	id=$(queued tok-open)
	chmod 644 "$Q/new/$id.env"
	server
	run -0 "$POSTERN" -q -v
	echo "$output"
	[[ "$output" == *"$id: $Q/new/$id.env may be read or changed by group or others (mode 0644); postern will not use it: chmod 600 $Q/new/$id.env; not sent"* ]]
	[ "$(count_delivered tok-open)" = 0 ]
}

@test "queue_dir in a shared directory, made and filled by another user: refused" {
	config "$(dead_port)"
	id=$(queued tok-evil)
	SHARED=$(mktemp -d /tmp/postern-shared.XXXXXX)
	chmod 1777 "$SHARED"
	runuser -u nobody -- mkdir -m 700 "$SHARED/q" "$SHARED/q/new" \
		"$SHARED/q/tmp" "$SHARED/q/failed"
	for f in "$Q/new/$id.msg" "$Q/new/$id.env"; do
		runuser -u nobody -- sh -c 'umask 077; cat >"$1"' sh \
			"$SHARED/q/new/${f##*/}" <"$f"
	done
	rm -f "$Q/new/$id.msg" "$Q/new/$id.env"
	server
	config "$FAULT_PORT" queue_dir "$SHARED/q"
	run -78 "$POSTERN" -q
	echo "$output"
	[ "$output" = "postern: $SHARED/q is not owned by you (owner uid 65534); postern will not use it" ]
	[ "$(count_delivered tok-evil)" = 0 ]
	[ ! -e "$FAULT_DIR/session-1.log" ]
}

@test "a queue directory group or others may write is refused, for runs and new messages" {
	config "$(dead_port)"
	id=$(queued tok-wide)
	chmod 777 "$Q/new"
	run -78 "$POSTERN" -q
	[ "$output" = "postern: $Q/new may be read or changed by group or others (mode 0777); postern will not use it: chmod 700 $Q/new" ]
	run -78 "$POSTERN" -bp
	[ "$output" = "postern: $Q/new may be read or changed by group or others (mode 0777); postern will not use it: chmod 700 $Q/new" ]
	run send tok-wide2 -odq bob@example.test
	echo "$output"
	[ "$status" -ne 0 ]
	[[ "$output" == *"$Q/new may be read or changed by group or others (mode 0777)"* ]]
}

@test "symbolic links are not followed: an entry, a subdirectory" {
	config "$(dead_port)"
	id=$(queued tok-link)
	mkdir -p "$BATS_TEST_TMPDIR/elsewhere"
	mv "$Q/new/$id.env" "$BATS_TEST_TMPDIR/elsewhere/"
	ln -s "$BATS_TEST_TMPDIR/elsewhere/$id.env" "$Q/new/$id.env"
	server
	run -0 "$POSTERN" -q -v
	echo "$output"
	[[ "$output" == *"$id: $Q/new/$id.env is a symbolic link; postern will not follow it; not sent"* ]]
	[ "$(count_delivered tok-link)" = 0 ]
	# the whole new/ a link to a directory of entries
	rm "$Q/new/$id.env"
	mv "$BATS_TEST_TMPDIR/elsewhere/$id.env" "$Q/new/"
	mv "$Q/new" "$BATS_TEST_TMPDIR/new"
	ln -s "$BATS_TEST_TMPDIR/new" "$Q/new"
	run "$POSTERN" -q
	echo "$output"
	[ "$status" -eq 78 ]
	[ "$output" = "postern: $Q/new is a symbolic link; postern will not follow it" ]
	[ "$(count_delivered tok-link)" = 0 ]
}

@test "--doctor names an entry that is not the user's as a PROBLEM" {
	config "$(dead_port)"
	id=$(queued tok-doc)
	chown nobody "$Q/new/$id.msg"
	run -1 "$POSTERN" --doctor --no-login --probe-ports 0,0,0
	echo "$output"
	[[ "$output" == *"PROBLEM  queue: entry $id refused: $Q/new/$id.msg is not owned by you (owner uid 65534); postern will not use it"* ]]
}
