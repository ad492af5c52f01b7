/*
 * bs.h: -bs, SMTP spoken on standard input and output, for callers that
 * talk SMTP to sendmail (Symfony Mailer, Laravel, some PHP libraries).
 *
 * Three layers, each testable alone:
 *  - the command parser (bs_parse.c): a line in, a verb and its argument
 *    out; MAIL/RCPT paths and MAIL parameters; the reply for a failed
 *    submission. Pure: no I/O, no allocation.
 *  - the session (bs_session.c): the server-side state machine. Lines go
 *    in (bs_line), replies come out in a caller's buffer. What a
 *    transaction does with the world (load the account, open a file for
 *    the message, submit it) goes through struct bs_ops, so the unit
 *    tests drive it with fakes. bs_serve is the I/O loop over two file
 *    descriptors: commands may be pipelined (RFC 2920); replies are
 *    written in order, whenever no complete line is left to read.
 *  - the real operations (bs.c): each message becomes a job exactly as
 *    in -bm (job.h: MAIL FROM is the -f sender, the RCPTs the argv
 *    recipients, the DATA bytes the message, read as with -i) and is
 *    handed to the queue (queue.h: delivered now, or queued on a
 *    temporary failure); the reply to the end of data is the outcome.
 *
 * Nothing here prints or exits. The -v transcript (client lines, our
 * replies, and the upstream session) goes to the caller's trace hook;
 * stdout is the SMTP channel and carries nothing else.
 */
#ifndef POSTERN_BS_H
#define POSTERN_BS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "cli.h"
#include "err.h"
#include "smtp.h"

#define BS_CMD_LINE_MAX 512   /* command line, CRLF included (RFC 5321) */
#define BS_TEXT_LINE_MAX 1000 /* DATA line, CRLF included */
#define BS_COMMANDS_MAX 10000 /* commands in one session */
#define BS_RCPTS_MAX 1000     /* recipients in one transaction */
#define BS_SIZE_MAX ((uint64_t)100 * 1024 * 1024) /* advertised SIZE */
#define BS_REPLY_MAX 512 /* one reply line, CRLF included */

/* --- the parser (bs_parse.c) ------------------------------------------- */

enum bs_verb {
	BS_CMD_EMPTY = 0, /* an empty line */
	BS_CMD_UNKNOWN,
	BS_CMD_NOTIMPL, /* known SMTP verbs we do not offer: AUTH, STARTTLS */
	BS_CMD_HELO,
	BS_CMD_EHLO,
	BS_CMD_MAIL,
	BS_CMD_RCPT,
	BS_CMD_DATA,
	BS_CMD_RSET,
	BS_CMD_NOOP,
	BS_CMD_QUIT,
	BS_CMD_VRFY,
	BS_CMD_EXPN,
	BS_CMD_HELP,
};

struct bs_cmd {
	enum bs_verb verb;
	const char *arg; /* after the verb and its blanks; "" when none */
	size_t arglen;   /* without trailing blanks */
};

/*
 * Split a NUL-terminated command line (without its line end): the verb,
 * case-insensitive, ended by a space or the end of the line, and the
 * argument. The line is not modified: arg points into it.
 */
void bs_parse_command(const char *line, struct bs_cmd *out);

/* A MAIL FROM or RCPT TO argument, split. */
struct bs_path {
	char path[256 + 2]; /* inside the angle brackets; "" for <> */
	const char *params; /* ESMTP parameters after the path, or "" */
	size_t paramslen;
};

/*
 * Parse "FROM:<path> params" (prefix "FROM:") or "TO:<path> params"
 * (prefix "TO:") from arg[0..len). Blanks after the colon and a path
 * without angle brackets are tolerated; quoted local parts may hold
 * spaces and '>'. 0, or -1 with *why set (a syntax error: 501).
 */
int bs_parse_path(const char *arg, size_t len, const char *prefix,
    struct bs_path *, const char **why);

struct bs_mail_params {
	uint64_t size;  /* SIZE=, 0 when not given */
	bool body_8bit; /* BODY=8BITMIME */
	bool unknown;   /* on -1: an unrecognised parameter (555) */
};

/*
 * MAIL FROM parameters: SIZE=n and BODY=7BIT|8BITMIME, keywords
 * case-insensitive. 0; or -1 with *why, and out->unknown set when the
 * failure is a parameter we do not implement (RFC 5321 4.1.1.11: 555)
 * rather than a syntax error (501).
 */
int bs_parse_mail_params(const char *params, size_t len,
    struct bs_mail_params *out, const char **why);

/*
 * The reply to an end of data (or MAIL) that failed with e: the server's
 * code and enhanced code when it gave one (421 becomes 451: a 421 would
 * tell our client that we are closing; codes that cannot answer DATA
 * become 451/554), else 451 4.x.x (temporary) or 554 5.x.x by class;
 * then e->text, line breaks and tabs as spaces, other control bytes as
 * \xHH (vis.h). One line, no CRLF, at most cap - 1 bytes
 * (cap <= BS_REPLY_MAX - 2 keeps it within RFC 5321).
 */
void bs_reply_for_err(const struct err *e, char *out, size_t cap);

/* --- the session (bs_session.c) ---------------------------------------- */

enum bs_state {
	BS_ST_READY = 0, /* greeted; no transaction */
	BS_ST_MAIL,      /* MAIL accepted, no recipient yet */
	BS_ST_RCPT,      /* one recipient or more */
	BS_ST_DATA,      /* reading the message after 354 */
	BS_ST_DONE,      /* QUIT, or we closed with 421 */
};

/* What a transaction does outside the state machine (see bs.c). */
struct bs_ops {
	/* MAIL FROM accepted: sender is "" for <>. 0, or -1 + e. */
	int (*mail)(void *arg, const char *sender, struct err *e);
	/* DATA: a new descriptor for the message bytes. 0, or -1 + e. */
	int (*spool)(void *arg, int *fd, struct err *e);
	/*
	 * End of data: submit the nrcpts recipients and the message in fd
	 * (CRLF lines, dots undone, offset anywhere). Fill reply (one line,
	 * no CRLF, under cap). 0 when postern took responsibility for
	 * every recipient (delivered or queued); -1 + e otherwise (the
	 * reply may still be 250 for a partial delivery).
	 */
	int (*submit)(void *arg, char **rcpts, size_t nrcpts, int fd,
	    char *reply, size_t cap, struct err *e);
	/* The transaction is over (done, RSET, EOF): forget it. */
	void (*end)(void *arg);
	void *arg;
};

struct bs_session {
	enum bs_state state;
	const struct bs_ops *ops;
	const struct smtp_trace *trace; /* may be NULL */
	char host[256];                 /* our name in 220/250 */
	size_t ncommands;
	bool prev_crlf; /* the previous line ended with CRLF */
	/* the transaction */
	bool in_txn; /* ops->mail succeeded; ops->end is owed */
	char **rcpts;
	size_t nrcpts;
	int fd;            /* message file during DATA, -1 otherwise */
	struct buf data;   /* DATA bytes not yet written to fd */
	uint64_t datasize; /* DATA bytes so far */
	bool data_too_long, data_too_big, data_failed;
	struct err data_err;
	/* the session's outcome */
	size_t ncompleted; /* messages whose end of data was reached */
	size_t nfailed;    /* failed MAIL/DATA ops, messages not delivered
	                      to every recipient */
	struct err last;   /* the latest of those failures */
};

/* A session in BS_ST_READY; host is our name (truncated). */
void bs_session_init(struct bs_session *, const char *host,
    const struct bs_ops *, const struct smtp_trace *);

/* The 220 greeting, CRLF-terminated, appended to out. */
int bs_greeting(struct bs_session *, struct buf *out);

/*
 * The longest line (CRLF included) the session takes in its current
 * state: BS_TEXT_LINE_MAX in DATA, BS_CMD_LINE_MAX otherwise.
 */
size_t bs_line_cap(const struct bs_session *);

/*
 * One input line, without its line end (CRLF or bare LF), NUL bytes
 * allowed. too_long says the line went over bs_line_cap (line is then
 * ignored); crlf says it ended with CRLF rather than a bare LF (the data
 * ends only on CRLF "." CRLF). Replies, CRLF-terminated, are appended to
 * out. -1 only when out cannot grow (ERR_SOFTWARE); protocol errors are
 * replies.
 */
int bs_line(struct bs_session *, const char *line, size_t len, bool too_long,
    bool crlf, struct buf *out, struct err *);

/* QUIT was answered or we closed: read nothing more. */
bool bs_done(const struct bs_session *);

/* End of input: abandon an open transaction (nothing is sent). */
void bs_session_free(struct bs_session *);

/*
 * The I/O loop: greeting, then lines from in_fd until QUIT or EOF,
 * replies to out_fd. 0 when the session ended cleanly; -1 with ERR_IO
 * when reading or writing failed, ERR_SOFTWARE when out of memory.
 */
int bs_serve(struct bs_session *, int in_fd, int out_fd, struct err *);

/* --- -bs for real (bs.c) ----------------------------------------------- */

/*
 * Run a -bs session for the command line req on in_fd/out_fd. Returns 0
 * when every message the client completed (end of data) reached all its
 * recipients and postern refused no MAIL or DATA for a reason of its own
 * (configuration, spool file); otherwise -1 with e holding the latest
 * such failure (its class gives the exit code). Replies to the client's
 * own mistakes (syntax, order, limits before DATA) do not count. A
 * failure of the channel itself (read/write error) is ERR_IO and wins.
 */
int bs_run(const struct cli_request *req, int in_fd, int out_fd,
    const struct smtp_trace *trace, struct err *e);

#endif
