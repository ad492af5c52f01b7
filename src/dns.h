/*
 * dns.h: SRV records (RFC 2782) for --configure: _submissions._tcp and
 * _submission._tcp of a domain (RFC 6186, RFC 8314).
 *
 * dns_srv_lookup asks the system resolver (res_nquery from libresolv or
 * libc, so /etc/resolv.conf and RES_OPTIONS apply) with a bounded time;
 * dns_srv_parse reads the answer bytes and is pure, so it is unit-tested
 * and safe on hostile input: every offset is checked, compression
 * pointers may only point backwards and at most DNS_JUMPS_MAX times.
 *
 * An SRV answer is not authenticated (no DNSSEC check here): a target is
 * untrusted input. Bytes outside letters, digits, '-' and '_' in a label
 * are written as \DDD, so a hostile name cannot hide in the output; the
 * caller refuses such a target (dns_name_safe). Nothing here prints.
 */
#ifndef POSTERN_DNS_H
#define POSTERN_DNS_H

#include <stdbool.h>
#include <stddef.h>

#include "err.h"

#define DNS_SRV_MAX 16     /* records kept from one answer */
#define DNS_NAME_TEXT 1024 /* a name as text, escapes included */
#define DNS_JUMPS_MAX 32   /* compression pointers followed per name */

struct dns_srv {
	unsigned priority, weight, port;
	char target[DNS_NAME_TEXT]; /* without the final dot; "." alone
				       means "no service here" */
};

/*
 * The SRV records of an answer (msg[0..len)) into v (at most cap), *n of
 * them, sorted by priority then weight (heavier first). A name error
 * (NXDOMAIN) or an answer without SRV records gives *n = 0. 0, or -1 with
 * ERR_PROTOCOL (malformed) or a temporary ERR_TEMP (SERVFAIL).
 */
int dns_srv_parse(const unsigned char *msg, size_t len, struct dns_srv *v,
    size_t cap, size_t *n, struct err *);

/*
 * Ask the resolver for name's SRV records, each try bounded by timeout
 * seconds (one retry). 0 with *n (0: none), or -1 with e (a temporary
 * ERR_TEMP when no DNS server answered).
 */
int dns_srv_lookup(const char *name, unsigned timeout, struct dns_srv *v,
    size_t cap, size_t *n, struct err *);

/* True when a name has only letters, digits, '-', '_' and dots. */
bool dns_name_safe(const char *);

#endif
