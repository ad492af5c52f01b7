#!/usr/bin/env bats
# contrib.bats: what contrib/ and doc/ ship for users and packagers works.
# Every example account and doc/config.example is accepted by
# `postern --print-config -C FILE` with the expected server; the bash
# completion completes options, accounts and words; both completions know
# every --help option; the AppArmor profile parses (apparmor_parser -Q);
# postern-convert turns ssmtp.conf and dma.conf + auth.conf into exact
# postern configurations that postern accepts.

load lib/common

setup() {
	hermetic_env
	C="$POSTERN_SRCDIR/contrib"
}

# account FILE: --print-config of FILE's default account, exit 0.
print_config() {
	run "$POSTERN" --print-config -C "$1"
	[ "$status" -eq 0 ] || { echo "$output"; return 1; }
}

# value KEY: the value --print-config showed for KEY.
value() {
	printf '%s\n' "$output" | awk -v k="$1" '$1 == k { print $2; exit }'
}

@test "every example account is a valid configuration" {
	local f n=0
	for f in "$C"/accounts/*; do
		print_config "$f"
		[ -n "$(value host)" ]
		[ -n "$(value from)" ]
		n=$((n + 1))
	done
	[ "$n" -eq 6 ]
}

@test "the example accounts name the providers' submission servers" {
	check() { # FILE HOST PORT STARTTLS
		print_config "$C/accounts/$1"
		[ "$(value host)" = "$2" ] && [ "$(value port)" = "$3" ] &&
			[ "$(value tls)" = on ] &&
			[ "$(value tls_starttls)" = "$4" ] &&
			[ "$(value tls_certcheck)" = on ] ||
			{ echo "$1: $output"; return 1; }
	}
	check isp smtp.example-isp.net 587 on
	check gmail smtp.gmail.com 587 on
	check microsoft365 smtp.office365.com 587 on
	check fastmail smtp.fastmail.com 465 off
	check icloud smtp.mail.me.com 587 on
	check proton-bridge 127.0.0.1 1025 on
	print_config "$C/accounts/proton-bridge"
	[[ "$(value tls_fingerprint)" =~ ^([0-9A-F]{2}:){31}[0-9A-F]{2}$ ]]
	print_config "$C/accounts/microsoft365"
	[ "$(value auth)" = xoauth2 ]
	# No example holds a password: they use the keyring or a helper.
	! grep -E '^[[:space:]]*password[[:space:]]' "$C"/accounts/*
}

@test "doc/config.example is valid and uses the keyring" {
	print_config "$POSTERN_SRCDIR/doc/config.example"
	[ "$(value host)" = smtp.example-isp.net ]
	[ "$(value keyring)" = on ]
	run "$POSTERN" --print-config gmail -C "$POSTERN_SRCDIR/doc/config.example"
	[ "$status" -eq 0 ]
	[ "$(value host)" = smtp.gmail.com ]
	grep -q 'postern --store-password' "$POSTERN_SRCDIR/doc/config.example"
	! grep -E '^[[:space:]]*password[[:space:]]' "$POSTERN_SRCDIR/doc/config.example"
}

# complete WORD...: run the bash completion with the cursor on the last
# word; COMPREPLY one per line in $output.
complete_words() {
	run bash -c 'source "$1"; shift
		COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1))
		_postern; printf "%s\n" "${COMPREPLY[@]}"' \
		_ "$C/completion/postern.bash" "$@"
}

@test "bash completion: options, accounts, words, queue IDs" {
	complete_words postern --store
	[ "$status" -eq 0 ]
	[ "$output" = "--store-password" ]
	complete_words postern -q
	[ "$output" = "$(printf -- '-q\n-qf')" ]
	mkdir -p "$XDG_CONFIG_HOME/postern"
	printf 'defaults\naccount work\nhost h\naccount home : work\naccount default : work\n' \
		>"$XDG_CONFIG_HOME/postern/config"
	complete_words postern -a ""
	[ "$output" = "$(printf 'work\nhome\ndefault')" ]
	complete_words postern --print-config h
	[ "$output" = home ]
	# -C FILE elsewhere on the line is the file whose accounts count.
	complete_words sendmail -C "$C/accounts/gmail" -a ""
	[ "$output" = "$(printf 'gmail\ndefault')" ]
	complete_words postern -B ""
	[ "$output" = "$(printf '7BIT\n8BITMIME')" ]
	complete_words postern -R h
	[ "$output" = hdrs ]
	mkdir -p "$XDG_STATE_HOME/postern/queue/new"
	touch "$XDG_STATE_HOME/postern/queue/new/abc123.env" \
		"$XDG_STATE_HOME/postern/queue/new/abc123.msg"
	complete_words postern --queue-delete ""
	[ "$output" = abc123 ]
	# A recipient position completes nothing.
	complete_words postern -t ""
	[ -z "$output" ]
	run bash -c 'source "$1"; complete -p sendmail postern' _ \
		"$C/completion/postern.bash"
	[ "${lines[0]}" = "complete -F _postern sendmail" ]
}

@test "both completions know every option --help lists" {
	run "$POSTERN" --help
	[ "$status" -eq 0 ]
	opts=$(printf '%s\n' "$output" |
		grep -oE '(^|[ ,])--?[A-Za-z][-A-Za-z0-9]*' | sed 's/^[ ,]//' |
		grep -vxE -- '-(o|O|A|G|h|L|m|n|U|d|p|X|bd|bt|bv|bh)' | sort -u)
	[ -n "$opts" ]
	missing=
	for o in $opts; do
		grep -qE -- "(^|[^-A-Za-z])$o([^-A-Za-z]|$)" "$C/completion/postern.bash" ||
			missing="$missing bash:$o"
		grep -qE -- "(^|[^-A-Za-z])$o([^-A-Za-z]|$)" "$C/completion/_postern" ||
			missing="$missing zsh:$o"
	done
	[ -z "$missing" ] || { echo "not completed:$missing"; return 1; }
}

@test "zsh completion parses" {
	command -v zsh >/dev/null || skip "zsh not installed (package zsh)"
	run zsh -n "$C/completion/_postern"
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	[ "$(head -n 1 "$C/completion/_postern")" = "#compdef postern sendmail mailq" ]
}

# contrib/install-deps installs apparmor with its service kept stopped
# and disabled; -Q only parses, nothing is loaded into the kernel.
# POSTERN_APPARMOR_PARSER and POSTERN_APPARMOR_BASE may point at an
# unpacked parser and its /etc/apparmor.d (dpkg -x apparmor_*.deb DIR).
@test "the AppArmor profile parses (apparmor_parser -Q)" {
	parser=${POSTERN_APPARMOR_PARSER:-apparmor_parser}
	command -v "$parser" >/dev/null ||
		require_or_skip "apparmor_parser not installed (package apparmor)"
	base=()
	[ -n "${POSTERN_APPARMOR_BASE:-}" ] && base=(-b "$POSTERN_APPARMOR_BASE")
	run "$parser" -Q -K "${base[@]}" "$C/apparmor/usr.bin.postern"
	[ "$status" -eq 0 ] || { echo "$output"; return 1; }
	[[ "$output" != *error* ]]
	# And a broken copy is refused, so the check can fail.
	sed 's/rwkl,/rwkq,/' "$C/apparmor/usr.bin.postern" >"$BATS_TEST_TMPDIR/bad"
	run "$parser" -Q -K "${base[@]}" "$BATS_TEST_TMPDIR/bad"
	[ "$status" -ne 0 ]
}

@test "postern-convert: ssmtp.conf" {
	cd "$BATS_TEST_TMPDIR"
	cat >ssmtp.conf <<-'EOF'
	#
	# Config file for sSMTP sendmail
	#
	root=admin@example.org
	mailhub=smtp.example.org:587
	RewriteDomain=example.org
	Hostname=host.example.org
	FromLineOverride=YES
	UseSTARTTLS=YES
	UseTLS=YES
	AuthUser=admin@example.org
	AuthPass=s3cret p@ss
	AuthMethod=LOGIN
	TLS_CA_Dir=/etc/ssl/certs
	Debug=NO
	EOF
	run "$C/postern-convert" ssmtp ssmtp.conf
	[ "$status" -eq 0 ]
	diff -u - <(printf '%s\n' "$output") <<-'EOF'
	# postern configuration converted from ssmtp.conf
	# by postern-convert; see postern.conf(5).
	account default
	host smtp.example.org
	tls on
	tls_starttls on
	port 587
	auth login
	user admin@example.org
	# better in the keyring: postern --store-password default (then remove this line)
	password "s3cret p@ss"
	domain host.example.org
	local_domain example.org
	set_from_header auto
	# root=admin@example.org: mail for root and system users went there; put "root: admin@example.org"
	# and "default: admin@example.org" in an aliases file and name it with "aliases FILE".
	# ssmtp's TLS_CA_Dir=/etc/ssl/certs: a CA directory: postern takes tls_trust_file (default: the system store)
	# ssmtp's Debug=NO: debugging output: use postern -v
	EOF
	printf '%s\n' "$output" >converted
	chmod 600 converted
	run "$POSTERN" --print-config -C converted
	[ "$status" -eq 0 ]
	[ "$(value password)" = "********" ]
	[ "$(value auth)" = login ]
}

@test "postern-convert: a bare ssmtp mailhub gets STARTTLS and a note" {
	cd "$BATS_TEST_TMPDIR"
	printf 'mailhub=relay.lan\nUseTLS=YES\n' >ssmtp.conf
	run "$C/postern-convert" ssmtp --keyring ssmtp.conf
	[ "$status" -eq 0 ]
	diff -u - <(printf '%s\n' "$output") <<-'EOF'
	# postern configuration converted from ssmtp.conf
	# by postern-convert; see postern.conf(5).
	account default
	host relay.lan
	tls on
	tls_starttls off
	port 465
	# port 465 is ssmtp's default; providers want 587 (STARTTLS) or 465 (TLS).
	set_from_header auto
	# ssmtp replaced the From header (FromLineOverride=NO); postern keeps the
	# message's From. For ssmtp's behaviour set "set_from_header on" and "from".
	EOF
	printf 'mailhub=relay.lan\n' >plain.conf
	run "$C/postern-convert" ssmtp plain.conf
	[ "${lines[6]}" = "# ssmtp used no TLS here; postern requires STARTTLS. For a relay on this machine" ]
	[ "${lines[8]}" = "port 25" ]
}

@test "postern-convert: dma.conf and auth.conf" {
	cd "$BATS_TEST_TMPDIR"
	cat >dma.conf <<-EOF
	# \$DragonFly: dma.conf
	SMARTHOST mail.example.net
	PORT 465
	AUTHPATH $BATS_TEST_TMPDIR/auth.conf
	SECURETRANSFER
	VERIFYCERT
	MAILNAME example.net
	MASQUERADE backup@example.net
	SPOOLDIR /var/spool/dma
	INSECURE
	EOF
	cat >auth.conf <<-'EOF'
	# user|smarthost:password
	other|elsewhere.example:nope
	backup@example.net|mail.example.net:pa:ss#1
	EOF
	run "$C/postern-convert" dma dma.conf
	[ "$status" -eq 0 ]
	diff -u - <(printf '%s\n' "$output") <<-'EOF'
	# postern configuration converted from dma.conf
	# by postern-convert; see postern.conf(5).
	account default
	host mail.example.net
	tls on
	tls_starttls off
	port 465
	user backup@example.net
	# better in the keyring: postern --store-password default (then remove this line)
	password "pa:ss#1"
	local_domain example.net
	from backup@example.net
	allow_from_override off
	# dma's SPOOLDIR /var/spool/dma: postern's queue is per user (queue_dir)
	# dma's INSECURE: postern never sends a password without TLS unless "tls off" and a named auth mechanism
	EOF
	printf '%s\n' "$output" >converted
	chmod 600 converted
	run "$POSTERN" --print-config -C converted
	[ "$status" -eq 0 ]
	[ "$(value from)" = backup@example.net ]
	[ "$(value tls_starttls)" = off ]
}

@test "postern-convert: dma with STARTTLS, no VERIFYCERT, --keyring" {
	cd "$BATS_TEST_TMPDIR"
	printf 'SMARTHOST smtp.example.com\nPORT 587\nSECURETRANSFER\nSTARTTLS\nMASQUERADE example.com\n' >dma.conf
	printf 'me|smtp.example.com:pw\n' >auth.conf
	run "$C/postern-convert" dma --keyring dma.conf auth.conf
	[ "$status" -eq 0 ]
	diff -u - <(printf '%s\n' "$output") <<-'EOF'
	# postern configuration converted from dma.conf
	# by postern-convert; see postern.conf(5).
	account default
	host smtp.example.com
	tls on
	tls_starttls on
	port 587
	# dma did not verify the server's certificate; postern does (tls_certcheck).
	user me
	# the password is not written here: store it in the keyring with
	#     postern --store-password default
	local_domain example.com
	EOF
}

@test "postern-convert: errors name the file and line" {
	cd "$BATS_TEST_TMPDIR"
	run "$C/postern-convert" ssmtp nonexistent.conf
	[ "$status" -eq 66 ]
	[ "$output" = "postern-convert: nonexistent.conf: No such file or directory" ]
	printf 'mailhub=relay\nbogus line\n' >bad.conf
	run "$C/postern-convert" ssmtp bad.conf
	[ "$status" -eq 65 ]
	[ "$output" = "postern-convert: bad.conf:2: not KEY=VALUE: bogus line" ]
	printf 'PORT 587\n' >nohost.conf
	run "$C/postern-convert" dma nohost.conf
	[ "$status" -eq 65 ]
	[ "$output" = "postern-convert: nohost.conf: no SMARTHOST: dma delivers directly, postern needs a server" ]
	run "$C/postern-convert" nullmailer
	[ "$status" -eq 64 ]
	[ "${lines[0]}" = "usage: postern-convert ssmtp [--keyring] [SSMTP.CONF]" ]
}

@test "packaging versions match configure.ac" {
	v=$(sed -n 's/^AC_INIT(\[postern\], \[\([^]]*\)\].*/\1/p' \
		"$POSTERN_SRCDIR/configure.ac")
	[ -n "$v" ]
	[ "$(awk '/^Version:/ { print $2 }' "$C/rpm/postern.spec")" = "$v" ]
	[[ "$(head -n 1 "$C/debian/changelog")" == "postern ($v-"* ]]
	run "$POSTERN" --version
	[ "${lines[0]}" = "postern $v" ]
}

@test "the RPM spec is accepted by rpmbuild -bs" {
	require_cmd rpmbuild rpm
	top="$BATS_TEST_TMPDIR/rpm"
	mkdir -p "$top/SOURCES"
	: >"$top/SOURCES/postern-0.1.0.tar.gz"
	run rpmbuild -bs --define "_topdir $top" "$C/rpm/postern.spec"
	[ "$status" -eq 0 ] || { echo "$output"; return 1; }
	srpm=$(ls "$top"/SRPMS/postern-*.src.rpm)
	run rpm -qp --qf '%{NAME} %{VERSION} %{LICENSE}\n' "$srpm"
	[ "$output" = "postern 0.1.0 GPL-3.0-or-later" ]
}
