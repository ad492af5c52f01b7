/*
 * smtp_pipe.c: what the engine may send before a reply (see smtp_int.h,
 * RFC 2920, RFC 3030 section 4.2): whether BDAT goes in the same write
 * as MAIL and RCPT, QUIT in the same write as the session's last end of
 * data, and whether a message body's reply is still due (a lost reply
 * after it leaves the message's fate unknown). Round trips saved here
 * are the budget of bench/README.
 */
#include "config.h"

#include "smtp_int.h"

#define SMTP_QUIT_TIMEOUT 10

/*
 * Largest message whose BDAT goes with MAIL and RCPT before their
 * replies: when every recipient is refused, at most this much was sent
 * for nothing (the server discards the chunk), and a write this small
 * cannot stall behind replies we have not read yet.
 */
#define SMTP_BDAT_PIPE_MAX (64 * 1024)

bool
smtp_bdat_pipelined(const struct smtp_session *s)
{
	return (s->info.caps & SMTP_CAP_PIPELINING) &&
	    (s->info.caps & SMTP_CAP_CHUNKING) &&
	    s->mail->size <= SMTP_BDAT_PIPE_MAX;
}

/* Any body or BDAT chunk whose reply is still due? */
bool
smtp_body_due(const struct smtp_session *s)
{
	enum smtp_state st;
	size_t i;

	for (i = 0; i < s->ndue; i++) {
		st = s->due[(s->due_head + i) % SMTP_PIPE_MAX];
		if (st == SMTP_ST_BODY || st == SMTP_ST_BDAT)
			return true;
	}
	return false;
}

/* The session's last message: QUIT goes in the same write. */
int
smtp_quit_pipelined(struct smtp_session *s, struct err *e)
{
	if (!s->last || !(s->info.caps & SMTP_CAP_PIPELINING))
		return 0;
	return smtp_enter(s, e, SMTP_ST_QUIT);
}

/* QUIT's reply: never longer than any other reply (the caller's). */
void
smtp_quit_timeout(struct smtp_session *s)
{
	net_set_timeout(s->conn,
	    s->p->timeout && s->p->timeout < SMTP_QUIT_TIMEOUT
	        ? s->p->timeout
	        : SMTP_QUIT_TIMEOUT);
}
