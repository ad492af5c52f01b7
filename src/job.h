/*
 * job.h: one message on its way: the account, the envelope and the
 * canonical message in a spool file, ready for --dry-run or the SMTP
 * engine.
 *
 * job_load reads the configuration and chooses the account; job_prepare
 * makes the unpublished queue entry that the submission (submit.h)
 * delivers: it works out the envelope sender, reads the message from a descriptor
 * through the preparer (msg.h) into a spool file in queue_dir/tmp, and
 * resolves the recipients (argv address lists, aliases, local_domain,
 * union with -t, no duplicates), then writes the envelope (queue_env.h:
 * a new id, every recipient pending) that every later step uses. Domains may be U-labels (-f, from,
 * aliases, local_domain, recipients): envelope addresses keep them (the
 * engine sends them as UTF-8 or A-labels, see smtp.h); addresses postern
 * writes into the header (a new From, names qualified with local_domain,
 * Message-ID) get A-labels unless their local part is not ASCII; a
 * domain libidn2 refuses is ERR_DATA naming the address and the reason.
 * Nothing here prints or exits: failures fill the struct err
 * (ERR_CONFIG, ERR_DATA, ERR_NOUSER, ERR_IO, ...).
 * job_free closes and removes the spool file.
 */
#ifndef POSTERN_JOB_H
#define POSTERN_JOB_H

#include <stdbool.h>
#include <stdio.h>

#include "addr.h"
#include "buf.h"
#include "cli.h"
#include "conf.h"
#include "err.h"
#include "msg.h"
#include "queue_env.h"

struct job {
	const struct cli_request *req;
	struct conf conf;
	const struct account *acct;
	char *sender; /* envelope sender, "" for <> */
	struct addr_aliases *aliases;
	struct addr_list rcpts; /* envelope recipients */
	struct msg_result res;
	bool have_res;
	char *local_domain;   /* the account's, in A-labels, or NULL */
	char *hdr_sender;     /* sender for generated headers (A-labels) */
	char *hdr_from;       /* the account's from, likewise */
	char *msgid_domain;   /* A-labels, for a new Message-ID, or NULL */
	int fd;               /* the spool file, -1 before job_prepare */
	char *spool;          /* its path */
	struct queue_env env; /* the entry's envelope, by job_prepare */
};

/* An empty job for the request (which must outlive it). */
void job_init(struct job *, const struct cli_request *);

/* Load the configuration and select the account (-a name, -f, default). */
int job_load(struct job *, const char *account, struct err *);

/* Likewise from the system file alone (conf_load_system, queue_dir). */
int job_load_system(struct job *, const char *queue_dir, const char *account,
    struct err *);

/*
 * Sender, spool file, the message read from in_fd to its end (or to a
 * lone "." without -i), recipients, envelope. 0, or -1 with e filled.
 */
int job_prepare(struct job *, int in_fd, struct err *);

/* Copy the spool file's bytes to out. 0, or -1 with ERR_IO. */
int job_copy_message(const struct job *, FILE *out, struct err *);

/* Close and remove the spool file, free everything. */
void job_free(struct job *);

#endif
