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
# The certificate matrix (tests/cert_matrix.bats), each NAME.crt/.key:
#   selfsigned      self-signed, localhost (SAN localhost, 127.0.0.1)
#   notyet          CA-signed, localhost, valid from 2090 only
#   wildlabel       CA-signed, for mail.*.test (a wildcard that is not
#                   the left-most label: never matches mail.example.test)
#   cnonly          CA-signed, CN localhost but SAN other.example.test
#                   only (with a SAN the CN is not looked at)
#   iponly          CA-signed, CN and SAN 127.0.0.1 only (no DNS name)
#   nameonly        CA-signed, CN and SAN localhost only (no IP address)
#   weakkey         CA-signed, localhost, an RSA-1024 key
#   sha1            CA-signed with a SHA-1 signature, localhost
#   nulname         CA-signed, SAN "localhost\0.example.test" (a NUL
#                   inside the name); made with openssl, skipped (no
#                   file) when openssl is missing or refuses
#   selfsigned.sha256 (its fingerprint, as above)
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

# --- the certificate matrix ---------------------------------------------
for k in selfsigned notyet wildlabel cnonly iponly nameonly sha1 nulname; do
	key "$k"
done
certtool --generate-privkey --key-type=rsa --bits=1024 \
    --outfile weakkey.key 2>/dev/null
# shellcheck disable=SC2086
cert selfsigned self "$(srv_tmpl $localhost; echo 'expiration_days = 3650')"
# shellcheck disable=SC2086
cert notyet ca "$(srv_tmpl $localhost
	echo 'activation_date = "2090-01-01 00:00:00 UTC"'
	echo 'expiration_date = "2091-01-01 00:00:00 UTC"')"
cert wildlabel ca "$(srv_tmpl 'mail.*.test' 'dns:mail.*.test'
	echo 'expiration_days = 3650')"
cert cnonly ca "$(srv_tmpl localhost dns:other.example.test
	echo 'expiration_days = 3650')"
cert iponly ca "$(srv_tmpl 127.0.0.1 ip:127.0.0.1
	echo 'expiration_days = 3650')"
cert nameonly ca "$(srv_tmpl localhost dns:localhost
	echo 'expiration_days = 3650')"
# shellcheck disable=SC2086
cert weakkey ca "$(srv_tmpl $localhost; echo 'expiration_days = 3650')"
printf '%s\n' "$(srv_tmpl localhost dns:localhost ip:127.0.0.1)" \
    'expiration_days = 3650' >"$tmpl"
certtool --generate-certificate --hash=SHA1 --load-privkey sha1.key \
    --load-ca-certificate ca.crt --load-ca-privkey ca.key \
    --template "$tmpl" --outfile sha1.crt 2>/dev/null
fingerprint selfsigned

# nulname: certtool has no way to put a NUL in a name; openssl writes the
# subjectAltName extension from raw DER: SEQUENCE { [2] IA5String
# "localhost\0.example.test" }.
nul_san() {
	name=$(printf 'localhost' | od -An -tx1 | tr -d ' \n')00
	name=$name$(printf '.example.test' | od -An -tx1 | tr -d ' \n')
	len=$((${#name} / 2))
	printf '30%02x82%02x%s' $((len + 2)) "$len" "$name"
}
if command -v openssl >/dev/null 2>&1; then
	printf '%s\n' '[ext]' "2.5.29.17 = DER:$(nul_san)" \
	    'basicConstraints = CA:FALSE' \
	    'extendedKeyUsage = serverAuth' >"$tmpl"
	openssl req -new -key nulname.key -subj '/CN=nul.example.test' \
	    -out nulname.csr 2>/dev/null &&
	    openssl x509 -req -in nulname.csr -CA ca.crt -CAkey ca.key \
	        -set_serial 4242 -days 3650 -extfile "$tmpl" \
	        -extensions ext -out nulname.crt 2>/dev/null ||
	    rm -f nulname.crt
	rm -f nulname.csr
fi
