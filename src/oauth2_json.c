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

/* Unix time: an integer only; absent: 0. */
static int
oj_epoch(json_t *o, const char *key, int64_t *out, struct err *e)
{
	json_t *v = json_object_get(o, key);

	*out = 0;
	if (v == NULL)
		return 0;
	if (!json_is_integer(v))
		return err_set(e, ERR_PROTOCOL, "\"%s\" is not a number", key);
	*out = json_integer_value(v);
	return 0;
}

/* One member a document's parser copies, and into what. */
struct oj_field {
	const char *key;
	enum { OJ_STR, OJ_SECONDS, OJ_EPOCH } kind;
	void *dst;
	size_t cap; /* OJ_STR: the size of the char array dst */
};

#define OJ_S(key, arr)                                                         \
	{                                                                      \
		key, OJ_STR, (arr), sizeof(arr)                                \
	}
#define OJ_N(key, p)                                                           \
	{                                                                      \
		key, OJ_SECONDS, (p), 0                                        \
	}
#define OJ_T(key, p)                                                           \
	{                                                                      \
		key, OJ_EPOCH, (p), 0                                          \
	}

static int
oj_field(json_t *o, const struct oj_field *f, struct err *e)
{
	if (f->kind == OJ_STR)
		return oj_str(o, f->key, f->dst, f->cap, e);
	if (f->kind == OJ_SECONDS)
		return oj_int(o, f->key, f->dst, e);
	return oj_epoch(o, f->key, f->dst, e);
}

/*
 * Parse the document what (s, len) and copy its fields in order; the
 * first missing-or-bad one ends it. 0, or -1 with e.
 */
static int
oj_parse(const char *s, size_t len, const char *what, const struct oj_field *f,
    size_t n, struct err *e)
{
	json_t *o;
	size_t i;
	int r = 0;

	if ((o = oj_load(s, len, what, e)) == NULL)
		return -1;
	for (i = 0; i < n && r == 0; i++)
		r = oj_field(o, &f[i], e);
	json_decref(o);
	return r;
}

/* A token answer's fields: a success, an error, or neither. */
static int
oj_tokens_check(const struct oauth2_tokens *t, struct err *e)
{
	if (t->error[0] != '\0')
		return 0;
	if (t->access_token[0] == '\0')
		return err_set(e, ERR_PROTOCOL,
		    "the token endpoint's answer has no access_token");
	if (strcasecmp(t->token_type, "bearer") != 0)
		return err_set(e, ERR_PROTOCOL,
		    "the token endpoint's answer is not a Bearer token");
	return 0;
}

int
oauth2_json_tokens(const char *s, size_t len, struct oauth2_tokens *t,
    struct err *e)
{
	const struct oj_field f[] = {
		OJ_S("access_token", t->access_token),
		OJ_S("refresh_token", t->refresh_token),
		OJ_S("token_type", t->token_type),
		OJ_S("error", t->error),
		OJ_S("error_description", t->error_description),
		OJ_N("expires_in", &t->expires_in),
	};

	memset(t, 0, sizeof(*t));
	if (oj_parse(s, len, "the token endpoint's answer", f, ARRAY_SIZE(f),
	        e) == -1 ||
	    oj_tokens_check(t, e) == -1) {
		oauth2_json_wipe(t);
		return -1;
	}
	return 0;
}

int
oauth2_json_device(const char *s, size_t len, struct oauth2_device *d,
    struct err *e)
{
	const struct oj_field f[] = {
		OJ_S("device_code", d->device_code),
		OJ_S("user_code", d->user_code),
		OJ_S("verification_uri", d->verification_uri),
		OJ_S("verification_uri_complete", d->verification_uri_complete),
		OJ_N("expires_in", &d->expires_in),
		OJ_N("interval", &d->interval),
	};

	memset(d, 0, sizeof(*d));
	if (oj_parse(s, len, "the device authorization answer", f,
	        ARRAY_SIZE(f), e) == -1)
		return -1;
	if (d->device_code[0] == '\0' || d->user_code[0] == '\0' ||
	    d->verification_uri[0] == '\0')
		return err_set(e, ERR_PROTOCOL,
		    "the device authorization answer lacks device_code, user_code or verification_uri");
	return 0;
}

int
oauth2_json_meta(const char *s, size_t len, struct oauth2_meta *m,
    struct err *e)
{
	const struct oj_field f[] = {
		OJ_S("issuer", m->issuer),
		OJ_S("authorization_endpoint", m->authorization_endpoint),
		OJ_S("token_endpoint", m->token_endpoint),
		OJ_S("device_authorization_endpoint",
		    m->device_authorization_endpoint),
	};

	memset(m, 0, sizeof(*m));
	if (oj_parse(s, len, "the provider's metadata", f, ARRAY_SIZE(f), e) ==
	    -1)
		return -1;
	if (m->issuer[0] == '\0' || m->token_endpoint[0] == '\0')
		return err_set(e, ERR_PROTOCOL,
		    "the provider's metadata lacks issuer or token_endpoint");
	return 0;
}

int
oauth2_json_store_parse(const char *s, size_t len, struct oauth2_tokens *t,
    struct err *e)
{
	const struct oj_field f[] = {
		OJ_S("access_token", t->access_token),
		OJ_S("refresh_token", t->refresh_token),
		OJ_T("expires_at", &t->expires_at),
	};

	memset(t, 0, sizeof(*t));
	if (oj_parse(s, len, "the token file", f, ARRAY_SIZE(f), e) == -1) {
		oauth2_json_wipe(t);
		return -1;
	}
	t->expires_in = -1;
	return 0;
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
