/*
 * err.h: the error every module fills instead of printing or exiting.
 *
 * Protocol, parser and queue code returns 0 on success and -1 on failure,
 * after filling a caller-owned struct err. The class says what kind of
 * failure it was; main.c alone maps classes to sysexits(3) codes and
 * decides whether a failed delivery is queued (err.temporary).
 */
#ifndef POSTERN_ERR_H
#define POSTERN_ERR_H

#include <stdbool.h>

#define ERR_TEXT_MAX 512

enum err_class {
	ERR_NONE = 0,
	ERR_USAGE,       /* bad command line                    EX_USAGE 64 */
	ERR_DATA,        /* message malformed or refused      EX_DATAERR 65 */
	ERR_NOINPUT,     /* a file named by the user is missing EX_NOINPUT 66 */
	ERR_NOUSER,      /* recipient(s) refused or unknown    EX_NOUSER 67 */
	ERR_NOHOST,      /* host name not found                EX_NOHOST 68 */
	ERR_UNAVAILABLE, /* service lacks what we need   EX_UNAVAILABLE 69 */
	ERR_SOFTWARE,    /* internal error, out of memory   EX_SOFTWARE 70 */
	ERR_OSERR,       /* system call failed                 EX_OSERR 71 */
	ERR_CANTCREAT,   /* cannot create an output file   EX_CANTCREAT 73 */
	ERR_IO,          /* read/write error                    EX_IOERR 74 */
	ERR_TEMP,        /* try again later                   EX_TEMPFAIL 75 */
	ERR_PROTOCOL,    /* protocol broken, TLS failed      EX_PROTOCOL 76 */
	ERR_NOPERM,      /* auth or certificate refused       EX_NOPERM 77 */
	ERR_CONFIG,      /* configuration error                EX_CONFIG 78 */
};

/*
 * Why it failed, for the failures that callers tell apart (mistake.c,
 * doctor): set where the error is raised, so that no caller reads the
 * text to classify it. ERR_REASON_NONE for every failure that no
 * caller branches on; err_set and err_set_temp leave it so.
 */
enum err_reason {
	ERR_REASON_NONE = 0,
	ERR_REASON_CONNECT_REFUSED,  /* connect: ECONNREFUSED */
	ERR_REASON_CONNECT_TIMEDOUT, /* connect: ETIMEDOUT, or our deadline */
	ERR_REASON_CONNECT_RESET,    /* connect: ECONNRESET */
	ERR_REASON_CONNECT_UNREACHABLE, /* ENETUNREACH, EHOSTUNREACH */
	ERR_REASON_CONNECT_OTHER,    /* another errno, or no usable address */
	ERR_REASON_RESET,            /* an open connection was reset */
	ERR_REASON_TIMEOUT,          /* waiting for the peer ran out */
	ERR_REASON_TLS_HANDSHAKE,    /* handshake failed or cut short */
	ERR_REASON_CERT_NAME,        /* certificate for another host name */
	ERR_REASON_CERT_PIN,         /* fingerprint is not tls_fingerprint */
	ERR_REASON_CERT_ISSUER,      /* issuer not in the trusted CAs */
	ERR_REASON_CERT_SELF_SIGNED, /* self-signed, not in the trusted CAs */
	ERR_REASON_CERT_EXPIRED,     /* certificate expired */
	ERR_REASON_CERT_OTHER,       /* refused for another reason */
	ERR_REASON_AUTH_REFUSED,     /* the server refused AUTH */
	ERR_REASON_KEYRING_UNREACHABLE, /* no session bus, no Secret Service */
	ERR_REASON_KEYRING_LOCKED,      /* the matching items are locked: the
					   text says queued mail waits */
	ERR_REASON_COUNT
};

struct err {
	enum err_class cls;
	enum err_reason reason;
	bool temporary; /* retrying later may succeed: queue it */
	bool hold;      /* the account, not the message, is at fault (an
			   OAuth token refused): hold the account's mail
			   until it is fixed; always with temporary */
	int smtp_code;  /* last SMTP reply code, 0 when none */
	char esc[16];   /* enhanced status code ("5.7.8"), or "" */
	char text[ERR_TEXT_MAX];
};

/* Reset to "no error". */
void err_clear(struct err *);

/*
 * Set class and a printf-style message; temporary is false, SMTP fields are
 * cleared. Returns -1 so callers can write `return err_set(...)`.
 */
int err_set(struct err *, enum err_class, const char *, ...)
    __attribute__((format(printf, 3, 4)));

/* As err_set, but marks the failure temporary (a retry may succeed). */
int err_set_temp(struct err *, enum err_class, const char *, ...)
    __attribute__((format(printf, 3, 4)));

/* As err_set and err_set_temp, with the reason (which they leave NONE). */
int err_setr(struct err *, enum err_class, enum err_reason, const char *, ...)
    __attribute__((format(printf, 4, 5)));
int err_setr_temp(struct err *, enum err_class, enum err_reason, const char *,
    ...) __attribute__((format(printf, 4, 5)));

/* The reason for a connect(2) that failed with errno err. */
enum err_reason err_connect_reason(int err);

/* Whether r is one of the ERR_REASON_CONNECT_* (no connection made). */
bool err_reason_connect(enum err_reason r);

/* The reason's name ("connect refused", ...), for traces and tests. */
const char *err_reason_name(enum err_reason);

/* The sysexits(3) code for a class; ERR_NONE is 0. */
int err_exit_code(enum err_class);

/* A short name for a class ("usage", "temporary", ...), for logs. */
const char *err_class_name(enum err_class);

#endif
