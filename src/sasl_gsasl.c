/*
 * sasl_gsasl.c: SASL mechanisms through GNU SASL; the only file that
 * includes gsasl.h. Used for SCRAM (with -PLUS channel binding) and any
 * other mechanism an account names that sasl.c does not build itself.
 *
 * Properties are set before the first step, so no callback is needed:
 * authentication and authorisation identity, password, service "smtp",
 * host name, and the channel binding in base64 when the TLS session has
 * one. GNU SASL's SCRAM client verifies the server signature in the
 * server-final message and fails the step when it does not match.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <gsasl.h>

#include "sasl.h"
#include "sasl_lib.h"

struct sasl_lib {
	Gsasl *ctx;
	Gsasl_session *sess;
	int steps;
};

const char *
sasl_lib_version(void)
{
	return gsasl_check_version(NULL);
}

bool
sasl_lib_available(void)
{
	return true;
}

int
sasl_lib_mechanisms(struct buf *out)
{
	Gsasl *ctx = NULL;
	char *mechs = NULL;
	int r = -1;

	if (gsasl_init(&ctx) != GSASL_OK)
		goto out;
	if (gsasl_client_mechlist(ctx, &mechs) != GSASL_OK)
		goto out;
	if (buf_add_str(out, mechs) == -1)
		goto out;
	r = 0;
out:
	gsasl_free(mechs);
	if (ctx)
		gsasl_done(ctx);
	return r;
}

bool
sasl_lib_supports(const char *mech)
{
	Gsasl *ctx = NULL;
	bool r;

	if (gsasl_init(&ctx) != GSASL_OK)
		return false;
	r = gsasl_client_support_p(ctx, mech) != 0;
	gsasl_done(ctx);
	return r;
}

/* Channel binding bytes as the base64 property GNU SASL wants. */
static int
sasl_lib_set_cb(Gsasl_session *sess, const char *mech,
    const struct sasl_creds *k)
{
	struct buf b64;
	Gsasl_property prop;
	size_t n = strlen(mech);
	int r = -1;

	/* Only -PLUS binds the channel; GNU SASL 2.2 fails a plain SCRAM
	 * exchange that is handed a binding. */
	if (k->cb_type == TLS_CB_NONE || k->cb_len == 0 || n < 5 ||
	    strcmp(mech + n - 5, "-PLUS") != 0)
		return 0;
	if (k->cb_type == TLS_CB_EXPORTER)
		prop = GSASL_CB_TLS_EXPORTER;
	else if (k->cb_type == TLS_CB_UNIQUE)
		prop = GSASL_CB_TLS_UNIQUE;
	else
		return 0;
	buf_init(&b64, 256);
	if (sasl_b64_encode(k->cb_data, k->cb_len, &b64) == -1)
		goto out;
	if (gsasl_property_set(sess, prop, buf_str(&b64)) != GSASL_OK)
		goto out;
	r = 0;
out:
	buf_free(&b64);
	return r;
}

static int
sasl_lib_set_props(Gsasl_session *s, const char *mech,
    const struct sasl_creds *k)
{
	if (k->user && gsasl_property_set(s, GSASL_AUTHID, k->user) != GSASL_OK)
		return -1;
	if (k->authzid &&
	    gsasl_property_set(s, GSASL_AUTHZID, k->authzid) != GSASL_OK)
		return -1;
	if (k->password &&
	    gsasl_property_set(s, GSASL_PASSWORD, k->password) != GSASL_OK)
		return -1;
	if (gsasl_property_set(s, GSASL_SERVICE, "smtp") != GSASL_OK)
		return -1;
	if (k->host &&
	    gsasl_property_set(s, GSASL_HOSTNAME, k->host) != GSASL_OK)
		return -1;
	return sasl_lib_set_cb(s, mech, k);
}

int
sasl_lib_start(struct sasl_lib **out, const char *mech,
    const struct sasl_creds *k, struct err *e)
{
	struct sasl_lib *l;
	int rc;

	*out = NULL;
	if ((l = calloc(1, sizeof(*l))) == NULL)
		return err_set(e, ERR_SOFTWARE, "out of memory");
	if ((rc = gsasl_init(&l->ctx)) != GSASL_OK) {
		l->ctx = NULL;
		err_set(e, ERR_SOFTWARE, "GNU SASL: %s", gsasl_strerror(rc));
		goto fail;
	}
	if (!gsasl_client_support_p(l->ctx, mech)) {
		err_set(e, ERR_UNAVAILABLE,
		    "authentication mechanism %s is not supported by GNU SASL",
		    mech);
		goto fail;
	}
	if ((rc = gsasl_client_start(l->ctx, mech, &l->sess)) != GSASL_OK) {
		l->sess = NULL;
		err_set(e, ERR_SOFTWARE, "GNU SASL %s: %s", mech,
		    gsasl_strerror(rc));
		goto fail;
	}
	if (sasl_lib_set_props(l->sess, mech, k) == -1) {
		err_set(e, ERR_SOFTWARE, "GNU SASL: cannot set properties");
		goto fail;
	}
	*out = l;
	return 0;
fail:
	sasl_lib_free(l);
	return -1;
}

int
sasl_lib_step(struct sasl_lib *l, const char *in, struct buf *out,
    struct err *e)
{
	char *resp = NULL;
	int rc, r = -1;

	rc = gsasl_step64(l->sess, in, &resp);
	l->steps++;
	if (rc != GSASL_OK && rc != GSASL_NEEDS_MORE) {
		/* SCRAM: the third step checks the server signature. */
		if (rc == GSASL_AUTHENTICATION_ERROR && l->steps >= 3)
			err_set(e, ERR_PROTOCOL,
			    "the server's final authentication message does not verify (wrong server signature): %s",
			    gsasl_strerror(rc));
		else
			err_set(e, ERR_PROTOCOL,
			    "authentication exchange failed: %s",
			    gsasl_strerror(rc));
		goto out;
	}
	if (resp != NULL && buf_add_str(out, resp) == -1) {
		err_set(e, ERR_SOFTWARE, "authentication response too long");
		goto out;
	}
	r = rc == GSASL_OK ? 0 : 1;
out:
	if (resp != NULL) {
		explicit_bzero(resp, strlen(resp));
		gsasl_free(resp);
	}
	return r;
}

void
sasl_lib_free(struct sasl_lib *l)
{
	if (l == NULL)
		return;
	if (l->sess)
		gsasl_finish(l->sess);
	if (l->ctx)
		gsasl_done(l->ctx);
	free(l);
}
