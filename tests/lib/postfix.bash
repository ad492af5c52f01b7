# postfix.bash: bats helpers for the real Postfix + Dovecot test bed.
#
# Load after common.bash:
#   load lib/common
#   load lib/postfix
#   setup_file()    { postfix_start; }
#   setup()         { postfix_setup; }
#   teardown_file() { postfix_stop; }
#
# postfix_start  checks root and the packages; if one is missing it starts
#                nothing and postfix_setup skips each test with the reason
#                (fails under POSTERN_TEST_REQUIRE_ALL=1). Otherwise it
#                makes a short o+x dir (/tmp/pt.XXXXXX), runs mkcerts.sh and
#                postfix-up.sh on a free port base (several bats files may
#                run at once; TB_PORT_BASES="B1 B2.." fixes the candidates)
#                and exports every TB_* variable of DIR/env:
#                TB_DIR, TB_*_PORT, TB_CA, TB_WRONG_CA, TB_CERT_DIR,
#                TB_SERVER_SHA256, TB_USER/TB_PASS, TB_USER2/TB_PASS2,
#                TB_MAILDIR, TB_MAILLOG, TB_HOSTNAME, ... (see postfix-up.sh).
# postfix_setup  call from setup(): the skip described above.
# postfix_stop   stops the instance and removes TB_DIR (kept if
#                TB_KEEP=1, for debugging).
# wait_mail TOKEN [TIMEOUT]
#                waits until a message containing TOKEN is delivered; sets
#                $mail_env / $mail_eml to its files. Fails after TIMEOUT s.
# assert_no_mail TOKEN
#                fails if a message containing TOKEN was delivered (waits
#                for the queue to drain first, no fixed sleep).

# _postfix_missing: print why the test bed cannot run here (nothing if it can).
_postfix_missing() {
	local c
	[ "$(id -u)" = 0 ] || { echo "the Postfix test bed needs root"; return; }
	for c in postfix:postfix postconf:postfix dovecot:dovecot-core \
		certtool:gnutls-bin ss:iproute2 runuser:util-linux \
		script:bsdutils flock:util-linux "$PYTHON3":python3; do
		command -v "${c%%:*}" >/dev/null 2>&1 ||
			{ echo "${c%%:*} not installed (package ${c#*:})"; return; }
	done
}

postfix_start() {
	# bats 1.8 cannot skip from setup_file: remember the reason, and let
	# postfix_setup skip (or fail, under POSTERN_TEST_REQUIRE_ALL=1).
	POSTFIX_SKIP_REASON=$(_postfix_missing)
	export POSTFIX_SKIP_REASON
	if [ -n "$POSTFIX_SKIP_REASON" ]; then
		[ "${POSTERN_TEST_REQUIRE_ALL:-0}" != 1 ] && return 0
		echo "required but missing: $POSTFIX_SKIP_REASON" >&2
		return 1
	fi
	export TB_DIR
	TB_DIR=$(mktemp -d /tmp/pt.XXXXXX)
	chmod 755 "$TB_DIR"
	sh "$SERVERS/mkcerts.sh" "$TB_DIR/certs" || {
		postfix_stop
		return 1
	}
	# Try the bases in TB_PORT_BASES, or 10 random ones of 10000..31000
	# (below the ephemeral range); postfix-up.sh exits 75 when a port is
	# taken, also when a parallel instance won the race to bind it.
	local base rc=75 bases=${TB_PORT_BASES:-}
	[ -n "$bases" ] || for base in 1 2 3 4 5 6 7 8 9 10; do
		bases="$bases $((10000 + RANDOM % 22 * 1000))"
	done
	for base in $bases; do
		rc=0
		# 3>&-: bats waits for EOF on fd 3; no daemon may keep it.
		TB_PORT_BASE=$base TB_CERT_DIR="$TB_DIR/certs" \
			sh "$SERVERS/postfix-up.sh" "$TB_DIR" 3>&- || rc=$?
		[ "$rc" = 75 ] || break
	done
	if [ "$rc" != 0 ]; then
		echo "postfix_start: postfix-up.sh failed (exit $rc)" >&2
		postfix_stop
		return 1
	fi
	set -a
	# shellcheck source=/dev/null
	. "$TB_DIR/env"
	set +a
}

postfix_setup() {
	[ -z "${POSTFIX_SKIP_REASON:-}" ] || require_or_skip "$POSTFIX_SKIP_REASON"
}

postfix_stop() {
	[ -n "${TB_DIR:-}" ] && [ -d "$TB_DIR" ] || return 0
	local purge=--purge
	[ "${TB_KEEP:-0}" = 1 ] && purge=
	if [ -f "$TB_DIR/.postern-testbed" ]; then
		sh "$SERVERS/postfix-down.sh" "$TB_DIR" $purge 3>&-
	elif [ -n "$purge" ]; then
		rm -rf "$TB_DIR"	# only certs so far, made by postfix_start
	fi
}

wait_mail() {
	mail_env=$(sh "$SERVERS/wait-mail.sh" "$TB_DIR" "$1" "${2:-60}") ||
		return 1
	# shellcheck disable=SC2034 # for the caller
	mail_eml=${mail_env%.env}.eml
}

assert_no_mail() {
	sh "$SERVERS/wait-mail.sh" --absent "$TB_DIR" "$1"
}
