/*
 * sasl_nogsasl.c: the GNU SASL backend of a build without libgsasl: no
 * mechanisms beyond the built-in ones in sasl.c.
 */
#include "config.h"

#include "sasl_lib.h"

const char *
sasl_lib_version(void)
{
	return "disabled";
}

bool
sasl_lib_available(void)
{
	return false;
}

int
sasl_lib_mechanisms(struct buf *out)
{
	(void)out;
	return 0;
}

bool
sasl_lib_supports(const char *mech)
{
	(void)mech;
	return false;
}

int
sasl_lib_start(struct sasl_lib **out, const char *mech,
    const struct sasl_creds *k, struct err *e)
{
	(void)k;
	*out = NULL;
	return err_set(e, ERR_UNAVAILABLE,
	    "authentication mechanism %s needs GNU SASL, which this build lacks",
	    mech);
}

int
sasl_lib_step(struct sasl_lib *l, const char *in, struct buf *out,
    struct err *e)
{
	(void)l;
	(void)in;
	(void)out;
	return err_set(e, ERR_SOFTWARE, "GNU SASL is not available");
}

void
sasl_lib_free(struct sasl_lib *l)
{
	(void)l;
}
