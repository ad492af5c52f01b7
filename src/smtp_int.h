/*
 * smtp_int.h: the SMTP engine's insides, shared by smtp.c (session,
 * driver, connection states), smtp_auth.c (AUTH states), smtp_mail.c
 * (transaction states, dot-stuffing) and the unit tests. Not for other
 * modules: they use smtp.h.
 *
 * The engine is an explicit state machine. Each state has one send
 * function (writes its command and queues the state in the list of
 * replies due) and one reply handler (reads the reply to that command and
 * enters the next state, or records a failure). smtp_drive reads replies
 * until none is due. With PIPELINING the MAIL send function enters
 * RCPT... and DATA at once, so the whole group leaves in one write and
 * the handlers only record results.
 *
 * Errors: every send function and reply handler takes the caller's
 * struct err and fills it where the failure happens; the session keeps
 * no pointer to it (smtp_session_free's QUIT uses its own).
 */
#ifndef POSTERN_SMTP_INT_H
#define POSTERN_SMTP_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "buf.h"
#include "err.h"
#include "net.h"
#include "sasl.h"
#include "smtp.h"
#include "tls.h"

enum smtp_state {
	SMTP_ST_CONNECTED = 0, /* nothing sent, greeting due */
	SMTP_ST_EHLO,
	SMTP_ST_HELO,
	SMTP_ST_STARTTLS,
	SMTP_ST_AUTH,
	SMTP_ST_AUTH_CONT,
	SMTP_ST_READY, /* idle, between transactions */
	SMTP_ST_RSET,
	SMTP_ST_MAIL,
	SMTP_ST_RCPT,
	SMTP_ST_DATA,
	SMTP_ST_BODY, /* message + end of data sent */
	SMTP_ST_BDAT,
	SMTP_ST_QUIT,
	SMTP_ST_COUNT
};

/* Replies due at once: a pipelined group larger than this is split. */
#define SMTP_PIPE_MAX 64
/* Longest command line we build (AUTH with an initial response). */
#define SMTP_CMD_MAX (SASL_B64_MAX + 64)
/* Cap on a password or token from the callback. */
#define SMTP_SECRET_MAX 8192

struct smtp_session {
	const struct smtp_params *p;
	const struct smtp_trace *trace;
	struct net_conn *conn;
	enum smtp_state state;
	enum smtp_state due[SMTP_PIPE_MAX]; /* replies due, FIFO */
	size_t due_head, ndue;
	struct smtp_reply reply;
	struct smtp_info info;
	char line[SMTP_CMD_MAX + 3]; /* the command being sent */
	bool broken;   /* the connection cannot carry another command */
	bool tls_done; /* TLS is up (implicit or STARTTLS) */
	bool authed;
	bool need_rset; /* a transaction was left open */
	bool last;      /* smtp_set_last: QUIT goes with the end of data */
	/* AUTH */
	struct sasl_client *sasl;
	enum sasl_builtin auth_id; /* the mechanism in use, SASL_LIB: other */
	struct sasl_creds creds;
	struct buf secret; /* the password, wiped after AUTH */
	struct buf resp;   /* a base64 response, wiped after use */
	int auth_rounds;
	bool auth_cancel;      /* answer "*": the server's challenge was bad */
	bool auth_complete;    /* the mechanism finished on our side */
	bool auth_ir_later;    /* the initial response waits for a 334 */
	bool auth_retried;     /* AUTH again with a refreshed token, once */
	struct err auth_err;   /* why we cancelled */
	char auth_detail[160]; /* an OAuth server's error (JSON), printable */
	unsigned char cb[TLS_CB_MAX];
	/* the transaction */
	struct smtp_mail *mail;
	size_t rcpt_sent, rcpt_replied;
	bool txn_failed; /* the caller's err holds why */
	bool mail_ok;
	int txn_rc; /* smtp_send_start's result, for smtp_send_finish */
};

/* State table (smtp.c). */
const char *smtp_state_name(enum smtp_state);

/* Enter st: send its command and queue its reply (smtp.c). */
int smtp_enter(struct smtp_session *, struct err *, enum smtp_state);

/* Read and handle one reply / replies until none is due (smtp.c). */
int smtp_drive_one(struct smtp_session *, struct err *);
int smtp_drive(struct smtp_session *, struct err *);

/*
 * Write a command line (CRLF added). The trace shows it, or, with
 * redact, the first `redact` bytes followed by "<redacted>"
 * (SMTP_REDACT_ALL: "<redacted>" alone).
 */
#define SMTP_REDACT_ALL ((size_t)-1)
int smtp_cmd(struct smtp_session *, struct err *, size_t redact, const char *,
    ...) __attribute__((format(printf, 4, 5)));

/* An engine note on the trace. */
void smtp_note(struct smtp_session *, const char *, ...)
    __attribute__((format(printf, 2, 3)));

/*
 * Fill e from a failed reply: "<what>: <reply>", class cls for 5xx,
 * temporary ERR_TEMP for 4xx. Returns -1.
 */
int smtp_fail_reply(struct err *, enum err_class cls, const struct smtp_reply *,
    const char *what, ...) __attribute__((format(printf, 4, 5)));

/* AUTH (smtp_auth.c). */
int smtp_auth_begin(struct smtp_session *, struct err *);
/* smtp_tls.c: STARTTLS, and the handshake (also for implicit TLS). */
int smtp_send_starttls(struct smtp_session *, struct err *);
int smtp_reply_starttls(struct smtp_session *, struct err *,
    const struct smtp_reply *);
int smtp_tls_start(struct smtp_session *, struct err *);

int smtp_send_auth(struct smtp_session *, struct err *);
int smtp_send_auth_cont(struct smtp_session *, struct err *);
int smtp_reply_auth(struct smtp_session *, struct err *,
    const struct smtp_reply *);
void smtp_auth_cleanup(struct smtp_session *);

/* The transaction (smtp_mail.c). */
/*
 * Before MAIL: what the server cannot take fails the message; a
 * recipient it cannot take (RFC 6531 X.6.7) is marked SMTP_RCPT_PERMFAIL
 * and is not sent (the RCPT states skip it).
 */
int smtp_mail_check(struct smtp_session *, struct err *, struct smtp_mail *);
int smtp_send_mail(struct smtp_session *, struct err *);
int smtp_send_rcpt(struct smtp_session *, struct err *);
int smtp_send_data(struct smtp_session *, struct err *);
int smtp_send_body(struct smtp_session *, struct err *);
int smtp_send_bdat(struct smtp_session *, struct err *);
int smtp_reply_mail(struct smtp_session *, struct err *,
    const struct smtp_reply *);
int smtp_reply_rcpt(struct smtp_session *, struct err *,
    const struct smtp_reply *);
int smtp_reply_data(struct smtp_session *, struct err *,
    const struct smtp_reply *);
int smtp_reply_body(struct smtp_session *, struct err *,
    const struct smtp_reply *);

/* What may go before a reply (smtp_pipe.c). */
/* Is the reply to a message body (DATA's or BDAT's) still due? */
bool smtp_body_due(const struct smtp_session *);
/* BDAT in the same write as MAIL and RCPT (PIPELINING + CHUNKING, small). */
bool smtp_bdat_pipelined(const struct smtp_session *);
/* The wait for QUIT's reply: at most 10 s, never over the timeout. */
void smtp_quit_timeout(struct smtp_session *);
/* After the session's last end of data: QUIT in the same write. */
int smtp_quit_pipelined(struct smtp_session *, struct err *);

/*
 * Dot-stuffing of a canonical message, chunk by chunk (pure). Lines that
 * start with '.' get another '.'; smtp_stuff_end adds CRLF when the
 * message does not end in one, then ".\r\n". A bare CR, a bare LF or a
 * NUL in the input is refused (-1): the message was not canonicalised,
 * and sending it could smuggle a second message (SMTP smuggling).
 * smtp_stuff_check runs the same validation without stuffing (BDAT).
 */
struct smtp_stuffer {
	bool bol;  /* at the start of a line */
	char prev; /* last input byte */
	off_t off; /* input bytes seen, for error messages */
};
void smtp_stuff_init(struct smtp_stuffer *);
/*
 * Stuffs n bytes into out (room for 2 * n); the output length, or -1.
 * out may lie in the same buffer below in, at least n bytes before it
 * (in place: the output never overtakes the unread input).
 */
ssize_t smtp_stuff(struct smtp_stuffer *, const char *, size_t, char *out);
int smtp_stuff_check(struct smtp_stuffer *, const char *, size_t);
/* Writes the end of data into out (room for 5); its length, or -1. */
ssize_t smtp_stuff_end(struct smtp_stuffer *, char *out);

/* RFC 3461 xtext: '+', '=' and bytes outside '!'..'~' become "+XX". */
int smtp_xtext(const char *, struct buf *out);

#endif
