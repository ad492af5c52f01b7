#!/usr/bin/env bats
# configure.bats: postern --configure ADDRESS in a private network and
# mount namespace (unshare -n -m): a dnsmasq started by the test on
# 127.0.0.1:53, /etc/resolv.conf bind-mounted to point at it, and the
# fault server on the real submission ports 465/587 of that loopback.
# SRV records are used (and shown as untrusted), IDN domains are looked
# up in A-labels, the smtp./mail. probe finds a server without SRV, and
# nothing found is exit 69. No option points postern at the test DNS.

load lib/common

setup_file() {
	export CFG_CERTS="$BATS_FILE_TMPDIR/certs"
	if command -v certtool >/dev/null 2>&1; then
		sh "$SERVERS/mkcerts.sh" "$CFG_CERTS" >/dev/null 2>&1
	fi
}

setup() {
	hermetic_env
	require_cmd unshare util-linux
	require_cmd dnsmasq dnsmasq-base
	require_cmd certtool gnutls-bin
	unshare -n -m true 2>/dev/null ||
		require_or_skip "unshare -n -m is not permitted here"
	D=$BATS_TEST_TMPDIR
	echo 'nameserver 127.0.0.1' >"$D/resolv.conf"
}

# in_netns "DNSMASQ ARGS" "SERVER ARGS" POSTERN-ARGS...: run postern
# --configure in the namespace with dnsmasq and one fault server on
# 127.0.0.1 (SERVER ARGS: e.g. "--port 465 --tls implicit"; "" for
# none). Both are stopped by PID when postern ends.
in_netns() {
	local dns=$1 srv=$2
	shift 2
	cat >"$D/ns.sh" <<-EOF
		set -e
		ip link set lo up
		mount --bind "$D/resolv.conf" /etc/resolv.conf
		dnsmasq -k --conf-file=/dev/null --no-resolv --no-hosts \\
		    --listen-address=127.0.0.1 --bind-interfaces --port=53 \\
		    --user=root --pid-file="$D/dnsmasq.pid" \\
		    --log-facility="$D/dnsmasq.log" --log-queries $dns &
		dp=\$!
		fp=
		if [ -n "$srv" ]; then
			"$PYTHON3" "$SERVERS/faultserver.py" --out "$D/fault" \\
			    --port-file "$D/port" $srv \\
			    --cert "$CFG_CERTS/server.crt" \\
			    --key "$CFG_CERTS/server.key" >"$D/fault.log" 2>&1 3>&- &
			fp=\$!
			for i in \$(seq 100); do [ -s "$D/port" ] && break; sleep 0.05; done
		fi
		trap 'kill \$dp \$fp 2>/dev/null; wait' EXIT
		for i in \$(seq 100); do [ -s "$D/dnsmasq.pid" ] && break; sleep 0.05; done
		set +e
		"\$@"
	EOF
	run unshare -n -m sh "$D/ns.sh" "$@"
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

@test "--configure: the _submissions._tcp SRV record, shown as untrusted" {
	in_netns "--local=/example.test/ \
		--srv-host=_submissions._tcp.example.test,mail.example.test,465,0,1 \
		--srv-host=_submission._tcp.example.test,other.example.test,587,0,1 \
		--address=/mail.example.test/127.0.0.1 \
		--address=/smtp.example.test/127.0.0.1" \
		"--port 465 --tls implicit" \
		sh -c '"$1" --configure alice@example.test --probe-timeout 3 2>"$2"; echo "exit $?"' \
		x "$POSTERN" "$D/stderr"
	has_line "exit 0"
	has_line "# The server name comes from the DNS record _submissions._tcp.example.test, which is"
	has_line "# not authenticated: make sure mail.example.test is your provider's"
	has_line "account example.test"
	has_line "host mail.example.test"
	has_line "port 465"
	has_line "tls on"
	has_line "tls_starttls off"
	has_line "auth on"
	has_line "user alice@example.test"
	has_line "from alice@example.test"
	has_line "account default : example.test"
	has_line "#   postern --store-password example.test"
	# The test CA is not in the system store: said, not hidden.
	has_line "# Warning: its certificate was refused: mail.example.test: TLS certificate refused: its issuer is not in the trusted CAs (tls_trust_file)"
	run cat "$D/stderr"
	has_line "postern: SRV _submissions._tcp.example.test: mail.example.test port 465 (priority 0, weight 1; from DNS, not authenticated)"
	has_line "postern: mail.example.test port 465 (implicit TLS): mail.example.test: TLS certificate refused: its issuer is not in the trusted CAs (tls_trust_file)"
	[[ $output != *"_submission._tcp"* ]] # the first answer was enough
	run grep -c 'query\[SRV\] _submissions._tcp.example.test' "$D/dnsmasq.log"
	[ "$output" = 1 ]
}

@test "--configure: the block it prints is a working configuration" {
	in_netns "--local=/example.test/ \
		--srv-host=_submission._tcp.example.test,mail.example.test,587,0,1 \
		--address=/mail.example.test/127.0.0.1" \
		"--port 587" \
		sh -c '"$1" --configure bob@example.test --probe-timeout 3 >"$2" 2>/dev/null &&
			"$1" -C "$2" --print-config | grep -E "^(host|port|tls_starttls|user) "' \
		x "$POSTERN" "$D/config"
	[ "$status" -eq 0 ]
	[[ $output == *"host mail.example.test"* ]]
	[[ $output == *"port 587"* ]]
	[[ $output == *"tls_starttls on"* ]]
	[[ $output == *"user bob@example.test"* ]]
}

@test "--configure --write: a fresh home gets the directory and a 600 file; an existing file is never changed" {
	in_netns "--local=/example.test/ \
		--srv-host=_submission._tcp.example.test,mail.example.test,587,0,1 \
		--address=/mail.example.test/127.0.0.1" \
		"--port 587" \
		sh -c 'XDG_CONFIG_HOME="$2" "$1" --configure bob@example.test --write --probe-timeout 3 >/dev/null 2>"$3.1"; echo "first $?";
			XDG_CONFIG_HOME="$2" "$1" --configure bob@example.test --write --probe-timeout 3 >/dev/null 2>"$3.2"; echo "second $?"' \
		x "$POSTERN" "$D/fresh" "$D/err"
	[ "$status" -eq 0 ]
	has_line "first 0"
	has_line "second 73"
	f=$D/fresh/postern/config
	[ "$(stat -c %a "$f")" = 600 ]
	[ "$(stat -c %a "$D/fresh/postern")" = 700 ]
	grep -qx 'host mail.example.test' "$f"
	grep -qx 'account default : example.test' "$f" || grep -q '^account default : ' "$f"
	[ "$(tail -n 1 "$D/err.1")" = "postern: wrote the account to $f (mode 600); next: postern --store-password, then postern --doctor" ]
	[ "$(tail -n 1 "$D/err.2")" = "postern: $f exists: nothing was written to it; add the account block printed above to it yourself (or pass -C NEWFILE)" ]
	[ "$(grep -c '^account default' "$f")" = 1 ]
}

@test "--configure: an IDN domain is looked up in A-labels" {
	in_netns "--local=/xn--r8jz45g.test/ \
		--srv-host=_submissions._tcp.xn--r8jz45g.test,mail.xn--r8jz45g.test,465,0,1 \
		--address=/mail.xn--r8jz45g.test/127.0.0.1" \
		"--port 465 --tls implicit" \
		"$POSTERN" --configure "alice@例え.test" --probe-timeout 3
	[ "$status" -eq 0 ]
	has_line "postern: SRV _submissions._tcp.xn--r8jz45g.test: mail.xn--r8jz45g.test port 465 (priority 0, weight 1; from DNS, not authenticated)"
	has_line "host mail.xn--r8jz45g.test"
	has_line "account xn--r8jz45g.test"
	has_line "user alice@例え.test"
}

@test "--configure: no SRV record: the smtp./mail. probe finds the server on 587" {
	in_netns "--local=/fallback.test/ \
		--address=/smtp.fallback.test/127.0.0.1 \
		--address=/mail.fallback.test/127.0.0.1" \
		"--port 587" \
		"$POSTERN" --configure carol@fallback.test --probe-timeout 3
	[ "$status" -eq 0 ]
	has_line "postern: SRV _submissions._tcp.fallback.test: none"
	has_line "postern: SRV _submission._tcp.fallback.test: none"
	has_line "postern: smtp.fallback.test port 465 (implicit TLS): cannot connect to smtp.fallback.test port 465: Connection refused"
	has_line "postern: smtp.fallback.test port 587 (STARTTLS): smtp.fallback.test: TLS certificate refused: its issuer is not in the trusted CAs (tls_trust_file)"
	has_line "# Found by trying smtp.fallback.test: make sure it is your provider's"
	has_line "host smtp.fallback.test"
	has_line "port 587"
	has_line "tls_starttls on"
}

@test "--configure: \".\" as SRV target and no server anywhere: exit 69" {
	in_netns "--local=/none.test/ \
		--srv-host=_submissions._tcp.none.test" \
		"" \
		"$POSTERN" --configure dave@none.test --probe-timeout 2
	[ "$status" -eq 69 ]
	has_line "postern: SRV _submissions._tcp.none.test: \".\": the domain offers no such service"
	has_line "postern: SRV _submission._tcp.none.test: none"
	has_line "postern: no submission server found for none.test: no SRV record answered and neither smtp.none.test nor mail.none.test answers on the submission ports; ask your provider for the server name"
	[[ $output != *"account "* ]]
}

@test "--configure: not an address" {
	run "$POSTERN" --configure example.test
	[ "$status" -eq 64 ]
	[ "$output" = "postern: --configure example.test: give an address, e.g. you@example.org" ]
}
