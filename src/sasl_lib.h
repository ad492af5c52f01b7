/*
 * sasl_lib.h: SASL mechanisms from GNU SASL (SCRAM and others).
 * sasl_gsasl.c, the only file that includes gsasl.h, implements it when
 * postern is built with libgsasl; sasl_nogsasl.c otherwise (no
 * mechanisms, every start fails with ERR_UNAVAILABLE).
 *
 * sasl.c uses this for every mechanism it does not build itself. The
 * session never sees the password after start: GNU SASL asks for it
 * through a callback that reads the caller's struct sasl_creds.
 */
#ifndef POSTERN_SASL_LIB_H
#define POSTERN_SASL_LIB_H

#include <stdbool.h>

#include "buf.h"
#include "err.h"

struct sasl_creds;
struct sasl_lib;

/* The GNU SASL version in use ("2.2.0"), or "disabled". */
const char *sasl_lib_version(void);

/* True when postern was built with GNU SASL. */
bool sasl_lib_available(void);

/*
 * Append the client mechanisms GNU SASL offers, space separated, to out.
 * Appends nothing when built without it. 0, or -1 on failure.
 */
int sasl_lib_mechanisms(struct buf *out);

/* True when GNU SASL can run mech as a client. */
bool sasl_lib_supports(const char *mech);

/*
 * Start mech with creds (kept by pointer: they must outlive the
 * session). ERR_UNAVAILABLE when the library lacks it.
 */
int sasl_lib_start(struct sasl_lib **, const char *mech,
    const struct sasl_creds *, struct err *);

/*
 * One step: in is the base64 challenge ("" for none), out gets the base64
 * response. 0 when the mechanism has finished on the client's side
 * (SCRAM: server signature verified), 1 when it needs more, -1 on
 * failure (ERR_PROTOCOL: bad challenge or server signature).
 */
int sasl_lib_step(struct sasl_lib *, const char *in, struct buf *out,
    struct err *);

/* Free; NULL is fine. */
void sasl_lib_free(struct sasl_lib *);

#endif
