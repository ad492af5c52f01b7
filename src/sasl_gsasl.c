/*
 * sasl_gsasl.c: SASL mechanisms through GNU SASL; the only file that
 * includes gsasl.h.
 */
#include "config.h"

#include <stdlib.h>

#include <gsasl.h>

#include "sasl_lib.h"

const char *
sasl_lib_version(void)
{
	return gsasl_check_version(NULL);
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
