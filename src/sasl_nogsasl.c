/*
 * sasl_nogsasl.c: the GNU SASL backend of a build without libgsasl.
 */
#include "config.h"

#include "sasl_lib.h"

const char *
sasl_lib_version(void)
{
	return "disabled";
}

int
sasl_lib_mechanisms(struct buf *out)
{
	(void)out;
	return 0;
}
