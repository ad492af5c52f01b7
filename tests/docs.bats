#!/usr/bin/env bats
# docs.bats: what a user can type is documented. Every option --help
# lists appears in postern(1); every key of the configuration's key table
# (as --print-config shows them) appears in postern.conf(5); NEWS and
# README exist and the man pages lint clean (tests/manlint.sh).

load lib/common

setup() {
	hermetic_env
	MAN8="$POSTERN_SRCDIR/doc/postern.1"
	MAN5="$POSTERN_SRCDIR/doc/postern.conf.5"
}

# mdoc escapes '-' as '\-' in options: compare against the rendered text.
rendered() {
	mandoc -T ascii "$1" | sed -e 's/.\x08//g'
}

@test "every option in --help is in postern(1)" {
	require_cmd mandoc mandoc
	run "$POSTERN" --help
	[ "$status" -eq 0 ]
	opts=$(printf '%s\n' "$output" |
		grep -oE '(^|[ ,])--?[A-Za-z][-A-Za-z0-9]*' |
		sed 's/^[ ,]//' | sort -u)
	[ -n "$opts" ]
	man=$(rendered "$MAN8")
	missing=
	for o in $opts; do
		grep -qF -- "$o" <<<"$man" || missing="$missing $o"
	done
	[ -z "$missing" ] || { echo "not in postern(1):$missing"; return 1; }
}

@test "every configuration key is in postern.conf(5)" {
	require_cmd mandoc mandoc
	mkdir -p "$XDG_CONFIG_HOME/postern"
	printf 'account default\nhost h.example\nfrom a@h.example\n' \
		>"$XDG_CONFIG_HOME/postern/config"
	run "$POSTERN" --print-config
	[ "$status" -eq 0 ]
	keys=$(printf '%s\n' "$output" | awk '/^[a-z_0-9]+( |$)/ { print $1 }' |
		sort -u)
	[ "$(printf '%s\n' "$keys" | wc -l)" -gt 30 ]
	man=$(rendered "$MAN5")
	missing=
	for k in $keys; do
		grep -qE "(^| )$k( |$)" <<<"$man" || missing="$missing $k"
	done
	[ -z "$missing" ] || { echo "not in postern.conf(5):$missing"; return 1; }
}

# msmtp's old names that the key table reads as another key, ignores or
# refuses (src/conf_keys.c's conf_legacy and conf_refused) are documented
# too: a user converting a ~/.msmtprc meets them.
@test "every legacy and refused key name is in postern.conf(5)" {
	require_cmd mandoc mandoc
	names=$(sed -n '/^} conf_legacy\[\] = {/,/^};/p; /^} conf_refused\[\] = {/,/^};/p' \
		"$POSTERN_SRCDIR/src/conf_keys.c" |
		sed -n 's/^[[:space:]]*{ "\([a-z_0-9]*\)",.*/\1/p')
	[ "$(printf '%s\n' "$names" | wc -l)" -ge 15 ]
	man=$(rendered "$MAN5")
	missing=
	for k in $names; do
		# each is accepted or refused by name, never "unknown key"
		printf 'account default\nhost h.example\n%s x\n' "$k" \
			>"$BATS_TEST_TMPDIR/c"
		run "$POSTERN" --print-config -C "$BATS_TEST_TMPDIR/c"
		[[ "$output" != *"unknown key"* ]] ||
			{ echo "$k: $output"; return 1; }
		grep -qE "(^|[ (])$k( |,|$)" <<<"$man" || missing="$missing $k"
	done
	[ -z "$missing" ] || { echo "not in postern.conf(5):$missing"; return 1; }
}
