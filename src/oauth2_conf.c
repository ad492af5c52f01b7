/*
 * oauth2_conf.c: an account's OAuth2 settings resolved into endpoints
 * (see oauth2.h): the provider presets, explicit endpoints beating them,
 * and the checks that give a user the key to add. Pure: no I/O.
 *
 * No client ID is shipped: a provider's terms bind whoever registers the
 * application, and a shared public client ID would be abused and
 * blocked for everyone. doc/oauth2.md walks through registering one.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "oauth2.h"
#include "util.h"

struct oauth2_preset {
	const char *name;
	const char *authorize, *token, *device; /* {tenant}: the tenant */
	const char *scope;
	const char *mech;
	bool device_ok;
	bool ask_offline; /* a refresh token only when asked for offline */
};

/* Indexed by enum conf_oauth2_provider; off has no preset. */
static const struct oauth2_preset oauth2_presets[] = {
	[CONF_OAUTH2_MICROSOFT] = { "microsoft",
	    "https://login.microsoftonline.com/{tenant}/oauth2/v2.0/authorize",
	    "https://login.microsoftonline.com/{tenant}/oauth2/v2.0/token",
	    "https://login.microsoftonline.com/{tenant}/oauth2/v2.0/devicecode",
	    "https://outlook.office.com/SMTP.Send offline_access", "XOAUTH2",
	    true },
	/* Google refuses the device flow for mail scopes (invalid_scope). */
	[CONF_OAUTH2_GOOGLE] = { "google",
	    "https://accounts.google.com/o/oauth2/v2/auth",
	    "https://oauth2.googleapis.com/token", NULL,
	    "https://mail.google.com/", "XOAUTH2", false, true },
	[CONF_OAUTH2_FASTMAIL] = { "fastmail",
	    "https://api.fastmail.com/oauth/authorize",
	    "https://api.fastmail.com/oauth/refresh", NULL,
	    "https://www.fastmail.com/dev/protocol-smtp", "OAUTHBEARER",
	    false },
	[CONF_OAUTH2_CUSTOM] = { "custom", NULL, NULL, NULL, NULL,
	    "OAUTHBEARER", true },
};

_Static_assert(ARRAY_SIZE(oauth2_presets) == CONF_OAUTH2_COUNT,
    "a preset row for every oauth2_provider choice");

static const struct oauth2_preset *
oauth2_preset(int provider)
{
	if (provider <= CONF_OAUTH2_OFF || provider >= CONF_OAUTH2_COUNT)
		return NULL;
	return &oauth2_presets[provider];
}

bool
oauth2_enabled(const struct account *a)
{
	return a->oauth2_provider != CONF_OAUTH2_OFF;
}

int
oauth2_conf_auth(int provider)
{
	const struct oauth2_preset *p = oauth2_preset(provider);
	const char *m;
	int i;

	for (i = CONF_AUTH_ON + 1; p && (m = conf_auth_mechanism(i)); i++)
		if (strcmp(m, p->mech) == 0)
			return i;
	return CONF_AUTH_ON;
}

/* dst from the explicit key, else the preset's URL with "{tenant}"
 * replaced by the tenant. */
static int
oauth2_url(char *dst, size_t cap, const char *key, const char *preset,
    const char *tenant)
{
	const char *t = strstr(preset ? preset : "", "{tenant}");
	int n = 0;

	dst[0] = '\0';
	if (key != NULL)
		n = snprintf(dst, cap, "%s", key);
	else if (t != NULL)
		n = snprintf(dst, cap, "%.*s%s%s", (int)(t - preset), preset,
		    tenant ? tenant : "common", t + strlen("{tenant}"));
	else if (preset != NULL)
		n = snprintf(dst, cap, "%s", preset);
	return n < 0 || (size_t)n >= cap ? -1 : 0;
}

static int
oauth2_conf_missing(const struct account *a, const char *what, struct err *e)
{
	return err_set(e, ERR_CONFIG,
	    "%s:%u: account %s uses OAuth2 but has no %s; oauth2.md in postern's documentation (doc/oauth2.md) says how to register a client",
	    a->where.file ? a->where.file : "-", a->where.line, a->name, what);
}

int
oauth2_conf_resolve(const struct account *a, struct oauth2_endpoints *ep,
    struct err *e)
{
	const struct oauth2_preset *p = oauth2_preset(a->oauth2_provider);
	const char *scope;

	memset(ep, 0, sizeof(*ep));
	if (p == NULL)
		return err_set(e, ERR_CONFIG, "account %s does not use OAuth2",
		    a->name);
	ep->provider = p->name;
	ep->client_id = a->oauth2_client_id;
	ep->client_secret = a->oauth2_client_secret;
	ep->device_ok = p->device_ok;
	ep->ask_offline = p->ask_offline;
	if (ep->client_id == NULL || ep->client_id[0] == '\0')
		return oauth2_conf_missing(a, "oauth2_client_id", e);
	scope = a->oauth2_scope ? a->oauth2_scope : p->scope;
	if (scope == NULL)
		return oauth2_conf_missing(a, "oauth2_scope", e);
	if (oauth2_url(ep->authorize, sizeof(ep->authorize),
	        a->oauth2_authorize_endpoint, p->authorize,
	        a->oauth2_tenant) == -1 ||
	    oauth2_url(ep->token, sizeof(ep->token), a->oauth2_token_endpoint,
	        p->token, a->oauth2_tenant) == -1 ||
	    oauth2_url(ep->device, sizeof(ep->device),
	        a->oauth2_device_endpoint, p->device, a->oauth2_tenant) == -1 ||
	    oauth2_url(ep->issuer, sizeof(ep->issuer), a->oauth2_issuer, NULL,
	        NULL) == -1 ||
	    strlcpy(ep->scope, scope, sizeof(ep->scope)) >= sizeof(ep->scope))
		return err_set(e, ERR_CONFIG,
		    "account %s: an OAuth2 endpoint or scope is too long",
		    a->name);
	if (ep->token[0] == '\0' && ep->issuer[0] == '\0')
		return oauth2_conf_missing(a,
		    "oauth2_issuer or oauth2_token_endpoint", e);
	return 0;
}
