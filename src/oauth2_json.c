/*
 * oauth2_json.c: OAuth2's JSON documents from memory (see oauth2_json.h).
 *
 * jansson parses with JSON_REJECT_DUPLICATES; its allocator is replaced
 * (once) by one that wipes every block before freeing it, since the
 * documents carry tokens. Members are copied into capped fields; an
 * over-long member or one of the wrong type is an error, an unknown one
 * is ignored (providers add their own, such as id_token or ext_expires_in).
 */
#include "config.h"

#include <inttypes.h>
#include <malloc.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "oauth2_json.h"
#include "util.h"

static void
oj_free(void *p)
{
	if (p == NULL)
		return;
	explicit_bzero(p, malloc_usable_size(p));
	free(p);
}

/* Every block jansson frees is wiped first (set once). */
static void
oj_init(void)
{
	static bool wiping;

	if (!wiping) {
		json_set_alloc_funcs(malloc, oj_free);
		wiping = true;
	}
}

static json_t *
oj_load(const char *s, size_t len, const char *what, struct err *e)
{
	json_error_t je;
	json_t *o;

	oj_init();
	o = json_loadb(s, len, JSON_REJECT_DUPLICATES, &je);
	if (o == NULL) {
		(void)err_set(e, ERR_PROTOCOL,
		    "%s is not valid JSON (at offset %d: %s)", what,
		    je.position, je.text);
		return NULL;
	}
	if (!json_is_object(o)) {
		json_decref(o);
		(void)err_set(e, ERR_PROTOCOL, "%s is not a JSON object", what);
		return NULL;
	}
	return o;
}

/* Copy member key (a string) into dst[cap]; absent leaves "". */
static int
oj_str(json_t *o, const char *key, char *dst, size_t cap, struct err *e)
{
	json_t *v = json_object_get(o, key);

	dst[0] = '\0';
	if (v == NULL || json_is_null(v))
		return 0;
	if (!json_is_string(v))
		return err_set(e, ERR_PROTOCOL, "\"%s\" is not a string", key);
	if (json_string_length(v) >= cap ||
	    strlen(json_string_value(v)) != json_string_length(v))
		return err_set(e, ERR_PROTOCOL,
		    "\"%s\" is too long or holds a NUL", key);
	memcpy(dst, json_string_value(v), json_string_length(v) + 1);
	return 0;
}

/* A number of seconds: an integer, or digits in a string (some
 * providers quote it); absent: -1. */
static int
oj_int(json_t *o, const char *key, int64_t *out, struct err *e)
{
	json_t *v = json_object_get(o, key);
	const char *why;
	uint64_t n;

	*out = -1;
	if (v == NULL || json_is_null(v))
		return 0;
	if (json_is_integer(v) && json_integer_value(v) >= 0 &&
	    json_integer_value(v) <= INT32_MAX) {
		*out = json_integer_value(v);
		return 0;
	}
	if (json_is_string(v) &&
	    util_parse_uint(json_string_value(v), 0, INT32_MAX, &n, &why) ==
	        0) {
		*out = (int64_t)n;
		return 0;
	}
	return err_set(e, ERR_PROTOCOL, "\"%s\" is not a number of seconds",
	    key);
}

static int
oj_tokens_fields(json_t *o, struct oauth2_tokens *t, struct err *e)
{
	if (oj_str(o, "access_token", t->access_token, sizeof(t->access_token),
	        e) == -1 ||
	    oj_str(o, "refresh_token", t->refresh_token,
	        sizeof(t->refresh_token), e) == -1 ||
	    oj_str(o, "token_type", t->token_type, sizeof(t->token_type), e) ==
	        -1 ||
	    oj_str(o, "error", t->error, sizeof(t->error), e) == -1 ||
	    oj_str(o, "error_description", t->error_description,
	        sizeof(t->error_description), e) == -1 ||
	    oj_int(o, "expires_in", &t->expires_in, e) == -1)
		return -1;
	return 0;
}

int
oauth2_json_tokens(const char *s, size_t len, struct oauth2_tokens *t,
    struct err *e)
{
	json_t *o;
	int r = -1;

	memset(t, 0, sizeof(*t));
	if ((o = oj_load(s, len, "the token endpoint's answer", e)) == NULL)
		return -1;
	if (oj_tokens_fields(o, t, e) == -1)
		goto out;
	if (t->error[0] != '\0') {
		r = 0;
		goto out;
	}
	if (t->access_token[0] == '\0')
		(void)err_set(e, ERR_PROTOCOL,
		    "the token endpoint's answer has no access_token");
	else if (strcasecmp(t->token_type, "bearer") != 0)
		(void)err_set(e, ERR_PROTOCOL,
		    "the token endpoint's answer is not a Bearer token");
	else
		r = 0;
out:
	json_decref(o);
	if (r == -1)
		oauth2_json_wipe(t);
	return r;
}

int
oauth2_json_device(const char *s, size_t len, struct oauth2_device *d,
    struct err *e)
{
	json_t *o;
	int r = -1;

	memset(d, 0, sizeof(*d));
	if ((o = oj_load(s, len, "the device authorization answer", e)) == NULL)
		return -1;
	if (oj_str(o, "device_code", d->device_code, sizeof(d->device_code),
	        e) == -1 ||
	    oj_str(o, "user_code", d->user_code, sizeof(d->user_code), e) ==
	        -1 ||
	    oj_str(o, "verification_uri", d->verification_uri,
	        sizeof(d->verification_uri), e) == -1 ||
	    oj_str(o, "verification_uri_complete", d->verification_uri_complete,
	        sizeof(d->verification_uri_complete), e) == -1 ||
	    oj_int(o, "expires_in", &d->expires_in, e) == -1 ||
	    oj_int(o, "interval", &d->interval, e) == -1)
		goto out;
	if (d->device_code[0] == '\0' || d->user_code[0] == '\0' ||
	    d->verification_uri[0] == '\0')
		(void)err_set(e, ERR_PROTOCOL,
		    "the device authorization answer lacks device_code, user_code or verification_uri");
	else
		r = 0;
out:
	json_decref(o);
	return r;
}

int
oauth2_json_meta(const char *s, size_t len, struct oauth2_meta *m,
    struct err *e)
{
	json_t *o;
	int r = -1;

	memset(m, 0, sizeof(*m));
	if ((o = oj_load(s, len, "the provider's metadata", e)) == NULL)
		return -1;
	if (oj_str(o, "issuer", m->issuer, sizeof(m->issuer), e) == -1 ||
	    oj_str(o, "authorization_endpoint", m->authorization_endpoint,
	        sizeof(m->authorization_endpoint), e) == -1 ||
	    oj_str(o, "token_endpoint", m->token_endpoint,
	        sizeof(m->token_endpoint), e) == -1 ||
	    oj_str(o, "device_authorization_endpoint",
	        m->device_authorization_endpoint,
	        sizeof(m->device_authorization_endpoint), e) == -1)
		goto out;
	if (m->issuer[0] == '\0' || m->token_endpoint[0] == '\0')
		(void)err_set(e, ERR_PROTOCOL,
		    "the provider's metadata lacks issuer or token_endpoint");
	else
		r = 0;
out:
	json_decref(o);
	return r;
}

int
oauth2_json_store_parse(const char *s, size_t len, struct oauth2_tokens *t,
    struct err *e)
{
	json_t *o, *v;
	int r = -1;

	memset(t, 0, sizeof(*t));
	if ((o = oj_load(s, len, "the token file", e)) == NULL)
		return -1;
	v = json_object_get(o, "expires_at");
	if (oj_str(o, "access_token", t->access_token, sizeof(t->access_token),
	        e) == -1 ||
	    oj_str(o, "refresh_token", t->refresh_token,
	        sizeof(t->refresh_token), e) == -1)
		goto out;
	if (v != NULL && !json_is_integer(v)) {
		(void)err_set(e, ERR_PROTOCOL,
		    "\"expires_at\" is not a number");
		goto out;
	}
	t->expires_at = v ? json_integer_value(v) : 0;
	t->expires_in = -1;
	r = 0;
out:
	json_decref(o);
	if (r == -1)
		oauth2_json_wipe(t);
	return r;
}

char *
oauth2_json_store_dump(const struct oauth2_tokens *t)
{
	json_t *o;
	char *s;

	oj_init();
	o = json_pack("{s:s, s:s, s:I}", "access_token", t->access_token,
	    "refresh_token", t->refresh_token, "expires_at",
	    (json_int_t)t->expires_at);
	if (o == NULL)
		return NULL;
	s = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	return s;
}

void
oauth2_json_wipe(struct oauth2_tokens *t)
{
	explicit_bzero(t->access_token, sizeof(t->access_token));
	explicit_bzero(t->refresh_token, sizeof(t->refresh_token));
}
