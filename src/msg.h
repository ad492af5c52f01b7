/*
 * msg.h: the streaming message preparer.
 *
 * The caller reads stdin (msg does no I/O), pushes the bytes in with
 * msg_feed() in chunks of any size, and msg emits the canonical message
 * through the caller's write callback (normally into the spool file).
 * Memory stays constant whatever the body size: only the header block is
 * held (capped), the body streams through a fixed output buffer.
 *
 * What comes out:
 * - Line ends are CRLF, always; the output never holds a bare CR, a bare
 *   LF or a NUL, and it ends with CRLF, so smtp.c can dot-stuff it and
 *   trust that exactly one end-of-data is ever sent.
 * - Input line ends may be LF, CRLF or mixed. A bare CR (not followed by
 *   LF) ends a line in the body (old Mac text); in the header block it
 *   becomes a space (as Postfix's cleanup_replace_stray_cr_lf), so a
 *   stray CR can never split one header into two. A final line without
 *   a line end gets CRLF.
 * - A NUL byte anywhere refuses the message (ERR_DATA) with its line
 *   number; it is never replaced silently.
 * - Without -i (opts.dot_ends_input) a line holding only "." and ended by
 *   LF or CRLF ends the input (sendmail); "." ended by a bare CR does not.
 *   Everything after it is ignored (msg_ended() turns true).
 * - A leading mbox "From " line is dropped. A first line that is not a
 *   header field starts the body (an empty line is inserted before it).
 * - Header fix-ups (see struct msg_opts): Bcc / Resent-Bcc removed,
 *   Date, Message-ID and From added when missing, an unqualified From
 *   ("root (Cron Daemon)") rewritten to "Cron Daemon <account_from>",
 *   unqualified To/Cc addresses qualified like the envelope recipients.
 *   Added fields go after the existing ones; the separator line is always
 *   written.
 * - A header line over max_header_line (998) octets, a header block over
 *   max_header_bytes, more than max_recipients -t recipients: ERR_DATA.
 * - A body line over 998 octets: in a message whose body is a composite
 *   MIME type (multipart/, message/) or is already base64/QP encoded,
 *   ERR_DATA. Otherwise the message is marked result.needs_reencode and
 *   the caller runs the second pass below, which rewrites the body as
 *   quoted-printable and adds MIME-Version, Content-Type (charset utf-8
 *   when the body is valid UTF-8, else unknown-8bit, unless a
 *   Content-Type is present already) and Content-Transfer-Encoding.
 *   Pass one streams the canonical lines as they are (the long line
 *   included), so the spool file holds a complete canonical message
 *   either way.
 *
 * Typical use (main.c):
 *
 *	msg_new(&m, &opts, spool_write, &spool, &err);
 *	while ((n = read(0, buf, sizeof buf)) > 0 && !msg_ended(m))
 *		if (msg_feed(m, buf, n, &err) == -1) goto fail;
 *	if (msg_finish(m, &res, &err) == -1) goto fail;
 *	if (res.needs_reencode) {      // rare: a body line over 998 octets
 *		msg_reencode_begin(m, spool2_write, &spool2, &err);
 *		... read the first spool file back in chunks ...
 *		msg_reencode_feed(m, chunk, n, &err);
 *		msg_reencode_finish(m, &res, &err);  // res.reencoded is true
 *		... the second spool file replaces the first ...
 *	}
 *	msg_free(m); ... msg_result_free(&res);
 *
 * Every function returns 0 or -1 after filling err: ERR_DATA for a
 * message we refuse, ERR_NOUSER for a -t recipient that cannot be
 * qualified, ERR_CONFIG for an alias loop, ERR_SOFTWARE for ENOMEM or
 * misuse; an error from the write callback is passed through as it is.
 * After an error the only valid calls are msg_free / msg_result_free.
 */
#ifndef POSTERN_MSG_H
#define POSTERN_MSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "addr.h"
#include "err.h"

#define MSG_MAX_LINE 998 /* RFC 5322 2.1.1, without CRLF */
#define MSG_NAME_MAX 998 /* octets of -F / from_full_name; longer: refused */
#define MSG_MAX_HEADER_BYTES (1024 * 1024) /* whole header block */

/* msmtp's set_from_header. */
enum msg_set_from {
	MSG_FROM_AUTO = 0, /* add when missing, qualify an unqualified one */
	MSG_FROM_ON,       /* replace every From with the generated one */
	MSG_FROM_OFF,      /* never touch From */
};

/* Plain options; main.c fills them from the request and the account. */
struct msg_opts {
	bool dot_ends_input;  /* no -i / -oi: a lone "." ends the input */
	bool read_recipients; /* -t: collect To/Cc/Bcc (or first Resent-) */
	const char *envelope_from;  /* the envelope sender, for a new From */
	const char *from_full_name; /* -F or config; may be NULL; UTF-8 ok;
				       at most MSG_NAME_MAX octets */
	const char *account_from;   /* qualifies an unqualified From */
	enum msg_set_from set_from_header;
	bool set_date_header;     /* add Date when missing */
	bool set_msgid_header;    /* add Message-ID when missing */
	bool remove_bcc_headers;  /* drop Bcc and Resent-Bcc */
	const char *msgid_domain; /* right side of a new Message-ID; NULL:
				     the domain of envelope_from, else
				     "localhost" */
	const char *local_domain; /* qualifies bare names after aliases */
	const struct addr_aliases *aliases; /* may be NULL */
	size_t max_header_bytes;            /* 0: MSG_MAX_HEADER_BYTES */
	size_t max_header_line; /* 0: MSG_MAX_LINE (larger is clamped) */
	size_t max_recipients;  /* 0: ADDR_MAX_RCPTS */
	time_t now;             /* Date's time; 0: time(NULL) */
	const char *msgid_left; /* tests: fixed Message-ID left side */
};

/* What the caller learns; filled by msg_finish / msg_reencode_finish. */
struct msg_result {
	struct addr_list rcpts; /* -t recipients, qualified, no duplicates */
	bool has_8bit;          /* a byte >= 0x80 anywhere: BODY=8BITMIME */
	bool needs_smtputf8;    /* an address in the header (From, To, ...,
				   not a dropped Bcc) is not ASCII (RFC
				   6532): only a server with SMTPUTF8 may
				   take the message */
	char *from_addr;        /* addr-spec of the header From after the
				   fix-ups, or NULL when there is none */
	uint64_t size;          /* octets written (CRLF counted as 2) */
	uint64_t lines;         /* lines written, header lines included */
	bool ended_by_dot;      /* input ended by a lone "." line */
	bool needs_reencode;    /* run the second pass (see above) */
	bool reencoded;         /* the second pass has been run */
};

/*
 * The write callback: take all len bytes or fail (-1 with err filled,
 * e.g. ERR_IO / ERR_CANTCREAT). Called with chunks of up to 64 KiB.
 */
typedef int (
    *msg_write_fn)(void *arg, const void *data, size_t len, struct err *);

struct msg;

/*
 * A new preparer. opts and the strings and aliases it points to must
 * outlive the msg object; they are not copied.
 */
int msg_new(struct msg **, const struct msg_opts *, msg_write_fn, void *arg,
    struct err *);

/* Push the next len bytes of input. Input after the end is ignored. */
int msg_feed(struct msg *, const void *data, size_t len, struct err *);

/* True once a lone "." line ended the input (dot_ends_input only). */
bool msg_ended(const struct msg *);

/*
 * End of input: finish the last line, emit the header block if the
 * input ended inside it, flush, and fill *res (which the caller later
 * releases with msg_result_free; its previous contents are ignored).
 */
int msg_finish(struct msg *, struct msg_result *, struct err *);

/*
 * The second pass, only when res.needs_reencode: feed back exactly the
 * bytes pass one wrote; the quoted-printable message goes to the new
 * callback. msg_reencode_finish updates size, lines and reencoded in
 * *res.
 */
int msg_reencode_begin(struct msg *, msg_write_fn, void *arg, struct err *);
int msg_reencode_feed(struct msg *, const void *data, size_t len, struct err *);
int msg_reencode_finish(struct msg *, struct msg_result *, struct err *);

void msg_free(struct msg *);
void msg_result_free(struct msg_result *);

#endif
