# submit.bash: helpers for the end-to-end submission tests
# (submit_postfix.bats, submit_callers.bats, submit_faults.bats): postern
# itself, with a configuration file, against the real Postfix + Dovecot
# test bed or the fault server. Load after common.bash.
#
#   submit_config TEXT...   write $XDG_CONFIG_HOME/postern/config (mode
#                           0600): a defaults block (local_domain
#                           example.test, syslog off, logfile $LOG,
#                           timeout 10) then the given lines, one a line
#   tb_account [KEY VALUE]... the lines of a Postfix test-bed account
#                           (STARTTLS port, CA, alice's password, auth on)
#                           with KEY VALUE pairs replacing or adding keys
#   send ARGS...            run postern ARGS with $IN on stdin
#                           (--separate-stderr: $output, $stderr)
#   dry_message ARGS...     the message part of --dry-run ARGS on $IN,
#                           CRs removed, into $BATS_TEST_TMPDIR/dry.eml
#   delivered_message       $mail_eml without the Received header
#                           Postfix prepends, CRs removed, into
#                           $BATS_TEST_TMPDIR/got.eml
#   mask_generated FILE     replace the values of Date and Message-ID
#                           (which postern generates anew each run)
#   same_files A B          cmp, showing a diff when they differ
#   env_is KEY VALUE        $mail_env has exactly the line KEY=VALUE
#   env_rcpts ADDR...       $mail_env's recipients, as a set, are ADDR...
#   stderr_line TEXT        $stderr is exactly TEXT, apart from the queue's
#                           "a copy ... is kept as ID in the failed/
#                           directory" note (reason prints the rest)
#   one_reason              that rest is one line
#   assert_tempfail [TEXT]  the last run failed temporarily: the message was
#                           queued (exit 0, "postern: queued ID: ...") and
#                           TEXT is in $stderr. The one place that knows
#                           how a temporary failure looks to the caller.
#   assert_tls_refused [TEXT] TLS was refused before anything was sent (a
#                           man in the middle may be the cause): exit 0,
#                           "postern: WARNING: TLS refused: TEXT; nothing
#                           was sent without TLS", then "postern: queued
#                           ID; account NAME is held until TLS works ...",
#                           and the entry holds "held: TEXT"

LOG_FILE_NAME=postern.log

submit_config() {
	LOG=$BATS_TEST_TMPDIR/$LOG_FILE_NAME
	mkdir -p "$XDG_CONFIG_HOME/postern"
	{
		printf '%s\n' defaults "local_domain example.test" \
			"syslog off" "logfile $LOG" "timeout 10"
		printf '%s\n' "$@"
	} >"$XDG_CONFIG_HOME/postern/config"
	chmod 600 "$XDG_CONFIG_HOME/postern/config"
}

tb_account() {
	local -A kv=([host]=localhost [port]=$TB_SUBMISSION_PORT
		[tls_trust_file]=$TB_CA [user]=$TB_USER
		[password]="\"$TB_PASS\"" [from]=$TB_USER [auth]=on)
	local order="host port tls_trust_file user password from auth" k
	while [ $# -ge 2 ]; do
		[ -n "${kv[$1]+x}" ] || order="$order $1"
		kv[$1]=$2
		shift 2
	done
	echo "account default"
	for k in $order; do
		[ -n "${kv[$k]}" ] && echo "$k ${kv[$k]}"
	done
	return 0
}

send() {
	run --separate-stderr "$POSTERN" "$@" <"$IN"
}

dry_message() {
	"$POSTERN" --dry-run "$@" <"$IN" >"$BATS_TEST_TMPDIR/dry.out" ||
		return 1
	sed '1,/^$/d' "$BATS_TEST_TMPDIR/dry.out" | tr -d '\r' \
		>"$BATS_TEST_TMPDIR/dry.eml"
}

delivered_message() {
	awk 'NR == 1 && /^Received:/ { skip = 1; next }
	     skip && /^[ \t]/ { next }
	     { skip = 0; print }' "$mail_eml" | tr -d '\r' \
		>"$BATS_TEST_TMPDIR/got.eml"
	[ "$(head -c 9 "$mail_eml")" = Received: ] || {
		echo "no Received header first in $mail_eml"
		return 1
	}
}

mask_generated() {
	sed -i -e 's/^Date: .*/Date: (masked)/' \
		-e 's/^Message-ID: .*/Message-ID: (masked)/' "$1"
}

same_files() {
	cmp -s "$1" "$2" && return 0
	echo "$1 and $2 differ:"
	diff -u "$1" "$2" | cat -A | head -n 60
	return 1
}

env_is() {
	grep -Fxq -- "$1=$2" "$mail_env" && return 0
	echo "want $1=$2 in $mail_env:"
	cat "$mail_env"
	return 1
}

env_rcpts() {
	local got want
	got=$(sed -n 's/^recipient=//p' "$mail_env" | sort)
	want=$(printf '%s\n' "$@" | sort)
	[ "$got" = "$want" ] && return 0
	printf 'recipients: got\n%s\nwant\n%s\n' "$got" "$want"
	return 1
}

# stderr without the queue's note on a permanent failure ("a copy of the
# message is kept as ID in the failed/ directory of the queue").
reason() {
	printf '%s\n' "$stderr" | grep -Ev '^postern: a copy of the message is kept as [0-9a-f]+ in the failed/ directory of the queue$'
}

stderr_line() {
	[ "$(reason)" = "$1" ] && return 0
	printf 'stderr: got\n%s\nwant\n%s\n' "$stderr" "$1"
	return 1
}

# one_reason: one line on stderr apart from the queue's failed/ note.
one_reason() {
	[ "$(reason | wc -l)" -eq 1 ] && return 0
	echo "want one line on stderr: $stderr"
	return 1
}

assert_tempfail() {
	[ "$status" -eq 0 ] || {
		echo "want exit 0 (queued), got $status: $stderr"
		return 1
	}
	printf '%s\n' "$stderr" | grep -Eq '^postern: queued [0-9a-f]+: ' || {
		echo "no 'queued ID:' line: $stderr"
		return 1
	}
	[ $# -eq 0 ] || [[ "$stderr" == *"$1"* ]] || {
		echo "stderr lacks '$1': $stderr"
		return 1
	}
}

assert_tls_refused() {
	local warn
	[ "$status" -eq 0 ] || {
		echo "want exit 0 (queued, account held), got $status: $stderr"
		return 1
	}
	warn=$(printf '%s\n' "$stderr" | grep '^postern: WARNING: TLS refused: ') || {
		echo "no 'WARNING: TLS refused' line: $stderr"
		return 1
	}
	[ $# -eq 0 ] || [ "$warn" = "postern: WARNING: TLS refused: $1; nothing was sent without TLS" ] || {
		echo "want reason '$1', got: $warn"
		return 1
	}
	printf '%s\n' "$stderr" | grep -Eq '^postern: queued [0-9a-f]{16}; account [^ ]+ is held until TLS works' || {
		echo "no 'queued ID; account ... held' line: $stderr"
		return 1
	}
	[ $# -eq 0 ] || grep -Fqx "held: $1" "$XDG_STATE_HOME"/postern/queue/new/*.env || {
		echo "no entry held with '$1'"
		return 1
	}
}
