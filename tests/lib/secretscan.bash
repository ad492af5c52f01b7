# secretscan.bash: the one secret scan for every suite that handles a
# password (secrets.bats, submit_postfix.bats, ...). Load after
# common.bash. Each check fails (returns 1) naming where and which form
# was found; the forms are the password itself, its base64 (the LOGIN
# answer) and, given the user, the base64 of AUTH PLAIN's two messages
# ("\0USER\0PASS" and "USER\0USER\0PASS").
#
#   secret_forms PASS [USER]          the forms, one a line
#   secret_scan_files PASS USER FILE...
#                                     none of the FILEs holds a form
#   secret_scan_text PASS USER TEXT   TEXT (captured output) holds none
#   secret_scan_pid PASS USER PID     nor /proc/PID/cmdline and environ
#                                     (the process must still be alive)

secret_forms() {
	local pass=$1 user=${2:-}
	printf '%s\n' "$pass"
	printf '%s' "$pass" | base64 -w0
	echo
	if [ -n "$user" ]; then
		printf '\0%s\0%s' "$user" "$pass" | base64 -w0
		echo
		printf '%s\0%s\0%s' "$user" "$user" "$pass" | base64 -w0
		echo
	fi
}

# _secret_grep PASS USER WHAT FILE: fail when FILE holds a form.
_secret_grep() {
	local form
	while IFS= read -r form; do
		[ -n "$form" ] || continue
		if grep -Fq -- "$form" "$4"; then
			echo "secret scan: $3 holds '$form'"
			return 1
		fi
	done < <(secret_forms "$1" "$2")
}

secret_scan_files() {
	local pass=$1 user=$2 f
	shift 2
	for f in "$@"; do
		[ -e "$f" ] || {
			echo "secret scan: no file $f"
			return 1
		}
		_secret_grep "$pass" "$user" "$f" "$f" || return 1
	done
}

secret_scan_text() {
	local tmp
	tmp=$(mktemp "${BATS_TEST_TMPDIR:-/tmp}/scan.XXXXXX")
	printf '%s\n' "$3" >"$tmp"
	_secret_grep "$1" "$2" "captured output" "$tmp" || {
		rm -f "$tmp"
		return 1
	}
	rm -f "$tmp"
}

secret_scan_pid() {
	local pid=$3 what tmp
	[ -r "/proc/$pid/cmdline" ] || {
		echo "secret scan: process $pid is gone"
		return 1
	}
	tmp=$(mktemp "${BATS_TEST_TMPDIR:-/tmp}/scan.XXXXXX")
	for what in cmdline environ; do
		tr '\0' '\n' <"/proc/$pid/$what" >"$tmp" 2>/dev/null || true
		_secret_grep "$1" "$2" "/proc/$pid/$what" "$tmp" || {
			rm -f "$tmp"
			return 1
		}
	done
	rm -f "$tmp"
}
