/*
 * smtp_reply.c: the SMTP reply parser and the EHLO capability reader.
 * Pure: bytes in, a parsed reply out; no I/O, no allocation. The input
 * comes from any server we connect to, so every access is bounded
 * (CVE-2020-8794 was a client reading past a short continuation line):
 *
 *   reply = *( code "-" [text] CRLF ) code [ SP text ] CRLF
 *   code  = [2-5] [0-5] [0-9], the same on every line
 *   each line at most 512 octets with its CRLF, at most 100 lines
 *
 * An enhanced status code (RFC 3463, "class.subject.detail") at the start
 * of the first line's text is copied to reply->esc when its class agrees
 * with the reply code.
 */
#include "config.h"

#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "smtp.h"
#include "util.h"
#include "vis.h"

/* Length of the line at in (without its end), or -1 when it has no end. */
static long
smtp_reply_linelen(const char *in, size_t len, size_t *eol)
{
	const char *nl;
	size_t n;

	nl = memchr(in, '\n', len);
	if (nl == NULL)
		return -1;
	n = (size_t)(nl - in);
	*eol = n + 1;
	if (n > 0 && in[n - 1] == '\r')
		n--;
	return (long)n;
}

static int
smtp_reply_code(const char *p)
{
	if (p[0] < '2' || p[0] > '5' || p[1] < '0' || p[1] > '5' ||
	    !isdigit((unsigned char)p[2]))
		return -1;
	return (p[0] - '0') * 100 + (p[1] - '0') * 10 + (p[2] - '0');
}

/* One or more digits, at most max of them; returns the count, 0 if bad. */
static size_t
smtp_reply_digits(const char *p, size_t len, size_t max)
{
	size_t i = 0;

	while (i < len && i <= max && isdigit((unsigned char)p[i]))
		i++;
	return i > max ? 0 : i;
}

/* "5.1.1 " at the start of text, class matching the reply code. */
static void
smtp_reply_esc(struct smtp_reply *r, const char *t, size_t len)
{
	size_t i = 0, n;

	r->esc[0] = '\0';
	if (len < 5 || t[0] != '0' + r->code / 100 || t[1] != '.')
		return;
	i = 2;
	if ((n = smtp_reply_digits(t + i, len - i, 3)) == 0)
		return;
	i += n;
	if (i >= len || t[i] != '.')
		return;
	i++;
	if ((n = smtp_reply_digits(t + i, len - i, 3)) == 0)
		return;
	i += n;
	if (i < len && t[i] != ' ')
		return;
	if (i >= sizeof(r->esc))
		return;
	memcpy(r->esc, t, i);
	r->esc[i] = '\0';
}

/* Parse one line; 1 when it is the last line, 0 when more follow, -1. */
static int
smtp_reply_line(struct smtp_reply *r, const char *p, size_t n, size_t *off,
    const char **why)
{
	int code, last;
	size_t tlen;
	char *dst;

	if (n < 3 || (code = smtp_reply_code(p)) == -1) {
		*why = "reply line without a valid 3-digit code";
		return -1;
	}
	if (r->nlines > 0 && code != r->code) {
		*why = "reply lines carry different codes";
		return -1;
	}
	if (n > 3 && p[3] != '-' && p[3] != ' ') {
		*why = "reply code not followed by a space or '-'";
		return -1;
	}
	last = n == 3 || p[3] == ' ';
	tlen = n > 4 ? n - 4 : 0;
	r->code = code;
	dst = r->store + *off;
	if (tlen > 0)
		memcpy(dst, p + 4, tlen);
	dst[tlen] = '\0';
	r->line[r->nlines++] = dst;
	*off += tlen + 1;
	return last;
}

int
smtp_reply_parse(const char *in, size_t len, struct smtp_reply *r, size_t *used,
    const char **why)
{
	size_t pos = 0, eol, off = 0;
	long n;
	int last = 0;

	*why = NULL;
	r->code = 0;
	r->nlines = 0;
	r->esc[0] = '\0';
	while (!last) {
		n = smtp_reply_linelen(in + pos, len - pos, &eol);
		if (n == -1) {
			if (len - pos >= SMTP_REPLY_LINE_MAX) {
				*why = "reply line longer than 512 octets";
				return -1;
			}
			return 0;
		}
		if (eol > SMTP_REPLY_LINE_MAX) {
			*why = "reply line longer than 512 octets";
			return -1;
		}
		if (r->nlines == SMTP_REPLY_LINES_MAX) {
			*why = "reply has too many lines";
			return -1;
		}
		last = smtp_reply_line(r, in + pos, (size_t)n, &off, why);
		if (last == -1)
			return -1;
		pos += eol;
	}
	smtp_reply_esc(r, r->line[0], strlen(r->line[0]));
	*used = pos;
	return 1;
}

/* Append s to out[*o..cap), made visible (vis.h); keeps room for NUL. */
static void
smtp_reply_put(char *out, size_t cap, size_t *o, const char *s)
{
	*o += vis_str(out + *o, cap - *o, s, strlen(s), "");
}

void
smtp_reply_format(const struct smtp_reply *r, char *out, size_t cap)
{
	char code[8];
	size_t i, o = 0;

	if (cap == 0)
		return;
	out[0] = '\0';
	(void)snprintf(code, sizeof(code), "%d", r->code);
	smtp_reply_put(out, cap, &o, code);
	for (i = 0; i < r->nlines; i++) {
		smtp_reply_put(out, cap, &o, i == 0 ? " " : " / ");
		smtp_reply_put(out, cap, &o, r->line[i]);
	}
}

static const struct {
	const char *name;
	unsigned flag;
} smtp_cap_table[] = {
	{ "PIPELINING", SMTP_CAP_PIPELINING },
	{ "SIZE", SMTP_CAP_SIZE },
	{ "8BITMIME", SMTP_CAP_8BITMIME },
	{ "DSN", SMTP_CAP_DSN },
	{ "SMTPUTF8", SMTP_CAP_SMTPUTF8 },
	{ "CHUNKING", SMTP_CAP_CHUNKING },
	{ "STARTTLS", SMTP_CAP_STARTTLS },
	{ "AUTH", SMTP_CAP_AUTH },
	{ "ENHANCEDSTATUSCODES", SMTP_CAP_ENHANCEDSTATUSCODES },
	{ "BINARYMIME", SMTP_CAP_BINARYMIME },
	{ "REQUIRETLS", SMTP_CAP_REQUIRETLS },
};

/* The keyword of an EHLO line: length up to the first space or '='. */
static size_t
smtp_caps_keyword(const char *l)
{
	size_t n = 0;

	while (l[n] != '\0' && l[n] != ' ' && l[n] != '=')
		n++;
	return n;
}

/* Add the mechanisms in s to info->auth_offered, space separated. */
static void
smtp_caps_auth(struct smtp_info *info, const char *s)
{
	size_t o = strlen(info->auth_offered);

	while (*s == ' ' || *s == '=')
		s++;
	if (*s == '\0')
		return;
	if (o > 0 && o + 1 < sizeof(info->auth_offered))
		info->auth_offered[o++] = ' ';
	info->auth_offered[o] = '\0';
	smtp_reply_put(info->auth_offered, sizeof(info->auth_offered), &o, s);
}

static void
smtp_caps_size(struct smtp_info *info, const char *s)
{
	uint64_t v;
	const char *why;

	while (*s == ' ')
		s++;
	if (*s != '\0' && util_parse_uint(s, 0, UINT64_MAX, &v, &why) == 0)
		info->size_max = v;
}

void
smtp_caps_parse(const struct smtp_reply *r, struct smtp_info *info)
{
	size_t i, j, n;
	const char *l;

	info->caps = 0;
	info->size_max = 0;
	info->auth_offered[0] = '\0';
	info->ehlo_host[0] = '\0';
	if (r->nlines > 0) {
		n = smtp_caps_keyword(r->line[0]);
		if (n >= sizeof(info->ehlo_host))
			n = sizeof(info->ehlo_host) - 1;
		memcpy(info->ehlo_host, r->line[0], n);
		info->ehlo_host[n] = '\0';
	}
	for (i = 1; i < r->nlines; i++) {
		l = r->line[i];
		n = smtp_caps_keyword(l);
		for (j = 0; j < ARRAY_SIZE(smtp_cap_table); j++) {
			if (strlen(smtp_cap_table[j].name) != n ||
			    strncasecmp(l, smtp_cap_table[j].name, n) != 0)
				continue;
			info->caps |= smtp_cap_table[j].flag;
			if (smtp_cap_table[j].flag == SMTP_CAP_AUTH)
				smtp_caps_auth(info, l + n);
			else if (smtp_cap_table[j].flag == SMTP_CAP_SIZE)
				smtp_caps_size(info, l + n);
		}
	}
}
