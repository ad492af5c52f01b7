/*
 * oauth2_device.c: postern --authorize (see oauth2.h). The device flow
 * (RFC 8628): ask the device endpoint for a code, show the user where to
 * enter it, poll the token endpoint at the interval the provider asks
 * (5 s when it names none; slow_down adds 5 s) until the user approves,
 * refuses (access_denied) or the code expires (expired_token), then
 * store the tokens. Without --device (or oauth2_flow device) the browser
 * flow runs instead (oauth2_loopback.c).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "http.h"
#include "oauth2.h"
#include "util.h"

#define OAUTH2_POLL_DEFAULT 5
#define OAUTH2_POLL_MAX 60
#define OAUTH2_DEVICE_LIFE_MAX 1800 /* stop polling after 30 min */

static int
oauth2_device_start(const struct oauth2_endpoints *ep, struct oauth2_device *d,
    struct err *e)
{
	struct buf form, body;
	long status = 0;
	int r = -1;

	buf_init(&form, 4096);
	buf_init(&body, HTTP_BODY_MAX);
	if (buf_add_str(&form, "client_id=") == -1 ||
	    http_form_escape(&form, ep->client_id) == -1 ||
	    buf_add_str(&form, "&scope=") == -1 ||
	    http_form_escape(&form, ep->scope) == -1) {
		(void)err_set(e, ERR_SOFTWARE, "out of memory");
		goto out;
	}
	if (http_request(ep->device, buf_str(&form), &status, &body, e) == -1)
		goto out;
	if (status != 200)
		(void)err_set(e, ERR_NOPERM,
		    "the device endpoint %s answered HTTP %ld: %.200s",
		    ep->device, status, body.len ? buf_str(&body) : "");
	else
		r = oauth2_json_device(body.data ? body.data : "", body.len, d,
		    e);
out:
	buf_free(&form);
	buf_wipe(&body);
	return r;
}

static int
oauth2_device_form(const struct oauth2_endpoints *ep,
    const struct oauth2_device *d, struct buf *form)
{
	if (buf_add_str(form,
	        "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Adevice_code&device_code=") ==
	        -1 ||
	    http_form_escape(form, d->device_code) == -1)
		return -1;
	return oauth2_form_client(ep, form);
}

/*
 * One poll. 1: keep polling (authorization_pending, slow_down, which
 * adds 5 s to *interval); 0: tokens in t; -1: refused or failed.
 */
static int
oauth2_device_poll(const struct oauth2_endpoints *ep, const char *form,
    unsigned *interval, struct oauth2_tokens *t, struct err *e)
{
	if (oauth2_token_request(ep->token, form, t, e) == -1)
		return e->temporary ? 1 : -1;
	if (t->error[0] == '\0')
		return 0;
	if (strcmp(t->error, "authorization_pending") == 0)
		return 1;
	if (strcmp(t->error, "slow_down") == 0) {
		if (*interval < OAUTH2_POLL_MAX)
			*interval += 5;
		return 1;
	}
	if (strcmp(t->error, "access_denied") == 0)
		return err_set(e, ERR_NOPERM, "the authorization was refused");
	if (strcmp(t->error, "expired_token") == 0)
		return err_set(e, ERR_TEMP,
		    "the code expired before it was entered; run --authorize again");
	return err_set(e, ERR_NOPERM, "the token endpoint refused: %s%s%s",
	    t->error, t->error_description[0] ? ": " : "",
	    t->error_description);
}

static void
oauth2_device_say(const struct oauth2_device *d, oauth2_say_fn say, void *arg)
{
	char line[OAUTH2_URL_MAX + OAUTH2_TEXT_MAX + 64];

	(void)snprintf(line, sizeof(line),
	    "to authorize, open %s and enter the code %s", d->verification_uri,
	    d->user_code);
	say(arg, line);
	if (d->verification_uri_complete[0] != '\0') {
		(void)snprintf(line, sizeof(line),
		    "or open %s (the code is filled in)",
		    d->verification_uri_complete);
		say(arg, line);
	}
	say(arg, "waiting for the approval...");
}

static int
oauth2_device_wait(const struct oauth2_endpoints *ep,
    const struct oauth2_device *d, struct oauth2_tokens *t, struct err *e)
{
	unsigned interval = d->interval > 0 && d->interval < OAUTH2_POLL_MAX
	    ? (unsigned)d->interval
	    : OAUTH2_POLL_DEFAULT;
	int64_t life = d->expires_in > 0 && d->expires_in < 1800
	    ? d->expires_in
	    : OAUTH2_DEVICE_LIFE_MAX;
	time_t end = time(NULL) + (time_t)life;
	struct buf form;
	int k = 1;

	buf_init(&form, 4 * OAUTH2_TOKEN_MAX);
	if (oauth2_device_form(ep, d, &form) == -1) {
		buf_wipe(&form);
		return err_set(e, ERR_SOFTWARE, "out of memory");
	}
	while (k == 1 && time(NULL) < end) {
		(void)sleep(interval);
		k = oauth2_device_poll(ep, buf_str(&form), &interval, t, e);
	}
	buf_wipe(&form);
	if (k == 1)
		return err_set(e, ERR_TEMP,
		    "the code expired before it was entered; run --authorize again");
	return k;
}

static int
oauth2_device(const struct account *a, struct oauth2_endpoints *ep,
    oauth2_say_fn say, void *arg, struct err *e)
{
	struct oauth2_device *d = calloc(1, sizeof(*d));
	struct oauth2_tokens *t = calloc(1, sizeof(*t));
	int r = -1;

	if (d == NULL || t == NULL) {
		(void)err_set(e, ERR_SOFTWARE, "out of memory");
		goto out;
	}
	if (!ep->device_ok || ep->device[0] == '\0') {
		(void)err_set(e, ERR_CONFIG,
		    "account %s: provider %s offers no device flow (for mail); use the browser flow",
		    a->name, ep->provider);
		goto out;
	}
	if (oauth2_device_start(ep, d, e) == -1)
		goto out;
	oauth2_device_say(d, say, arg);
	if (oauth2_device_wait(ep, d, t, e) == -1)
		goto out;
	r = oauth2_store_save_locked(a, ep, t, e);
out:
	if (t != NULL)
		oauth2_json_wipe(t);
	if (d != NULL)
		explicit_bzero(d->device_code, sizeof(d->device_code));
	free(t);
	free(d);
	return r;
}

int
oauth2_authorize(const struct account *a, bool device, oauth2_say_fn say,
    void *arg, struct err *e)
{
	struct oauth2_endpoints ep;
	int r;

	if (!oauth2_enabled(a))
		return err_set(e, ERR_CONFIG,
		    "account %s does not use OAuth2: set oauth2_provider (see doc/oauth2.md)",
		    a->name);
	if (oauth2_conf_load(a, &ep, e) == -1)
		return -1;
	if (oauth2_discover(&ep, e) == -1)
		r = -1;
	else if (device || a->oauth2_flow == CONF_FLOW_DEVICE)
		r = oauth2_device(a, &ep, say, arg, e);
	else
		r = oauth2_loopback(a, &ep, say, arg, e);
	oauth2_conf_wipe(&ep);
	return r;
}
