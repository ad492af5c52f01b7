/*
 * mistake.c: configuration mistakes recognised from how a connection
 * fails (see mistake.h).
 */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "mistake.h"
#include "util.h"

/* The account's parameters as a probe of mode: no AUTH, no pins. */
static void
mistake_probe_params(const struct smtp_params *p, enum smtp_tls_mode mode,
    struct smtp_params *q)
{
	*q = *p;
	q->tls = mode;
	q->auth = SMTP_AUTH_OFF;
	q->password = NULL;
	q->password_arg = NULL;
	q->tls_no_certcheck = true; /* only: does it speak TLS at all */
	q->tls_fingerprint = NULL;
	q->tls_cert_file = NULL;
	q->tls_key_file = NULL;
	q->tls_session_dir = NULL; /* no cache: a full handshake */
	q->tls_up = NULL;
	q->greeting_wait = 0;
	q->greeted = NULL;
	if (q->timeout == 0 || q->timeout > MISTAKE_PROBE_TIMEOUT)
		q->timeout = MISTAKE_PROBE_TIMEOUT;
}

/* Whether the port answers SMTP in mode (STARTTLS: offers it). */
static bool
mistake_probe(const struct smtp_params *p, enum smtp_tls_mode mode)
{
	struct smtp_params q;
	struct smtp_session *s;
	struct err pe;
	bool yes;

	mistake_probe_params(p,
	    mode == SMTP_TLS_STARTTLS ? SMTP_TLS_NONE : mode, &q);
	if (smtp_open(&s, &q, NULL, &pe) == -1)
		return false;
	yes = mode != SMTP_TLS_STARTTLS ||
	    (smtp_session_info(s)->caps & SMTP_CAP_STARTTLS) != 0;
	smtp_close(s);
	return yes;
}

/* How the account's mode fails when the port speaks the other one. */
static bool
mistake_looks_wrong(const struct smtp_params *p, bool greeted,
    const struct err *e)
{
	if (p->tls == SMTP_TLS_STARTTLS) /* connected, but no greeting */
		return !greeted && e->reason == ERR_REASON_TIMEOUT;
	if (p->tls == SMTP_TLS_IMPLICIT) /* plain text where TLS was due */
		return e->reason == ERR_REASON_TLS_HANDSHAKE;
	return false;
}

bool
mistake_tls_mode(const struct smtp_params *p, bool greeted, struct err *e)
{
	bool starttls = p->tls == SMTP_TLS_STARTTLS;
	char host[256];

	if (!mistake_looks_wrong(p, greeted, e) ||
	    !mistake_probe(p, starttls ? SMTP_TLS_IMPLICIT : SMTP_TLS_STARTTLS))
		return false;
	(void)strlcpy(host, p->host, sizeof(host));
	if (starttls)
		err_set(e, ERR_CONFIG,
		    "%s port %s speaks implicit TLS, but the account uses STARTTLS: set tls_starttls off",
		    host, p->port);
	else
		err_set(e, ERR_CONFIG,
		    "%s port %s speaks STARTTLS, but the account uses implicit TLS: set tls_starttls on",
		    host, p->port);
	return true;
}

void
mistake_port25(const struct smtp_params *p, struct err *e)
{
	size_t n = strlen(e->text);

	if (p->port == NULL || strcmp(p->port, "25") != 0 ||
	    !err_reason_connect(e->reason))
		return;
	(void)snprintf(e->text + n, sizeof(e->text) - n,
	    "; port 25 is probably blocked by your provider (Outbound Port 25 Blocking): use the submission port 587 with AUTH, see postern --doctor");
}

int
mistake_open(struct smtp_session **out, struct smtp_params *p,
    const struct smtp_trace *t, struct err *e)
{
	bool greeted = false, waited;
	int r;

	/* The session keeps p: both fields are used only inside smtp_open. */
	waited = p->tls == SMTP_TLS_STARTTLS &&
	    (p->timeout == 0 || p->timeout > MISTAKE_GREETING_WAIT);
	p->greeting_wait = waited ? MISTAKE_GREETING_WAIT : 0;
	p->greeted = &greeted;
	r = smtp_open(out, p, t, e);
	p->greeting_wait = 0;
	p->greeted = NULL;
	if (r == 0)
		return 0;
	/* A short timeout has no room for a probe: the caller bounds it. */
	if ((p->tls != SMTP_TLS_STARTTLS || waited) &&
	    mistake_tls_mode(p, greeted, e))
		return -1;
	if (waited && !greeted && e->reason == ERR_REASON_TIMEOUT &&
	    smtp_open(out, p, t, e) == 0)
		return 0; /* a slow server, not the wrong mode */
	mistake_port25(p, e);
	return -1;
}

const char *
mistake_port_mode(unsigned port, enum smtp_tls_mode mode)
{
	if (port == 465 && mode == SMTP_TLS_STARTTLS)
		return "port 465 is for implicit TLS, but the account uses STARTTLS: set tls_starttls off";
	if (port == 587 && mode == SMTP_TLS_IMPLICIT)
		return "port 587 is for STARTTLS, but the account uses implicit TLS: set tls_starttls on";
	return NULL;
}

/* Where key of account a was set: "FILE:LINE", or "" when nowhere. */
static void
mistake_origin(const struct account *a, const char *key, char *out, size_t cap)
{
	size_t i;

	out[0] = '\0';
	for (i = 0; i < conf_nkeys && i < CONF_KEY_COUNT; i++)
		if (strcmp(conf_keys[i].name, key) == 0 &&
		    a->origin[i].file != NULL)
			(void)snprintf(out, cap, "%s:%u", a->origin[i].file,
			    a->origin[i].line);
}

void
mistake_password(const struct account *a, enum secrets_source src,
    struct err *e)
{
	size_t n = strlen(e->text);
	char at[300];

	if (e->cls != ERR_NOPERM || e->smtp_code / 100 != 5 ||
	    e->reason != ERR_REASON_AUTH_REFUSED)
		return;
	if (src == SECRETS_CONFIG || src == SECRETS_EVAL)
		mistake_origin(a,
		    src == SECRETS_CONFIG ? "password" : "passwordeval", at,
		    sizeof(at));
	if (src == SECRETS_CONFIG)
		(void)snprintf(e->text + n, sizeof(e->text) - n,
		    "; the password came from the configuration file (%s, password): correct it there",
		    at);
	else if (src == SECRETS_EVAL)
		(void)snprintf(e->text + n, sizeof(e->text) - n,
		    "; the password came from passwordeval (%s): check what the command prints",
		    at);
	else if (src == SECRETS_KEYRING || src == SECRETS_KEYRING_MSMTP ||
	    src == SECRETS_KEYRING_NETWORK)
		(void)snprintf(e->text + n, sizeof(e->text) - n,
		    "; the password came from the keyring: store the right one with postern --store-password %s",
		    a->name);
	else if (src == SECRETS_NETRC)
		(void)snprintf(e->text + n, sizeof(e->text) - n,
		    "; the password came from ~/.netrc (machine %s): correct it there",
		    a->host);
	else if (src == SECRETS_PROMPT)
		(void)snprintf(e->text + n, sizeof(e->text) - n,
		    "; the password was typed at the prompt: try again, or store it with postern --store-password %s",
		    a->name);
}

void
mistake_headless(const struct account *a, struct err *e)
{
	size_t n = strlen(e->text);

	if (e->reason != ERR_REASON_KEYRING_UNREACHABLE)
		return;
	(void)snprintf(e->text + n, sizeof(e->text) - n,
	    ". Without a keyring (a server, cron): put \"password ...\" in the config file (mode 600), or \"passwordeval CMD\", or a ~/.netrc line \"machine %s login %s password ...\" (mode 600); the system queue also reads systemd credentials (LoadCredential=)",
	    a->host ? a->host : "HOST", a->user ? a->user : "USER");
}

bool
mistake_bare_host(char *addr)
{
	char *at = strrchr(addr, '@');

	if (at == NULL || at == addr || at[1] == '\0' || at[1] == '[' ||
	    strchr(at + 1, '.') != NULL)
		return false;
	*at = '\0';
	return true;
}

/* Whether every key of a got its value where b's did (a inherits all). */
static bool
mistake_same_origins(const struct account *a, const struct account *b)
{
	size_t i;

	for (i = 0; i < conf_nkeys && i < CONF_KEY_COUNT; i++)
		if (a->origin[i].file != b->origin[i].file ||
		    a->origin[i].line != b->origin[i].line)
			return false;
	return true;
}

const struct account *
mistake_real(const struct conf *c, const struct account *a)
{
	size_t i;

	/* Only an account defined before a: the one it points to. */
	for (i = 0; i < c->naccounts && c->accounts[i] != a; i++)
		if (mistake_same_origins(a, c->accounts[i]))
			return c->accounts[i];
	return a;
}
