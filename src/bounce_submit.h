/*
 * bounce_submit.h: the bounce notice owed for a submission that reached
 * some recipients and was refused (5xx) for others. postern said "taken"
 * for the message (exit 0 under -bm, 250 under -bs), as Postfix and
 * sendmail do, so like them it tells the sender afterwards: an RFC 3464
 * notice (bounce.h) from the null sender to the envelope sender, queued
 * in the account's queue and sent by the next queue run. Never for a
 * null sender. Nothing here prints or exits.
 */
#ifndef POSTERN_BOUNCE_SUBMIT_H
#define POSTERN_BOUNCE_SUBMIT_H

#include <stdbool.h>

#include "conf.h"
#include "err.h"
#include "job.h"
#include "queue_env.h"

/*
 * Whether a partly refused submission of account a from sender owes a
 * notice (and so exits 0): not for the null sender, not with queue off.
 */
bool bounce_owed(const struct account *, const char *sender);

/*
 * After submit_job (submit.h): queue the notice for the recipients the
 * job's envelope says were refused. 1 queued (its id in id), 0 none owed
 * (no refused recipient, the null sender, `queue off`), -1 with e when
 * it could not be queued.
 */
int bounce_submit(const struct job *, char id[QUEUE_ID_LEN + 1], struct err *);

#endif
