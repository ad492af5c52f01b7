/*
 * msg_hdr.c: the header block of the message preparer: split into
 * fields, -t recipients, the fix-ups of msg.h, and the output.
 *
 * The block arrives as CRLF lines (msg.c checked line lengths and the
 * block cap); a field is its first line plus the continuation lines that
 * start with WSP. Fields are kept as offsets into the block and are
 * emitted in their original order, except that a field may be dropped
 * (Bcc) or replaced by a generated one (a qualified From or To). New
 * fields (From, Date, Message-ID) follow the existing ones.
 */
#include "config.h"

#include <sys/random.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "msg_int.h"

struct hfield {
	size_t off, len; /* whole field with its CRLFs */
	size_t nlen;     /* length of the name */
	bool drop;
	char *repl; /* generated replacement, or NULL */
};

struct hblock {
	struct msg *m;
	struct hfield *f;
	size_t n;
	struct buf add; /* fields added at the end */
	struct err *err;
};

static bool
hdr_is(const struct hblock *h, size_t i, const char *name)
{
	return h->f[i].nlen == strlen(name) &&
	    strncasecmp(h->m->hdr.data + h->f[i].off, name, h->f[i].nlen) == 0;
}

/* The value of field i (after the colon, CRLF at its end excluded). */
static const char *
hdr_value(const struct hblock *h, size_t i, size_t *len)
{
	const struct hfield *f = &h->f[i];

	*len = f->len - f->nlen - 3;
	return h->m->hdr.data + f->off + f->nlen + 1;
}

static ssize_t
hdr_find(const struct hblock *h, const char *name)
{
	size_t i;

	for (i = 0; i < h->n; i++)
		if (hdr_is(h, i, name) && !h->f[i].drop)
			return (ssize_t)i;
	return -1;
}

static int
hdr_split(struct hblock *h)
{
	const char *s = h->m->hdr.data, *nl, *colon;
	size_t off = 0, len = h->m->hdr.len, n;
	struct hfield *nv;

	while (off < len) {
		nl = memchr(s + off, '\n', len - off);
		n = (size_t)(nl - (s + off)) + 1;
		if ((s[off] == ' ' || s[off] == '\t') && h->n > 0) {
			h->f[h->n - 1].len += n;
		} else {
			nv = reallocarray(h->f, h->n + 1, sizeof *nv);
			if (nv == NULL)
				return err_set(h->err, ERR_SOFTWARE,
				    "no memory");
			h->f = nv;
			colon = memchr(s + off, ':', n);
			memset(&h->f[h->n], 0, sizeof *nv);
			h->f[h->n].off = off;
			h->f[h->n].len = n;
			h->f[h->n].nlen = (size_t)(colon - (s + off));
			h->n++;
		}
		off += n;
	}
	return 0;
}

/* "Name: a, Display <b>, ..." folded before an address past column 72. */
static char *
hdr_gen_list(const char *field, const struct addr_list *l)
{
	struct buf b, one;
	size_t i, col;
	char *s = NULL;

	buf_init(&b, MSG_MAX_HEADER_BYTES);
	buf_init(&one, 4 * MSG_MAX_LINE);
	if (buf_printf(&b, "%s:", field) == -1)
		goto out;
	col = b.len;
	for (i = 0; i < l->n; i++) {
		buf_reset(&one);
		if (l->v[i].name != NULL &&
		    msg_put_name_addr(&one, l->v[i].name, l->v[i].spec) == -1)
			goto out;
		if (l->v[i].name == NULL && buf_add_str(&one, l->v[i].spec))
			goto out;
		if (one.len > MSG_MAX_LINE - 4)
			goto out;
		if (col + one.len + 2 > 72 && i > 0) {
			(void)buf_add_str(&b, "\r\n");
			col = 0;
		}
		(void)buf_printf(&b, " %s%s", buf_str(&one),
		    i + 1 < l->n ? "," : "");
		col += one.len + 2;
	}
	if (buf_add_str(&b, "\r\n") == 0)
		s = buf_steal(&b);
out:
	buf_free(&b);
	buf_free(&one);
	return s;
}

/* -t: To/Cc/Bcc, or those of the first Resent- block when there is one. */
static int
hdr_rcpts(struct hblock *h)
{
	static const char *plain[] = { "To", "Cc", "Bcc" };
	static const char *resent[] = { "Resent-To", "Resent-Cc",
		"Resent-Bcc" };
	const char **names = plain, *v;
	struct addr_list raw;
	size_t i, k, first = 0, last = h->n, len;
	int r = -1;

	for (i = 0; i < h->n; i++)
		if (h->f[i].nlen > 7 &&
		    strncasecmp(h->m->hdr.data + h->f[i].off, "Resent-", 7) ==
		        0)
			break;
	if (i < h->n) {
		names = resent;
		for (first = i; i < h->n && h->f[i].nlen > 7 &&
		     strncasecmp(h->m->hdr.data + h->f[i].off, "Resent-", 7) ==
		         0;
		     i++)
			;
		last = i;
	}
	addr_list_init(&raw, h->m->rcpts.max);
	for (i = first; i < last; i++)
		for (k = 0; k < 3; k++)
			if (hdr_is(h, i, names[k])) {
				v = hdr_value(h, i, &len);
				if (addr_parse_list(v, len, &raw, h->err) == -1)
					goto out;
			}
	if (addr_resolve(&raw, h->m->o->aliases, h->m->o->local_domain,
	        &h->m->rcpts, h->err) == -1)
		goto out;
	r = 0;
out:
	addr_list_free(&raw);
	return r;
}

/* To/Cc with a bare name: qualify like the envelope, or leave alone. */
static void
hdr_qualify(struct hblock *h, size_t i, const char *name)
{
	struct addr_list l, q;
	struct err e;
	const char *v;
	size_t k, len;
	bool need = false;

	addr_list_init(&l, 0);
	addr_list_init(&q, 0);
	v = hdr_value(h, i, &len);
	if (addr_parse_list(v, len, &l, &e) == -1)
		goto out;
	for (k = 0; k < l.n; k++)
		need |= l.v[k].unqualified;
	if (!need ||
	    addr_resolve(&l, h->m->o->aliases, h->m->o->local_domain, &q, &e) ==
	        -1)
		goto out;
	h->f[i].repl = hdr_gen_list(name, &q);
out:
	addr_list_free(&l);
	addr_list_free(&q);
}

static const char *
hdr_domain_of(const char *a)
{
	const char *at = a ? strrchr(a, '@') : NULL;

	return at != NULL && at[1] != '\0' ? at + 1 : NULL;
}

static const char *
hdr_sender(const struct msg_opts *o)
{
	if (o->envelope_from != NULL && *o->envelope_from != '\0')
		return o->envelope_from;
	if (o->account_from != NULL && *o->account_from != '\0')
		return o->account_from;
	return NULL;
}

static int
hdr_set_from_addr(struct msg *m, const char *spec)
{
	free(m->from_addr);
	m->from_addr = spec ? strdup(spec) : NULL;
	return spec && m->from_addr == NULL ? -1 : 0;
}

/* From: Name <addr>, into b (without the CRLF). */
static int
hdr_from_line(struct buf *b, const char *name, const char *addr)
{
	if (name == NULL || *name == '\0')
		return buf_printf(b, "From: %s\r\n", addr);
	if (buf_add_str(b, "From: ") || msg_put_name_addr(b, name, addr))
		return -1;
	return buf_add_str(b, "\r\n");
}

/* An existing From (auto): rewrite a lone unqualified address. */
static int
hdr_from_fix(struct hblock *h, size_t i, bool rewrite)
{
	const struct msg_opts *o = h->m->o;
	struct addr_list l;
	struct buf b;
	struct err e;
	const char *v, *name, *to = o->account_from;
	char *q = NULL;
	size_t len;
	int r = 0;

	addr_list_init(&l, 0);
	buf_init(&b, 4 * MSG_MAX_LINE);
	v = hdr_value(h, i, &len);
	if (addr_parse_list(v, len, &l, &e) == -1 || l.n == 0)
		goto out;
	if (rewrite && l.n == 1 && l.v[0].unqualified) {
		if ((to == NULL || *to == '\0') && o->local_domain != NULL &&
		    asprintf(&q, "%s@%s", l.v[0].spec, o->local_domain) > 0)
			to = q;
		if (to == NULL || *to == '\0')
			goto out;
		name = l.v[0].name   ? l.v[0].name
		    : l.v[0].comment ? l.v[0].comment
		                     : o->from_full_name;
		if (hdr_from_line(&b, name, to) == 0 && b.len <= MSG_MAX_LINE &&
		    (h->f[i].repl = buf_steal(&b)))
			r = hdr_set_from_addr(h->m, to);
		goto out;
	}
	r = hdr_set_from_addr(h->m, l.v[0].spec);
out:
	free(q);
	buf_free(&b);
	addr_list_free(&l);
	return r;
}

static int
hdr_from(struct hblock *h)
{
	const struct msg_opts *o = h->m->o;
	const char *sender = hdr_sender(o);
	ssize_t i;
	size_t k;

	if (o->set_from_header == MSG_FROM_ON)
		for (k = 0; k < h->n; k++)
			if (hdr_is(h, k, "From"))
				h->f[k].drop = true;
	if ((i = hdr_find(h, "From")) >= 0) {
		return hdr_from_fix(h, (size_t)i,
		    o->set_from_header == MSG_FROM_AUTO);
	}
	if (o->set_from_header == MSG_FROM_OFF || sender == NULL)
		return 0;
	if (hdr_from_line(&h->add, o->from_full_name, sender) == -1 ||
	    hdr_set_from_addr(h->m, sender) == -1)
		return err_set(h->err, ERR_DATA, "cannot generate From");
	return 0;
}

/* Date: Sat, 28 Nov 2026 00:05:09 +0100 (names not from the locale). */
static int
hdr_date(struct hblock *h)
{
	static const char *day[] = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri",
		"Sat" };
	static const char *mon[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
		"Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	time_t t = h->m->o->now ? h->m->o->now : time(NULL);
	struct tm tm;
	long off;

	if (localtime_r(&t, &tm) == NULL)
		return err_set(h->err, ERR_SOFTWARE, "localtime failed");
	off = tm.tm_gmtoff / 60;
	if (buf_printf(&h->add,
	        "Date: %s, %d %s %d %02d:%02d:%02d %c%02ld%02ld\r\n",
	        day[tm.tm_wday % 7], tm.tm_mday, mon[tm.tm_mon % 12],
	        tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec,
	        off < 0 ? '-' : '+', labs(off) / 60, labs(off) % 60) == -1)
		return err_set(h->err, ERR_SOFTWARE, "out of memory");
	return 0;
}

/* Message-ID: <time.random@domain>, 128 random bits from getrandom. */
static int
hdr_msgid(struct hblock *h)
{
	const struct msg_opts *o = h->m->o;
	const char *dom = o->msgid_domain;
	unsigned char rnd[16];
	char hex[33];
	size_t i;

	if (dom == NULL || *dom == '\0')
		dom = hdr_domain_of(hdr_sender(o));
	if (dom == NULL)
		dom = "localhost";
	if (o->msgid_left != NULL)
		return buf_printf(&h->add, "Message-ID: <%s@%s>\r\n",
		           o->msgid_left, dom) == -1
		    ? err_set(h->err, ERR_SOFTWARE, "out of memory")
		    : 0;
	if (getrandom(rnd, sizeof rnd, 0) != (ssize_t)sizeof rnd)
		return err_set(h->err, ERR_OSERR, "getrandom failed");
	for (i = 0; i < sizeof rnd; i++) {
		hex[2 * i] = "0123456789abcdef"[rnd[i] >> 4];
		hex[2 * i + 1] = "0123456789abcdef"[rnd[i] & 15];
	}
	hex[32] = '\0';
	if (buf_printf(&h->add, "Message-ID: <%llx.%s@%s>\r\n",
	        (unsigned long long)(o->now ? o->now : time(NULL)), hex,
	        dom) == -1)
		return err_set(h->err, ERR_SOFTWARE, "out of memory");
	return 0;
}

/* Which MIME fields exist, and may a long body line be re-encoded? */
static void
hdr_mime(struct hblock *h)
{
	const char *v;
	size_t len, k;
	ssize_t i;

	h->m->has_mimever = hdr_find(h, "MIME-Version") >= 0;
	if ((i = hdr_find(h, "Content-Type")) >= 0) {
		h->m->has_ctype = true;
		v = hdr_value(h, (size_t)i, &len);
		for (k = 0; k < len && (v[k] == ' ' || v[k] == '\t'); k++)
			;
		if ((len - k >= 10 &&
		        strncasecmp(v + k, "multipart/", 10) == 0) ||
		    (len - k >= 8 && strncasecmp(v + k, "message/", 8) == 0))
			h->m->mime_refuse = true;
	}
	if ((i = hdr_find(h, "Content-Transfer-Encoding")) >= 0) {
		v = hdr_value(h, (size_t)i, &len);
		for (k = 0; k < len && (v[k] == ' ' || v[k] == '\t'); k++)
			;
		if ((len - k >= 6 && strncasecmp(v + k, "base64", 6) == 0) ||
		    (len - k >= 16 &&
		        strncasecmp(v + k, "quoted-printable", 16) == 0))
			h->m->mime_refuse = true;
	}
}

/* Whether an address field holds an address with a byte >= 0x80. */
static bool
hdr_utf8_addr(const char *v, size_t len)
{
	struct addr_list l;
	struct err e;
	size_t i;
	bool utf8 = false;

	for (i = 0; i < len && (unsigned char)v[i] < 0x80; i++)
		;
	if (i == len)
		return false;
	addr_list_init(&l, 0);
	if (addr_parse_list(v, len, &l, &e) == 0)
		for (i = 0; i < l.n; i++)
			utf8 |= l.v[i].utf8_local || l.v[i].utf8_domain;
	addr_list_free(&l);
	return utf8;
}

/*
 * RFC 6532: a UTF-8 address in the header (raw, as written or as put
 * there by a fix-up) makes the message need SMTPUTF8. Dropped fields
 * (Bcc) do not count; a field that does not parse as addresses is left
 * to 8BITMIME.
 */
static void
hdr_smtputf8(struct hblock *h)
{
	static const char *names[] = { "From", "Sender", "Reply-To", "To", "Cc",
		"Bcc", "Resent-From", "Resent-Sender", "Resent-To", "Resent-Cc",
		"Resent-Bcc" };
	const char *v, *colon;
	size_t i, k, len;

	if (h->m->from_addr != NULL &&
	    hdr_utf8_addr(h->m->from_addr, strlen(h->m->from_addr)))
		h->m->needs_smtputf8 = true;
	for (i = 0; i < h->n && !h->m->needs_smtputf8; i++) {
		for (k = 0; k < sizeof(names) / sizeof(names[0]); k++)
			if (hdr_is(h, i, names[k]))
				break;
		if (h->f[i].drop || k == sizeof(names) / sizeof(names[0]))
			continue;
		if (h->f[i].repl != NULL &&
		    (colon = strchr(h->f[i].repl, ':')) != NULL) {
			v = colon + 1;
			len = strlen(v);
			len -= len >= 2 ? 2 : len; /* the CRLF */
		} else
			v = hdr_value(h, i, &len);
		h->m->needs_smtputf8 = hdr_utf8_addr(v, len);
	}
}

static int
hdr_fixups(struct hblock *h)
{
	const struct msg_opts *o = h->m->o;
	static const char *qual[] = { "To", "Cc", "Resent-To", "Resent-Cc" };
	size_t i, k;

	if (o->from_full_name != NULL &&
	    strlen(o->from_full_name) > MSG_NAME_MAX)
		return err_set(h->err, ERR_DATA,
		    "the sender's full name (-F or from_full_name) is %zu octets long; the limit is %d",
		    strlen(o->from_full_name), MSG_NAME_MAX);
	if (o->read_recipients && hdr_rcpts(h) == -1)
		return -1;
	for (i = 0; i < h->n; i++) {
		if (o->remove_bcc_headers &&
		    (hdr_is(h, i, "Bcc") || hdr_is(h, i, "Resent-Bcc")))
			h->f[i].drop = true;
		for (k = 0; k < 4; k++)
			if (hdr_is(h, i, qual[k]) && !h->f[i].drop)
				hdr_qualify(h, i, qual[k]);
	}
	if (hdr_from(h) == -1)
		return -1;
	if (o->set_date_header && hdr_find(h, "Date") < 0 && hdr_date(h) == -1)
		return -1;
	if (o->set_msgid_header && hdr_find(h, "Message-ID") < 0 &&
	    hdr_msgid(h) == -1)
		return -1;
	hdr_mime(h);
	hdr_smtputf8(h);
	return 0;
}

static int
hdr_write(struct msg *m, const char *s, size_t n, struct err *err)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (s[i] == '\n')
			m->lines++;
		else if ((unsigned char)s[i] >= 0x80)
			m->has_8bit = true;
	}
	return msg_out(m, s, n, err);
}

int
msg_hdr_emit(struct msg *m, struct err *err)
{
	struct hblock h;
	size_t i;
	int r = -1;

	memset(&h, 0, sizeof h);
	h.m = m;
	h.err = err;
	buf_init(&h.add, MSG_MAX_HEADER_BYTES);
	if (hdr_split(&h) == -1 || hdr_fixups(&h) == -1)
		goto out;
	for (i = 0; i < h.n; i++) {
		if (h.f[i].drop)
			continue;
		if (h.f[i].repl != NULL) {
			if (hdr_write(m, h.f[i].repl, strlen(h.f[i].repl), err))
				goto out;
		} else if (hdr_write(m, m->hdr.data + h.f[i].off, h.f[i].len,
		               err) == -1)
			goto out;
	}
	if (hdr_write(m, buf_str(&h.add), h.add.len, err) == -1 ||
	    hdr_write(m, "\r\n", 2, err) == -1)
		goto out;
	r = 0;
out:
	for (i = 0; i < h.n; i++)
		free(h.f[i].repl);
	free(h.f);
	buf_free(&h.add);
	buf_free(&m->hdr);
	m->line_start = 0;
	m->line_len = 0;
	return r;
}
