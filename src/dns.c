/*
 * dns.c: SRV lookups and a bounded parser of the answer (see dns.h).
 *
 * The message layout (RFC 1035 4.1): a 12-byte header (id, flags with
 * RCODE in the low 4 bits, QDCOUNT, ANCOUNT, NSCOUNT, ARCOUNT), the
 * questions (name, type, class), then resource records: name, type,
 * class, TTL, RDLENGTH, RDATA. SRV RDATA (RFC 2782): priority, weight,
 * port (16 bits each), target name (compression allowed by practice).
 */
#include "config.h"

#include <sys/types.h>

#include <netinet/in.h>

#include <arpa/nameser.h>
#include <netdb.h>
#include <resolv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dns.h"
#include "util.h"

#define DNS_HDR 12
#define DNS_T_SRV 33
#define DNS_C_IN 1
#define DNS_ANSWER_MAX 65536

struct dns_msg {
	const unsigned char *p;
	size_t len;
};

static unsigned
dns_u16(const struct dns_msg *m, size_t off)
{
	return (unsigned)m->p[off] << 8 | m->p[off + 1];
}

/* One label's bytes as text, escaping what is not a host name byte. */
static int
dns_label_text(const unsigned char *l, size_t n, char *out, size_t cap,
    size_t *o)
{
	size_t i;
	int w;

	for (i = 0; i < n; i++) {
		unsigned char c = l[i];

		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == '_') {
			if (*o + 1 >= cap)
				return -1;
			out[(*o)++] = (char)c;
			continue;
		}
		w = snprintf(out + *o, cap - *o, "\\%03u", c);
		if (w < 0 || (size_t)w >= cap - *o)
			return -1;
		*o += (size_t)w;
	}
	out[*o] = '\0';
	return 0;
}

/*
 * The name at *off as text into out; *off moves past it (past the first
 * pointer when compressed). 0, or -1 when malformed.
 */
static int
dns_name(const struct dns_msg *m, size_t *off, char *out, size_t cap)
{
	size_t at = *off, o = 0, total = 0;
	unsigned jumps = 0, n;
	bool jumped = false;

	out[0] = '\0';
	for (;;) {
		if (at >= m->len)
			return -1;
		n = m->p[at];
		if ((n & 0xc0) == 0xc0) {
			size_t to;

			if (at + 1 >= m->len || ++jumps > DNS_JUMPS_MAX)
				return -1;
			to = (size_t)(n & 0x3f) << 8 | m->p[at + 1];
			if (to >= at)
				return -1; /* only backwards: no loops */
			if (!jumped)
				*off = at + 2;
			jumped = true;
			at = to;
			continue;
		}
		if (n & 0xc0)
			return -1;
		if (n == 0)
			break;
		if (at + 1 + n > m->len || (total += n + 1) > 255)
			return -1;
		if (o > 0) {
			if (o + 1 >= cap)
				return -1;
			out[o++] = '.';
		}
		if (dns_label_text(m->p + at + 1, n, out, cap, &o) == -1)
			return -1;
		at += 1 + n;
	}
	if (!jumped)
		*off = at + 1;
	if (o == 0)
		(void)strlcpy(out, ".", cap);
	return 0;
}

/* One answer record; an SRV is appended to v. */
static int
dns_record(const struct dns_msg *m, size_t *off, struct dns_srv *v, size_t cap,
    size_t *n)
{
	char owner[DNS_NAME_TEXT];
	unsigned type, cls, rdlen;
	size_t rd;

	if (dns_name(m, off, owner, sizeof(owner)) == -1 || *off + 10 > m->len)
		return -1;
	type = dns_u16(m, *off);
	cls = dns_u16(m, *off + 2);
	rdlen = dns_u16(m, *off + 8);
	rd = *off + 10;
	if (rd + rdlen > m->len)
		return -1;
	*off = rd + rdlen;
	if (type != DNS_T_SRV || cls != DNS_C_IN || *n >= cap)
		return 0;
	if (rdlen < 7)
		return -1;
	v[*n].priority = dns_u16(m, rd);
	v[*n].weight = dns_u16(m, rd + 2);
	v[*n].port = dns_u16(m, rd + 4);
	rd += 6;
	if (dns_name(m, &rd, v[*n].target, sizeof(v[*n].target)) == -1 ||
	    rd > *off)
		return -1;
	(*n)++;
	return 0;
}

static int
dns_srv_cmp(const void *a, const void *b)
{
	const struct dns_srv *x = a, *y = b;

	if (x->priority != y->priority)
		return x->priority < y->priority ? -1 : 1;
	if (x->weight != y->weight)
		return x->weight > y->weight ? -1 : 1;
	return 0;
}

int
dns_srv_parse(const unsigned char *msg, size_t len, struct dns_srv *v,
    size_t cap, size_t *n, struct err *e)
{
	const struct dns_msg m = { msg, len };
	char name[DNS_NAME_TEXT];
	unsigned qd, an, rcode, i;
	size_t off = DNS_HDR;

	*n = 0;
	if (len < DNS_HDR)
		return err_set(e, ERR_PROTOCOL, "DNS answer too short");
	rcode = msg[3] & 0x0f;
	if (rcode == 3)
		return 0; /* NXDOMAIN: no such name, no records */
	if (rcode == 2)
		return err_set_temp(e, ERR_TEMP,
		    "the DNS server failed (SERVFAIL)");
	if (rcode != 0)
		return err_set(e, ERR_PROTOCOL, "DNS error (RCODE %u)", rcode);
	qd = dns_u16(&m, 4);
	an = dns_u16(&m, 6);
	for (i = 0; i < qd; i++) {
		if (dns_name(&m, &off, name, sizeof(name)) == -1 ||
		    (off += 4) > len)
			return err_set(e, ERR_PROTOCOL,
			    "malformed DNS answer (question %u)", i + 1);
	}
	for (i = 0; i < an; i++)
		if (dns_record(&m, &off, v, cap, n) == -1)
			return err_set(e, ERR_PROTOCOL,
			    "malformed DNS answer (record %u)", i + 1);
	qsort(v, *n, sizeof(*v), dns_srv_cmp);
	return 0;
}

int
dns_srv_lookup(const char *name, unsigned timeout, struct dns_srv *v,
    size_t cap, size_t *n, struct err *e)
{
	struct __res_state st;
	unsigned char *ans = NULL;
	int len, r = -1;

	*n = 0;
	memset(&st, 0, sizeof(st));
	if (res_ninit(&st) == -1)
		return err_set(e, ERR_OSERR,
		    "cannot read the resolver configuration");
	st.retrans = (int)(timeout ? timeout : 5);
	st.retry = 2;
	if ((ans = malloc(DNS_ANSWER_MAX)) == NULL) {
		err_set(e, ERR_SOFTWARE, "out of memory");
		goto out;
	}
	len = res_nquery(&st, name, DNS_C_IN, DNS_T_SRV, ans, DNS_ANSWER_MAX);
	if (len >= 0)
		r = dns_srv_parse(ans, (size_t)len, v, cap, n, e);
	else if (st.res_h_errno == HOST_NOT_FOUND || st.res_h_errno == NO_DATA)
		r = 0;
	else if (st.res_h_errno == TRY_AGAIN || st.res_h_errno == 0)
		err_set_temp(e, ERR_TEMP,
		    "no DNS server answered the SRV query for %s", name);
	else
		err_set(e, ERR_UNAVAILABLE, "SRV query for %s failed: %s", name,
		    hstrerror(st.res_h_errno));
out:
	free(ans);
	res_nclose(&st);
	return r;
}

bool
dns_name_safe(const char *s)
{
	for (; *s != '\0'; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		        (*s >= '0' && *s <= '9') || *s == '-' || *s == '_' ||
		        *s == '.'))
			return false;
	return true;
}
