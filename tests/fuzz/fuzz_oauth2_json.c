/*
 * fuzz_oauth2_json.c: libFuzzer target for OAuth2's parsers (token
 * response, device authorization, metadata, token file, the redirect
 * URL's query), all from memory. The first byte picks the parser; each must stay within the
 * input, return 0 or -1, leave NUL-terminated fields, and a token
 * response it accepts must carry an access token or an error. A token
 * file it accepts must survive a dump and a parse unchanged.
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "oauth2.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static struct oauth2_tokens t, t2;
static struct oauth2_device d;
static struct oauth2_meta m;

static void
fuzz_store(const char *s, size_t n)
{
	struct err e;
	char *dump;

	if (oauth2_json_store_parse(s, n, &t, &e) != 0)
		return;
	if ((dump = oauth2_json_store_dump(&t)) == NULL)
		return;
	if (oauth2_json_store_parse(dump, strlen(dump), &t2, &e) != 0 ||
	    strcmp(t.access_token, t2.access_token) != 0 ||
	    strcmp(t.refresh_token, t2.refresh_token) != 0 ||
	    t.expires_at != t2.expires_at)
		abort();
	free(dump);
}

/* The redirect URL's query (a NUL-terminated copy). */
static void
fuzz_redirect(const char *s, size_t n)
{
	static struct oauth2_redirect r;
	char *c = malloc(n + 1);
	struct err e;

	if (c == NULL)
		return;
	memcpy(c, s, n);
	c[n] = '\0';
	(void)oauth2_redirect_parse(c, &r, &e);
	free(c);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data + 1;
	size_t n = size ? size - 1 : 0;
	struct err e;

	if (size == 0)
		return 0;
	switch (data[0] % 5) {
	case 0:
		if (oauth2_json_tokens(s, n, &t, &e) == 0 &&
		    t.access_token[0] == '\0' && t.error[0] == '\0')
			abort();
		break;
	case 1:
		(void)oauth2_json_device(s, n, &d, &e);
		break;
	case 2:
		(void)oauth2_json_meta(s, n, &m, &e);
		break;
	case 3:
		fuzz_redirect(s, n);
		break;
	default:
		fuzz_store(s, n);
		break;
	}
	return 0;
}
