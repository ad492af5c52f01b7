/*
 * oauth2.c: the token AUTH sends, refreshed when it is about to expire
 * (see oauth2.h), and the provider's metadata.
 *
 * A refresh runs under the account's lock (oauth2_store_lock): a second
 * postern that waited for the lock reads the store again and finds the
 * fresh token, so two submissions never both spend a refresh token the
 * provider rotates (oidc-provider and Microsoft revoke the whole grant
 * when a spent one comes back). The rotated refresh token is stored
 * before the new access token is used. invalid_grant (expired, revoked
 * or reused grant) means the user must run --authorize: a temporary
 * failure with err.hold, so the account's mail waits. An unreachable
 * endpoint or a 5xx is temporary.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "http.h"
#include "secrets.h"
#include "oauth2.h"
#include "util.h"

int
oauth2_conf_load(const struct account *a, struct oauth2_endpoints *ep,
    struct err *e)
{
	struct buf b;
	int r = 0;

	if (oauth2_conf_resolve(a, ep, e) == -1)
		return -1;
	if (a->oauth2_client_secret_eval == NULL)
		return 0;
	buf_init(&b, sizeof(ep->secret) - 1);
	if (secrets_eval(a->oauth2_client_secret_eval,
	        a->timeout ? a->timeout : 60, &b, e) == -1)
		r = -1;
	else {
		memcpy(ep->secret, buf_str(&b), b.len + 1);
		ep->client_secret = ep->secret;
	}
	buf_wipe(&b);
	return r;
}

void
oauth2_conf_wipe(struct oauth2_endpoints *ep)
{
	explicit_bzero(ep->secret, sizeof(ep->secret));
}

int
oauth2_needs_authorization(const struct account *a, struct err *e)
{
	(void)err_set_temp(e, ERR_TEMP,
	    "account %s needs authorization: run postern --authorize %s%s",
	    a->name, a->name, a->system ? " --system" : "");
	e->hold = true;
	return -1;
}

/* A 5xx or 429: the endpoint may recover. */
static int
oauth2_token_busy(const char *url, long status, struct err *e)
{
	return err_set_temp(e, ERR_TEMP,
	    "the token endpoint %s answered HTTP %ld; trying later", url,
	    status);
}

int
oauth2_token_request(const char *url, const char *form, struct oauth2_tokens *t,
    struct err *e)
{
	struct buf body;
	long status = 0;
	int r = -1;

	buf_init(&body, HTTP_BODY_MAX);
	memset(t, 0, sizeof(*t));
	if (http_request(url, form, &status, &body, e) == -1)
		goto out;
	if (status >= 500 || status == 429) {
		(void)oauth2_token_busy(url, status, e);
		goto out;
	}
	if (oauth2_json_tokens(body.data ? body.data : "", body.len, t, e) ==
	    -1)
		goto out;
	if (status != 200 && t->error[0] == '\0')
		(void)err_set(e, ERR_PROTOCOL,
		    "the token endpoint %s answered HTTP %ld without an error",
		    url, status);
	else
		r = 0;
out:
	buf_wipe(&body);
	return r;
}

/* A refused refresh: invalid_grant needs --authorize; any other refusal
 * (invalid_client, ...) is also the account's state: held, named. */
static int
oauth2_refresh_refused(const struct account *a, const struct oauth2_tokens *t,
    struct err *e)
{
	if (strcmp(t->error, "invalid_grant") == 0)
		return oauth2_needs_authorization(a, e);
	(void)err_set_temp(e, ERR_TEMP,
	    "account %s: the token endpoint refused the refresh: %s%s%s",
	    a->name, t->error, t->error_description[0] ? ": " : "",
	    t->error_description);
	e->hold = true;
	return -1;
}

/* GET base + path and parse it as metadata whose issuer is base. */
static int
oauth2_discover_at(struct oauth2_endpoints *ep, const char *path,
    struct oauth2_meta *m, struct err *e)
{
	char url[OAUTH2_URL_MAX + 64];
	struct buf body;
	long status = 0;
	int r = -1;
	size_t n = strlen(ep->issuer);

	while (n > 0 && ep->issuer[n - 1] == '/')
		n--;
	(void)snprintf(url, sizeof(url), "%.*s%s", (int)n, ep->issuer, path);
	buf_init(&body, HTTP_BODY_MAX);
	if (http_request(url, NULL, &status, &body, e) == -1)
		goto out;
	if (status != 200) {
		(void)err_set(e, ERR_CONFIG, "%s answered HTTP %ld", url,
		    status);
		goto out;
	}
	if (oauth2_json_meta(body.data ? body.data : "", body.len, m, e) == -1)
		goto out;
	if (strncmp(m->issuer, ep->issuer, n) != 0 || m->issuer[n] != '\0')
		(void)err_set(e, ERR_CONFIG,
		    "%s names issuer %s, not %s (RFC 8414 3.3)", url, m->issuer,
		    ep->issuer);
	else
		r = 0;
out:
	buf_free(&body);
	return r;
}

static void
oauth2_fill(char *dst, size_t cap, const char *from)
{
	if (dst[0] == '\0')
		(void)strlcpy(dst, from, cap);
}

int
oauth2_discover(struct oauth2_endpoints *ep, struct err *e)
{
	struct oauth2_meta m;

	if (ep->issuer[0] == '\0')
		return 0;
	if (oauth2_discover_at(ep, "/.well-known/oauth-authorization-server",
	        &m, e) == -1 &&
	    (e->temporary ||
	        oauth2_discover_at(ep, "/.well-known/openid-configuration", &m,
	            e) == -1))
		return -1;
	oauth2_fill(ep->authorize, sizeof(ep->authorize),
	    m.authorization_endpoint);
	oauth2_fill(ep->token, sizeof(ep->token), m.token_endpoint);
	oauth2_fill(ep->device, sizeof(ep->device),
	    m.device_authorization_endpoint);
	return 0;
}

/* The client's part of a token request: &client_id=...[&client_secret=...]. */
int
oauth2_form_client(const struct oauth2_endpoints *ep, struct buf *form)
{
	if (buf_add_str(form, "&client_id=") == -1 ||
	    http_form_escape(form, ep->client_id) == -1)
		return -1;
	if (ep->client_secret != NULL &&
	    (buf_add_str(form, "&client_secret=") == -1 ||
	        http_form_escape(form, ep->client_secret) == -1))
		return -1;
	return 0;
}

/* The refresh request: grant_type, refresh_token, client_id[, secret]. */
static int
oauth2_refresh_form(const struct oauth2_endpoints *ep,
    const struct oauth2_tokens *old, struct buf *form)
{
	if (buf_add_str(form, "grant_type=refresh_token&refresh_token=") ==
	        -1 ||
	    http_form_escape(form, old->refresh_token) == -1)
		return -1;
	return oauth2_form_client(ep, form);
}

/*
 * Spend old's refresh token; on success new holds the tokens, already
 * stored (a provider that does not rotate keeps the old refresh token).
 */
static int
oauth2_refresh(const struct account *a, const struct oauth2_endpoints *ep,
    const struct oauth2_tokens *old, struct oauth2_tokens *nw, struct err *e)
{
	struct buf form;
	int r = -1;

	buf_init(&form, 4 * OAUTH2_TOKEN_MAX);
	if (old->refresh_token[0] == '\0') {
		r = oauth2_needs_authorization(a, e);
		goto out;
	}
	if (oauth2_refresh_form(ep, old, &form) == -1) {
		(void)err_set(e, ERR_SOFTWARE, "out of memory");
		goto out;
	}
	if (oauth2_token_request(ep->token, buf_str(&form), nw, e) == -1)
		goto out;
	if (nw->error[0] != '\0') {
		(void)oauth2_refresh_refused(a, nw, e);
		goto out;
	}
	if (nw->refresh_token[0] == '\0')
		memcpy(nw->refresh_token, old->refresh_token,
		    sizeof(nw->refresh_token));
	r = oauth2_store_save(a, ep, nw, e);
out:
	buf_wipe(&form);
	return r;
}

static bool
oauth2_fresh(const struct oauth2_tokens *t)
{
	return t->access_token[0] != '\0' &&
	    t->expires_at - (int64_t)time(NULL) >= OAUTH2_REFRESH_MARGIN;
}

/* Under the lock: load, refresh when due, copy the access token out. */
static int
oauth2_locked_token(const struct account *a, struct oauth2_endpoints *ep,
    bool force, struct buf *out, struct err *e)
{
	struct oauth2_tokens *t = calloc(2, sizeof(*t));
	int k, r = -1;

	if (t == NULL)
		return err_set(e, ERR_SOFTWARE, "out of memory");
	if ((k = oauth2_store_load(a, ep, &t[0], e)) == -1)
		goto out;
	if (k == 1) {
		(void)oauth2_needs_authorization(a, e);
		goto out;
	}
	if (force || !oauth2_fresh(&t[0])) {
		if (oauth2_discover(ep, e) == -1 ||
		    oauth2_refresh(a, ep, &t[0], &t[1], e) == -1)
			goto out;
		memcpy(&t[0], &t[1], sizeof(t[0]));
	}
	buf_reset(out);
	if (buf_add_str(out, t[0].access_token) == -1)
		(void)err_set(e, ERR_SOFTWARE, "the access token is too long");
	else
		r = 0;
out:
	oauth2_json_wipe(&t[0]);
	oauth2_json_wipe(&t[1]);
	free(t);
	return r;
}

int
oauth2_access_token(const struct account *a, bool force, struct buf *out,
    struct err *e)
{
	struct oauth2_endpoints ep;
	int fd, r;

	if (oauth2_conf_load(a, &ep, e) == -1)
		return -1;
	if ((fd = oauth2_store_lock(a, e)) == -1) {
		oauth2_conf_wipe(&ep);
		return -1;
	}
	r = oauth2_locked_token(a, &ep, force, out, e);
	close(fd);
	oauth2_conf_wipe(&ep);
	return r;
}
