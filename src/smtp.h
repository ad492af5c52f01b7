/*
 * smtp.h: the submission engine. One call submits one message
 * (smtp_submit); the session calls (smtp_open, smtp_send, smtp_close)
 * send several messages over one connection, as the queue runner does.
 *
 * The engine connects (net.h), reads the greeting, sends EHLO (HELO only
 * when EHLO is refused and neither TLS nor AUTH is needed), does STARTTLS
 * or implicit TLS (tls.h), forgets the capabilities and sends EHLO again,
 * authenticates (sasl.h), then runs MAIL/RCPT/DATA (pipelined when
 * offered) or BDAT (CHUNKING), using SIZE, 8BITMIME, SMTPUTF8 and DSN as
 * the message needs and the server offers. QUIT is sent on every path
 * where the connection is still usable. It never prints or exits: the
 * caller gets 0 or -1 with a struct err, per-recipient results in the
 * mail, and, when it asks, every protocol line through a trace hook.
 *
 * Error classes (main.c maps them to sysexits):
 *   ERR_DATA        the message was refused (5xx to MAIL, DATA, end of
 *                   data), or cannot be sent as it is (too big for SIZE,
 *                   8-bit without 8BITMIME, a UTF-8 sender local part
 *                   or header address without SMTPUTF8: 5.6.7)
 *   ERR_NOUSER      every recipient was refused (5xx; a UTF-8 local
 *                   part without SMTPUTF8 is refused here, 553 5.6.7)
 *   ERR_NOHOST      the host name does not resolve
 *   ERR_UNAVAILABLE STARTTLS, AUTH, a mechanism or DSN missing on the
 *                   server; no secure mechanism
 *   ERR_IO          a read or write failed
 *   ERR_PROTOCOL    the server broke the protocol, TLS handshake failed
 *   ERR_NOPERM      authentication or certificate refused; AUTH would
 *                   have gone out unencrypted
 *   ERR_TEMP        any failure marked temporary: 4xx replies (including
 *                   421 and 4xx to AUTH), connect refused/timed out,
 *                   DNS temporary failure, I/O timeout, connection lost,
 *                   TLS handshake interrupted, password source
 *                   temporarily unavailable, an OAuth token refused
 *                   (XOAUTH2/OAUTHBEARER 5xx or error challenge: also
 *                   err.hold, the account's mail is held)
 * After the end of data only: a reply that cannot be read (invalid:
 * ERR_PROTOCOL, its text saying the message may have been delivered) or
 * that never comes (ERR_TEMP: lost, timed out) sets mail.unsure.
 * err.temporary is true exactly for failures worth retrying; err.smtp_code
 * and err.esc hold the reply that caused the failure, and err.text is one
 * line that includes the server's reply text.
 */
#ifndef POSTERN_SMTP_H
#define POSTERN_SMTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "buf.h"
#include "err.h"
#include "net.h"
#include "tls.h"

enum smtp_tls_mode {
	SMTP_TLS_NONE = 0, /* `tls off`: plaintext (no STARTTLS either) */
	SMTP_TLS_STARTTLS, /* mandatory STARTTLS (the default) */
	SMTP_TLS_IMPLICIT, /* TLS from the first byte (port 465) */
};

enum smtp_auth_mode {
	SMTP_AUTH_OFF = 0, /* no AUTH */
	SMTP_AUTH_AUTO,    /* strongest mechanism both sides support */
	SMTP_AUTH_MECH,    /* exactly auth_mech */
};

/*
 * Supplies the password (or OAuth token) when AUTH needs it, into out
 * (capped; the engine buf_wipes it right after use and never logs it).
 * Returns 0, or -1 with err filled: use a temporary ERR_TEMP when the
 * source may work later (keyring locked), ERR_CONFIG/ERR_NOPERM
 * otherwise. Not called when AUTH is off or the mechanism (EXTERNAL)
 * needs no secret.
 */
typedef int (*smtp_password_fn)(void *arg, const char *host, const char *user,
    struct buf *out, struct err *);

/* The account, as conf.c resolved it. Strings are not copied. */
struct smtp_params {
	const char *host; /* required */
	const char *port; /* "587"; NULL: 465 if implicit, else 587 */
	enum smtp_tls_mode tls;
	const char *tls_trust_file;  /* NULL: system trust store */
	const char *tls_fingerprint; /* pin (see tls.h) or NULL */
	const char *tls_cert_file;   /* client certificate or NULL */
	const char *tls_key_file;
	const char *tls_priorities;    /* GnuTLS priority string or NULL */
	const char *tls_host_override; /* name to verify and send as SNI */
	bool tls_no_certcheck;         /* `tls_certcheck off` (conf decides) */
	bool *tls_up; /* if not NULL, set once TLS is up: a failure before
			 it may come from a man in the middle */
	const char *tls_session_dir; /* resume TLS sessions (tls.h) with the
				       cache there, or NULL; needs account */
	const char *account;         /* the account's name, for that cache */
	const char *helo;            /* `domain`; NULL: "localhost" */
	enum smtp_auth_mode auth;
	const char *auth_mech; /* SMTP_AUTH_MECH: "PLAIN", ... */
	const char *user;      /* AUTH identity */
	smtp_password_fn password;
	/* Optional: a fresh OAuth token after the server refused one (same
	 * arg). The engine then AUTHs once more on the same connection. */
	smtp_password_fn refresh;
	void *password_arg;
	bool dsn_required; /* DSN asked for, none at the server: ERR_UNAVAILABLE
			      (else sent without, mail.dsn_dropped) */
	unsigned timeout;  /* seconds per command; 0 = 60 */
	unsigned greeting_wait; /* seconds for the greeting (not implicit
				   TLS), when shorter than timeout; 0 =
				   timeout (mistake.h) */
	bool *greeted;          /* if not NULL: set once a greeting came */
	unsigned data_timeout;  /* reply after end of data; 0 = timeout */
	enum net_family family; /* ipv4 / ipv6 preference */
	const char *source_ip;  /* or NULL */
};

enum smtp_rcpt_status {
	SMTP_RCPT_PENDING = 0, /* not tried (yet) */
	SMTP_RCPT_OK,          /* accepted by RCPT and the message delivered */
	SMTP_RCPT_TEMPFAIL,    /* 4xx: retry this recipient later */
	SMTP_RCPT_PERMFAIL,    /* 5xx: report it, do not retry */
};

#define SMTP_TEXT_MAX 512

struct smtp_rcpt {
	const char *addr;  /* envelope address, no angle brackets */
	const char *orcpt; /* DSN ORCPT (raw address) or NULL */
	/* filled by smtp_send: */
	enum smtp_rcpt_status status;
	int code; /* the reply that decided it */
	char esc[16];
	char text[SMTP_TEXT_MAX]; /* "550 5.1.1 <x@y>: user unknown" */
};

/* One message. The engine reads it with pread from offset 0. */
struct smtp_mail {
	const char *from; /* envelope sender; "" = null sender <> */
	struct smtp_rcpt *rcpts;
	size_t nrcpts;
	int fd;                 /* canonical message: CRLF lines only */
	off_t size;             /* its size in bytes */
	bool has_8bit;          /* an octet >= 0x80: BODY=8BITMIME */
	bool needs_smtputf8;    /* a UTF-8 address in the header (RFC
				   6532): SMTPUTF8 or refused; envelope
				   addresses are judged one by one */
	const char *dsn_notify; /* "SUCCESS,FAILURE"/"NEVER", or NULL */
	const char *dsn_ret;    /* "FULL" / "HDRS", or NULL */
	const char *dsn_envid;  /* raw ENVID (xtext-encoded here) */
	/* filled by smtp_send: */
	size_t naccepted;          /* recipients with SMTP_RCPT_OK */
	int code;                  /* final reply to end of data, or 0 */
	char reply[SMTP_TEXT_MAX]; /* its text, e.g. "250 2.0.0 Ok: 4X..." */
	bool unsure;      /* the end of data went out whole but no valid reply
			came back (lost, timed out or unreadable): the
			server may have the message (RFC 1047) */
	bool dsn_dropped; /* DSN asked for, not offered: sent without */
};

enum smtp_trace_dir {
	SMTP_TRACE_SEND, /* a line we sent (AUTH payloads "<redacted>") */
	SMTP_TRACE_RECV, /* a reply line */
	SMTP_TRACE_INFO, /* engine notes: connected, TLS info, body size */
};

/*
 * -v transcript hook: one call per line, without CRLF. The engine
 * redacts AUTH responses itself; the message body is summarised, not
 * traced. NULL (or a NULL line) means no trace.
 */
struct smtp_trace {
	void (*line)(void *arg, enum smtp_trace_dir, const char *, size_t);
	void *arg;
};

/* What the session learned, for -v, the log and --serverinfo. */
struct smtp_info {
	char greeting[SMTP_TEXT_MAX]; /* first greeting line */
	char ehlo_host[256];          /* the server's name from EHLO */
	bool tls;                     /* the session runs over TLS */
	struct tls_info cert;   /* when tls: version, cipher, certificate */
	char auth_mech[32];     /* mechanism used, "" when none */
	char auth_offered[256]; /* the server's AUTH list */
	uint64_t size_max;      /* SIZE, 0 when unlimited/not given */
	unsigned caps;          /* SMTP_CAP_* */
};

#define SMTP_CAP_PIPELINING 0x0001u
#define SMTP_CAP_SIZE 0x0002u
#define SMTP_CAP_8BITMIME 0x0004u
#define SMTP_CAP_DSN 0x0008u
#define SMTP_CAP_SMTPUTF8 0x0010u
#define SMTP_CAP_CHUNKING 0x0020u
#define SMTP_CAP_STARTTLS 0x0040u
#define SMTP_CAP_AUTH 0x0080u
#define SMTP_CAP_ENHANCEDSTATUSCODES 0x0100u
#define SMTP_CAP_BINARYMIME 0x0200u
#define SMTP_CAP_REQUIRETLS 0x0400u

struct smtp_session;

/*
 * Connect, greet, EHLO, TLS, EHLO again, AUTH. On success *out is a
 * session ready for smtp_send. On failure nothing is left open (QUIT was
 * sent if the connection was still usable). trace may be NULL; it must
 * outlive the session.
 */
int smtp_open(struct smtp_session **out, const struct smtp_params *,
    const struct smtp_trace *, struct err *);

/*
 * As smtp_open over an already connected socket (tests, socket
 * activation); takes ownership of fd.
 */
int smtp_open_fd(struct smtp_session **out, int fd, const struct smtp_params *,
    const struct smtp_trace *, struct err *);

/*
 * Send one message (RSET first when an earlier transaction on this
 * session did not end cleanly). Returns 0 when the server accepted the
 * message for at least one recipient: check each rcpt's status for the
 * refused ones (partial delivery). Returns -1 when nothing was
 * delivered; when every recipient was refused the class is ERR_NOUSER
 * (all 5xx) or temporary ERR_TEMP (any 4xx). Per-recipient results are
 * filled in both cases.
 */
int smtp_send(struct smtp_session *, struct smtp_mail *, struct err *);

/*
 * smtp_send in two halves, so the caller can do its own work while the
 * commands are on their way: smtp_send_start writes the first group
 * (with PIPELINING: MAIL, every RCPT and a small message's BDAT LAST)
 * and returns without reading a reply; smtp_send_finish reads the
 * replies, sends what must wait for them, and returns as smtp_send.
 * Call finish after every start, with the same m and e, and nothing on
 * the session in between; m must not move.
 */
int smtp_send_start(struct smtp_session *, struct smtp_mail *, struct err *);
int smtp_send_finish(struct smtp_session *, struct smtp_mail *, struct err *);

/*
 * The next smtp_send is the session's last: with PIPELINING, QUIT goes
 * in the same write as the end of data, and its reply is read after the
 * message's (RFC 5321's wait for it kept, without a round trip of its
 * own). The session is not usable after that send.
 */
void smtp_set_last(struct smtp_session *);

/*
 * The MAIL FROM line, and one RCPT TO line, without CRLF, exactly as
 * smtp_send sends them to a server that offers caps (SMTP_CAP_*): SIZE,
 * BODY, SMTPUTF8, RET and ENVID (xtext); NOTIFY and ORCPT; addresses in
 * A-labels without SMTPUTF8. Appended to out. 0, or -1 with e filled.
 * --dry-run prints these with every extension offered.
 */
int smtp_mail_line(const struct smtp_mail *, unsigned caps, struct buf *out,
    struct err *);
int smtp_rcpt_line(const struct smtp_mail *, const struct smtp_rcpt *,
    unsigned caps, struct buf *out, struct err *);

/*
 * Whether the session can carry another message (no connection-level
 * failure, no 421).
 */
bool smtp_usable(const struct smtp_session *);

/*
 * Between messages: whether the server spoke or closed the connection
 * while it was idle (a 421, EOF), so the next message needs a new session.
 */
bool smtp_idle_closed(const struct smtp_session *);

/* What the session learned (valid until smtp_close). */
const struct smtp_info *smtp_session_info(const struct smtp_session *);

/* QUIT (if the connection is usable), close and free. NULL is fine. */
void smtp_close(struct smtp_session *);

/* smtp_open + smtp_send + smtp_close. */
int smtp_submit(const struct smtp_params *, struct smtp_mail *,
    const struct smtp_trace *, struct err *);

/* --- the reply parser and capability reader (pure; smtp_reply.c) --- */

#define SMTP_REPLY_LINE_MAX 512  /* octets, including CRLF */
#define SMTP_REPLY_LINES_MAX 100 /* lines in one reply */

struct smtp_reply {
	int code;     /* 200..599 */
	char esc[16]; /* enhanced status code of line 1, or "" */
	size_t nlines;
	/* line i's text after "NNN-"/"NNN " (esc kept), NUL-terminated */
	const char *line[SMTP_REPLY_LINES_MAX];
	char store[SMTP_REPLY_LINES_MAX * SMTP_REPLY_LINE_MAX];
};

/*
 * Parse one reply from the front of in[0..len). Returns 1 and sets *used
 * (bytes consumed) when a whole reply was parsed into r; 0 when more
 * input is needed; -1 when the input is not a valid reply (*why says
 * what: line too long, too many lines, bad code, codes differ across
 * lines). Lines end in CRLF (a bare LF is tolerated).
 */
int smtp_reply_parse(const char *in, size_t len, struct smtp_reply *r,
    size_t *used, const char **why);

/*
 * The reply as one line for messages: "550 5.1.1 text" with further
 * lines joined by " / ", sanitised (controls become '?'), truncated to
 * cap.
 */
void smtp_reply_format(const struct smtp_reply *, char *out, size_t cap);

/* Capabilities from an EHLO reply (lines 2..n) into info->caps etc. */
void smtp_caps_parse(const struct smtp_reply *, struct smtp_info *);

#endif
