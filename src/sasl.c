/*
 * sasl.c: SMTP AUTH mechanisms (see sasl.h): which one to use, the
 * built-in ones as pure builders, and a small client that steps either a
 * built-in mechanism or one from GNU SASL (sasl_lib.h).
 *
 * Built in: PLAIN, LOGIN, XOAUTH2, OAUTHBEARER, EXTERNAL. Everything
 * else (SCRAM-*, SCRAM-*-PLUS, CRAM-MD5, ...) goes to GNU SASL, which
 * also verifies the SCRAM server signature.
 */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sasl.h"
#include "sasl_lib.h"
#include "util.h"

/* Names of the built-in mechanisms, indexed by enum sasl_builtin. */
static const char *const sasl_builtins[] = {
	[SASL_PLAIN] = "PLAIN",
	[SASL_LOGIN] = "LOGIN",
	[SASL_XOAUTH2] = "XOAUTH2",
	[SASL_OAUTHBEARER] = "OAUTHBEARER",
	[SASL_EXTERNAL] = "EXTERNAL",
};
_Static_assert(ARRAY_SIZE(sasl_builtins) == SASL_BUILTIN_COUNT,
    "one name per built-in mechanism");

/* Automatic choice, strongest first. */
static const char *const sasl_auto_order[] = {
	"SCRAM-SHA-256-PLUS",
	"SCRAM-SHA-256",
	"SCRAM-SHA-1-PLUS",
	"SCRAM-SHA-1",
	"PLAIN",
	"LOGIN",
};

struct sasl_client {
	enum sasl_builtin id;
	const struct sasl_creds *creds;
	struct sasl_lib *lib;
	int step;  /* responses produced so far */
	bool ir;   /* sends an initial response with AUTH */
	bool done; /* complete from the client's side */
};

static const char b64_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

int
sasl_b64_encode(const void *in, size_t len, struct buf *out)
{
	const unsigned char *p = in;
	char q[4];
	size_t i;
	unsigned v;

	for (i = 0; i < len; i += 3) {
		v = (unsigned)p[i] << 16;
		if (i + 1 < len)
			v |= (unsigned)p[i + 1] << 8;
		if (i + 2 < len)
			v |= p[i + 2];
		q[0] = b64_alphabet[(v >> 18) & 63];
		q[1] = b64_alphabet[(v >> 12) & 63];
		q[2] = i + 1 < len ? b64_alphabet[(v >> 6) & 63] : '=';
		q[3] = i + 2 < len ? b64_alphabet[v & 63] : '=';
		if (buf_add(out, q, 4) == -1)
			return -1;
	}
	explicit_bzero(q, sizeof(q));
	return 0;
}

static int
sasl_b64_value(char c)
{
	const char *p;

	if (c == '\0' || (p = strchr(b64_alphabet, c)) == NULL)
		return -1;
	return (int)(p - b64_alphabet);
}

int
sasl_b64_decode(const char *in, size_t len, struct buf *out)
{
	size_t i, pad = 0;
	unsigned v;
	int d, k;
	unsigned char q[3];

	if (len % 4 != 0)
		return -1;
	for (i = 0; i < len; i += 4) {
		v = 0;
		for (k = 0; k < 4; k++) {
			if (in[i + k] == '=' && i + 4 == len && k >= 2) {
				pad++;
				d = 0;
			} else if (pad > 0 ||
			    (d = sasl_b64_value(in[i + k])) < 0)
				return -1;
			v = v << 6 | (unsigned)d;
		}
		q[0] = (unsigned char)(v >> 16);
		q[1] = (unsigned char)(v >> 8);
		q[2] = (unsigned char)v;
		if (buf_add(out, q, 3 - pad) == -1)
			return -1;
	}
	return 0;
}

int
sasl_plain(const char *authzid, const char *user, const char *password,
    struct buf *out)
{
	struct buf raw;
	int r = -1;

	buf_init(&raw, SASL_B64_MAX);
	if (buf_add_str(&raw, authzid ? authzid : "") == -1 ||
	    buf_add_char(&raw, '\0') == -1 || buf_add_str(&raw, user) == -1 ||
	    buf_add_char(&raw, '\0') == -1 || buf_add_str(&raw, password) == -1)
		goto out;
	r = sasl_b64_encode(raw.data, raw.len, out);
out:
	buf_wipe(&raw);
	return r;
}

int
sasl_xoauth2(const char *user, const char *token, struct buf *out)
{
	struct buf raw;
	int r = -1;

	buf_init(&raw, SASL_B64_MAX);
	if (buf_printf(&raw, "user=%s\001auth=Bearer %s\001\001", user,
	        token) == -1)
		goto out;
	r = sasl_b64_encode(raw.data, raw.len, out);
out:
	buf_wipe(&raw);
	return r;
}

/* RFC 5801 saslname: ',' and '=' in the authzid are escaped. */
static int
sasl_gs2_name(struct buf *raw, const char *s)
{
	for (; *s != '\0'; s++) {
		if (*s == ',' && buf_add_str(raw, "=2C") == -1)
			return -1;
		else if (*s == '=' && buf_add_str(raw, "=3D") == -1)
			return -1;
		else if (*s != ',' && *s != '=' && buf_add_char(raw, *s) == -1)
			return -1;
	}
	return 0;
}

int
sasl_oauthbearer(const char *user, const char *host, unsigned port,
    const char *token, struct buf *out)
{
	struct buf raw;
	int r = -1;

	buf_init(&raw, SASL_B64_MAX);
	if (buf_add_str(&raw, "n,a=") == -1 || sasl_gs2_name(&raw, user) == -1)
		goto out;
	if (buf_printf(&raw,
	        ",\001host=%s\001port=%u\001auth=Bearer %s\001\001", host, port,
	        token) == -1)
		goto out;
	r = sasl_b64_encode(raw.data, raw.len, out);
out:
	buf_wipe(&raw);
	return r;
}

int
sasl_external(const char *authzid, struct buf *out)
{
	if (authzid == NULL)
		return 0;
	return sasl_b64_encode(authzid, strlen(authzid), out);
}

enum sasl_builtin
sasl_builtin_id(const char *mech)
{
	size_t i;

	for (i = SASL_LIB + 1; i < ARRAY_SIZE(sasl_builtins); i++)
		if (strcasecmp(mech, sasl_builtins[i]) == 0)
			return (enum sasl_builtin)i;
	return SASL_LIB;
}

int
sasl_builtin_mechanisms(struct buf *out)
{
	size_t i;

	for (i = SASL_LIB + 1; i < ARRAY_SIZE(sasl_builtins); i++)
		if (buf_printf(out, "%s%s", i > SASL_LIB + 1 ? " " : "",
		        sasl_builtins[i]) == -1)
			return -1;
	return 0;
}

bool
sasl_supported(const char *mech)
{
	return sasl_builtin_id(mech) != SASL_LIB || sasl_lib_supports(mech);
}

/* Whether the space-separated list offered names mech (any case). */
static bool
sasl_offered(const char *offered, const char *mech)
{
	size_t n = strlen(mech), k;
	const char *p = offered;

	while (*p != '\0') {
		while (*p == ' ')
			p++;
		k = strcspn(p, " ");
		if (k == n && k > 0 && strncasecmp(p, mech, n) == 0)
			return true;
		p += k;
	}
	return false;
}

static int
sasl_choose_auto(const char *offered, bool tls, bool have_cb,
    char out[SASL_MECH_MAX], struct err *e)
{
	size_t i;
	const char *m;

	if (!tls)
		return err_set(e, ERR_UNAVAILABLE,
		    "refusing automatic AUTH without TLS; name the mechanism in `auth` to allow it over plaintext");
	for (i = 0; i < ARRAY_SIZE(sasl_auto_order); i++) {
		m = sasl_auto_order[i];
		if (!have_cb && strstr(m, "-PLUS") != NULL)
			continue;
		if (sasl_offered(offered, m) && sasl_supported(m)) {
			(void)strlcpy(out, m, SASL_MECH_MAX);
			return 0;
		}
	}
	return err_set(e, ERR_UNAVAILABLE,
	    "no supported authentication mechanism offered by the server (it offers: %s)",
	    offered[0] ? offered : "none");
}

int
sasl_choose(const char *offered, const char *wanted, bool tls,
    bool plaintext_ok, bool have_cb, char out[SASL_MECH_MAX], struct err *e)
{
	size_t i;

	out[0] = '\0';
	if (wanted == NULL || wanted[0] == '\0')
		return sasl_choose_auto(offered, tls, have_cb, out, e);
	if (!tls && !plaintext_ok)
		return err_set(e, ERR_NOPERM,
		    "refusing to send AUTH %s over an unencrypted connection",
		    wanted);
	if (strlen(wanted) >= SASL_MECH_MAX || !sasl_supported(wanted))
		return err_set(e, ERR_UNAVAILABLE,
		    "authentication mechanism %s is not supported by this build",
		    wanted);
	if (!sasl_offered(offered, wanted))
		return err_set(e, ERR_UNAVAILABLE,
		    "the server does not offer authentication mechanism %s (it offers: %s)",
		    wanted, offered[0] ? offered : "none");
	for (i = 0; wanted[i] != '\0'; i++)
		out[i] = (char)toupper((unsigned char)wanted[i]);
	out[i] = '\0';
	return 0;
}

int
sasl_client_new(struct sasl_client **out, const char *mech,
    const struct sasl_creds *creds, struct err *e)
{
	struct sasl_client *c;
	bool found;

	*out = NULL;
	if ((c = calloc(1, sizeof(*c))) == NULL)
		return err_set(e, ERR_SOFTWARE, "out of memory");
	c->creds = creds;
	c->id = sasl_builtin_id(mech);
	found = c->id != SASL_LIB;
	c->ir =
	    found ? c->id != SASL_LOGIN : strncasecmp(mech, "SCRAM-", 6) == 0;
	if (!found && sasl_lib_start(&c->lib, mech, creds, e) == -1) {
		free(c);
		return -1;
	}
	*out = c;
	return 0;
}

bool
sasl_client_has_ir(const struct sasl_client *c)
{
	return c->ir;
}

/* LOGIN: user, then password; ignores the (base64 "Username:") prompts. */
static int
sasl_login_step(struct sasl_client *c, struct buf *out)
{
	const char *s = c->step == 0 ? c->creds->user : c->creds->password;

	if (c->step > 1)
		return -1;
	if (c->step == 1)
		c->done = true;
	return sasl_b64_encode(s, strlen(s), out);
}

static int
sasl_builtin_step(struct sasl_client *c, const char *challenge, struct buf *out,
    struct err *e)
{
	const struct sasl_creds *k = c->creds;
	int r = -1;

	switch (c->id) {
	case SASL_PLAIN:
		r = challenge
		    ? -1
		    : sasl_plain(k->authzid, k->user, k->password, out);
		c->done = true;
		break;
	case SASL_LOGIN:
		r = sasl_login_step(c, out);
		break;
	case SASL_XOAUTH2:
	case SASL_OAUTHBEARER:
		/* A 334 after the token carries the JSON error: answer empty
		 * (XOAUTH2) or ^A (OAUTHBEARER) to get the final 5xx. */
		if (challenge != NULL)
			r = c->id == SASL_XOAUTH2
			    ? 0
			    : sasl_b64_encode("\001", 1, out);
		else if (c->id == SASL_XOAUTH2)
			r = sasl_xoauth2(k->user, k->password, out);
		else
			r = sasl_oauthbearer(k->user, k->host, k->port,
			    k->password, out);
		c->done = true;
		break;
	case SASL_EXTERNAL:
		r = challenge ? 0 : sasl_external(k->authzid, out);
		c->done = true;
		break;
	case SASL_LIB:
	case SASL_BUILTIN_COUNT:
		break;
	}
	if (r == -1)
		return err_set(e, ERR_PROTOCOL,
		    "unexpected authentication challenge from the server");
	return 0;
}

/* Whether s is base64 text: the alphabet, '=' padding, whole quads. */
static bool
sasl_b64_text(const char *s)
{
	size_t n = strlen(s), i = 0;

	while (i < n && sasl_b64_value(s[i]) >= 0)
		i++;
	while (i < n && i + 2 >= n && s[i] == '=')
		i++;
	return i == n && n % 4 == 0;
}

int
sasl_client_step(struct sasl_client *c, const char *challenge, struct buf *out,
    struct err *e)
{
	int r;

	buf_reset(out);
	/* "334 NTLM supported" (Exchange-style servers, Exim's NTLM): text
	 * that is not base64 is an empty challenge, as msmtp takes it. */
	if (challenge != NULL && !sasl_b64_text(challenge))
		challenge = "";
	if (c->lib != NULL) {
		r = sasl_lib_step(c->lib, challenge ? challenge : "", out, e);
		if (r == -1)
			return -1;
		c->done = r == 0;
		c->step++;
		return 0;
	}
	if (sasl_builtin_step(c, challenge, out, e) == -1)
		return -1;
	c->step++;
	return 0;
}

bool
sasl_client_done(const struct sasl_client *c)
{
	return c->done;
}

void
sasl_client_free(struct sasl_client *c)
{
	if (c == NULL)
		return;
	sasl_lib_free(c->lib);
	explicit_bzero(c, sizeof(*c));
	free(c);
}
