/*
 * doctor_int.h: what the files of --doctor share (doctor.c: the run,
 * the configuration and port 25; doctor_tls.c: the submission ports,
 * the certificate and AUTH; doctor_acct.c: the password, the login and
 * the queue). Not for other modules: they use doctor.h.
 */
#ifndef POSTERN_DOCTOR_INT_H
#define POSTERN_DOCTOR_INT_H

#include "buf.h"
#include "conf.h"
#include "deliver.h"
#include "doctor.h"
#include "secrets.h"

struct doctor_ctx {
	const struct doctor_opts *o;
	struct doctor_summary *sum;
	struct conf conf;
	const struct account *acct; /* NULL when none could be chosen */
	const char *path;           /* the user's config file, or NULL */

	struct doctor_probe probe[DOCTOR_NPORTS]; /* 587 and 465 used */
	struct doctor_probe extra;     /* the account's own port otherwise */
	const struct doctor_probe *ap; /* the account as configured, when
					  it opened */
	char acct_port[16];

	struct buf pw; /* the password, when a source answered */
	bool have_pw;
	enum secrets_source src;
};

/* Report one check; fix may be NULL. */
void doctor_emit(struct doctor_ctx *, enum doctor_verdict, const char *topic,
    const char *fix, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

/* "STARTTLS", "implicit TLS", "no TLS". */
const char *doctor_mode_name(enum smtp_tls_mode);

/* doctor_tls.c: ports 587 and 465, the account's session, cert, AUTH. */
void doctor_check_submission(struct doctor_ctx *);

/* doctor_acct.c */
void doctor_check_password(struct doctor_ctx *);
void doctor_check_login(struct doctor_ctx *);
void doctor_check_queue(struct doctor_ctx *);

#endif
