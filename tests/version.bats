#!/usr/bin/env bats
# version.bats: the binary is real: --version reports the libraries it was
# built with, the SASL mechanisms and this user's paths; --help lists the
# options; newaliases is a no-op.

load lib/common

setup() {
	hermetic_env
}

@test "--version names postern, every library and the paths" {
	run "$POSTERN" --version
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "postern 0.1.0" ]
	[[ "$output" =~ GnuTLS:\ +3\.[0-9]+\.[0-9]+ ]]
	[[ "$output" =~ libidn2:\ +2\.[0-9]+\.[0-9]+ ]]
	[[ "$output" =~ Keyring:\ +(libsecret\ [0-9]+\.[0-9]+\.[0-9]+|disabled) ]]
	[[ "$output" =~ GNU\ SASL:\ +([0-9]+\.[0-9]+\.[0-9]+|disabled) ]]
	[[ "$output" == *"Config file:     $XDG_CONFIG_HOME/postern/config"* ]]
	[[ "$output" == *"Queue directory: $XDG_STATE_HOME/postern/queue"* ]]
	[[ "$output" == *"SASL mechanisms: PLAIN LOGIN XOAUTH2 OAUTHBEARER EXTERNAL (built in)"* ]]
}

@test "--version lists SCRAM when built with GNU SASL" {
	run "$POSTERN" --version
	[ "$status" -eq 0 ]
	if [[ "$output" == *"GNU SASL:        disabled"* ]]; then
		require_or_skip "built without GNU SASL (libgsasl-dev)"
	fi
	[[ "$output" =~ SASL\ mechanisms:.*SCRAM-SHA-256 ]]
}

@test "--version follows HOME when XDG variables are unset" {
	unset XDG_CONFIG_HOME XDG_STATE_HOME
	run "$POSTERN" --version
	[ "$status" -eq 0 ]
	[[ "$output" == *"Config file:     $HOME/.config/postern/config"* ]]
	[[ "$output" == *"Queue directory: $HOME/.local/state/postern/queue"* ]]
}

@test "--version without HOME uses the password database (cron)" {
	run env -u HOME -u XDG_CONFIG_HOME -u XDG_STATE_HOME "$POSTERN" --version
	[ "$status" -eq 0 ]
	home=$(getent passwd "$(id -u)" | cut -d: -f6)
	[[ "$output" == *"Config file:     $home/.config/postern/config"* ]]
}

@test "--help lists --version and --help" {
	run "$POSTERN" --help
	[ "$status" -eq 0 ]
	[[ "$output" == *"--version"* ]]
	[[ "$output" == *"--help"* ]]
}

@test "newaliases is a successful no-op" {
	ln -s "$POSTERN" "$BATS_TEST_TMPDIR/newaliases"
	run "$BATS_TEST_TMPDIR/newaliases"
	[ "$status" -eq 0 ]
	[ -z "$output" ]
}
