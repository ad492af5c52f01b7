/*
 * oauth2_redirect.c: the authorization response (RFC 6749 4.1.2) from
 * the redirect URL's query, pure (see oauth2.h): a whole URL pasted by
 * the user or the target of the browser's request ("/?code=..."). Only
 * the query counts (the part after '?', up to '#' or the end of the
 * line); values are percent-decoded ('+' is a space); a parameter given
 * twice, a value over its cap, a bad escape or a NUL is an error.
 */
#include "config.h"

#include <stddef.h>
#include <string.h>

#include "oauth2.h"

static int
oauth2_hex(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Percent-decode s[0..n) into dst[cap]. 0, or -1. */
static int
oauth2_unescape(const char *s, size_t n, char *dst, size_t cap)
{
	size_t i, o = 0;
	int hi, lo;

	for (i = 0; i < n; i++) {
		char c = s[i];

		if (c == '%') {
			if (i + 2 >= n)
				return -1;
			if ((hi = oauth2_hex(s[i + 1])) < 0 ||
			    (lo = oauth2_hex(s[i + 2])) < 0)
				return -1;
			c = (char)(hi << 4 | lo);
			i += 2;
		} else if (c == '+')
			c = ' ';
		if (c == '\0' || o + 1 >= cap)
			return -1;
		dst[o++] = c;
	}
	dst[o] = '\0';
	return 0;
}

/* The field for key, or NULL for a parameter we ignore. */
static char *
oauth2_redirect_field(struct oauth2_redirect *r, const char *k, size_t n,
    size_t *cap)
{
	static const struct {
		const char *name;
		size_t off, cap;
	} f[] = {
		{ "code", offsetof(struct oauth2_redirect, code),
		    sizeof(((struct oauth2_redirect *)0)->code) },
		{ "state", offsetof(struct oauth2_redirect, state),
		    sizeof(((struct oauth2_redirect *)0)->state) },
		{ "iss", offsetof(struct oauth2_redirect, iss),
		    sizeof(((struct oauth2_redirect *)0)->iss) },
		{ "error", offsetof(struct oauth2_redirect, error),
		    sizeof(((struct oauth2_redirect *)0)->error) },
		{ "error_description",
		    offsetof(struct oauth2_redirect, error_description),
		    sizeof(((struct oauth2_redirect *)0)->error_description) },
	};
	size_t i;

	for (i = 0; i < sizeof(f) / sizeof(f[0]); i++)
		if (strlen(f[i].name) == n && memcmp(f[i].name, k, n) == 0) {
			*cap = f[i].cap;
			return (char *)r + f[i].off;
		}
	return NULL;
}

int
oauth2_redirect_parse(const char *s, struct oauth2_redirect *r, struct err *e)
{
	const char *q = strchr(s, '?'), *end, *amp, *eq;
	size_t cap;
	char *dst;

	memset(r, 0, sizeof(*r));
	if (q == NULL)
		return err_set(e, ERR_PROTOCOL,
		    "the redirect URL has no query (?code=...)");
	end = q + 1 + strcspn(q + 1, "#\r\n \t");
	for (q++; q < end; q = amp + 1) {
		amp = memchr(q, '&', (size_t)(end - q));
		if (amp == NULL)
			amp = end;
		eq = memchr(q, '=', (size_t)(amp - q));
		if (eq == NULL ||
		    (dst = oauth2_redirect_field(r, q, (size_t)(eq - q),
		         &cap)) == NULL)
			continue;
		if (dst[0] != '\0' ||
		    oauth2_unescape(eq + 1, (size_t)(amp - eq - 1), dst, cap) ==
		        -1)
			return err_set(e, ERR_PROTOCOL,
			    "the redirect URL has a bad or repeated parameter");
	}
	if (r->code[0] == '\0' && r->error[0] == '\0')
		return err_set(e, ERR_PROTOCOL,
		    "the redirect URL has neither code nor error");
	return 0;
}
