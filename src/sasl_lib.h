/*
 * sasl_lib.h: SASL mechanisms from GNU SASL (SCRAM and others).
 * sasl_gsasl.c, the only file that includes gsasl.h, implements it when
 * postern is built with libgsasl; sasl_nogsasl.c otherwise.
 */
#ifndef POSTERN_SASL_LIB_H
#define POSTERN_SASL_LIB_H

#include "buf.h"

/* The GNU SASL version in use ("2.2.0"), or "disabled". */
const char *sasl_lib_version(void);

/*
 * Append the client mechanisms GNU SASL offers, space separated, to out.
 * Appends nothing when built without it. 0, or -1 on failure.
 */
int sasl_lib_mechanisms(struct buf *out);

#endif
