#!/bin/sh
# mkcerts.sh: throwaway PKI for the test servers, made at test time.
#
# Usage: mkcerts.sh DIR
#
# Writes into DIR (created if missing), every key ECDSA P-256 for speed:
#   ca.crt ca.key                   the test CA (the one clients trust)
#   server.crt server.key           CA-signed, CN localhost, SAN DNS:localhost,
#                                   IP:127.0.0.1, IP:::1, valid ~10 years
#   wrong-ca.crt wrong-ca.key       a second, untrusted CA
#   wrongca-server.crt .key         a localhost server cert signed by wrong-ca
#   expired.crt expired.key         CA-signed, localhost, valid 2001-2002 only
#   otherhost.crt otherhost.key     CA-signed, for otherhost.example.test only
#   idn-server.crt idn-server.key   CA-signed, for xn--r8jz45g.example.test
#                                   only (例え.example.test in A-labels)
#   client.crt client.key           CA-signed TLS client cert (alice)
#   server.sha256 otherhost.sha256  SHA-256 of the cert's DER as uppercase
#                                   hex pairs joined by ':' (msmtp's
#                                   tls_fingerprint format)
# Needs certtool (gnutls-bin). Nothing outside DIR is read or written.
set -eu

[ $# -eq 1 ] || { echo "usage: mkcerts.sh DIR" >&2; exit 64; }
dir=$1
mkdir -p "$dir"
cd "$dir"
tmpl=$(mktemp "./tmpl.XXXXXX")
trap 'rm -f "$tmpl"' EXIT

# key NAME: a fresh ECDSA P-256 private key in NAME.key.
key() {
	certtool --generate-privkey --key-type=ecdsa --curve=secp256r1 \
	    --outfile "$1.key" 2>/dev/null
}

# cert NAME ISSUER TEMPLATE-LINES: NAME.crt for NAME.key, signed by
# ISSUER (ISSUER.crt/ISSUER.key), or self-signed when ISSUER is "self".
cert() {
	name=$1 issuer=$2
	printf '%s\n' "$3" >"$tmpl"
	if [ "$issuer" = self ]; then
		certtool --generate-self-signed --load-privkey "$name.key" \
		    --template "$tmpl" --outfile "$name.crt" 2>/dev/null
	else
		certtool --generate-certificate --load-privkey "$name.key" \
		    --load-ca-certificate "$issuer.crt" \
		    --load-ca-privkey "$issuer.key" \
		    --template "$tmpl" --outfile "$name.crt" 2>/dev/null
	fi
}

# The CAs start in 2000 so that the expired cert was issued inside its
# CA's lifetime: a verifier then reports "expired" and nothing else.
ca_tmpl() {
	printf '%s\n' "cn = \"$1\"" 'organization = "postern test bed"' \
	    ca cert_signing_key crl_signing_key \
	    'activation_date = "2000-01-01 00:00:00 UTC"' \
	    'expiration_days = 7300'
}

# srv_tmpl CN SAN...: server template; each SAN is dns:NAME or ip:ADDR.
srv_tmpl() {
	printf '%s\n' "cn = \"$1\"" 'organization = "postern test bed"' \
	    tls_www_server signing_key encryption_key
	shift
	for san in "$@"; do
		case $san in
		ip:*) echo "ip_address = \"${san#ip:}\"" ;;
		*) echo "dns_name = \"${san#dns:}\"" ;;
		esac
	done
}

# fingerprint NAME: NAME.sha256 = SHA-256 of NAME.crt's DER, AA:BB:...
fingerprint() {
	certtool --fingerprint --hash=sha256 --infile "$1.crt" |
	    tr 'a-f' 'A-F' | sed 's/../&:/g; s/:$//' >"$1.sha256"
}

for k in ca server wrong-ca wrongca-server expired otherhost idn-server \
    client; do
	key "$k"
done

cert ca self "$(ca_tmpl 'postern test CA')"
cert wrong-ca self "$(ca_tmpl 'postern WRONG test CA')"

localhost='localhost dns:localhost ip:127.0.0.1 ip:::1'
# shellcheck disable=SC2086 # word splitting of $localhost is intended
cert server ca "$(srv_tmpl $localhost; echo 'expiration_days = 3650')"
# shellcheck disable=SC2086
cert wrongca-server wrong-ca "$(srv_tmpl $localhost
	echo 'expiration_days = 3650')"
# shellcheck disable=SC2086
cert expired ca "$(srv_tmpl $localhost
	echo 'activation_date = "2001-01-01 00:00:00 UTC"'
	echo 'expiration_date = "2002-01-01 00:00:00 UTC"')"
cert otherhost ca "$(srv_tmpl otherhost.example.test \
	dns:otherhost.example.test; echo 'expiration_days = 3650')"
cert idn-server ca "$(srv_tmpl xn--r8jz45g.example.test \
	dns:xn--r8jz45g.example.test; echo 'expiration_days = 3650')"
cert client ca "$(printf '%s\n' 'cn = "alice@example.test"' \
	'email = "alice@example.test"' tls_www_client signing_key \
	'expiration_days = 3650')"

fingerprint server
fingerprint otherhost
