/*
 * err.c: filling struct err and mapping its classes to sysexits(3).
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sysexits.h>

#include "err.h"
#include "util.h"
#include "vis.h"

static const struct {
	int code;
	const char *name;
} err_table[] = {
	[ERR_NONE] = { 0, "ok" },
	[ERR_USAGE] = { EX_USAGE, "usage" },
	[ERR_DATA] = { EX_DATAERR, "data" },
	[ERR_NOINPUT] = { EX_NOINPUT, "no input" },
	[ERR_NOUSER] = { EX_NOUSER, "no user" },
	[ERR_NOHOST] = { EX_NOHOST, "no host" },
	[ERR_UNAVAILABLE] = { EX_UNAVAILABLE, "unavailable" },
	[ERR_SOFTWARE] = { EX_SOFTWARE, "software" },
	[ERR_OSERR] = { EX_OSERR, "os error" },
	[ERR_CANTCREAT] = { EX_CANTCREAT, "cannot create" },
	[ERR_IO] = { EX_IOERR, "i/o" },
	[ERR_TEMP] = { EX_TEMPFAIL, "temporary" },
	[ERR_PROTOCOL] = { EX_PROTOCOL, "protocol" },
	[ERR_NOPERM] = { EX_NOPERM, "permission" },
	[ERR_CONFIG] = { EX_CONFIG, "config" },
};

static const char *const err_reason_names[] = {
	[ERR_REASON_NONE] = "none",
	[ERR_REASON_CONNECT_REFUSED] = "connect refused",
	[ERR_REASON_CONNECT_TIMEDOUT] = "connect timed out",
	[ERR_REASON_CONNECT_RESET] = "connect reset",
	[ERR_REASON_CONNECT_UNREACHABLE] = "connect unreachable",
	[ERR_REASON_CONNECT_OTHER] = "connect failed",
	[ERR_REASON_RESET] = "connection reset",
	[ERR_REASON_TIMEOUT] = "timed out",
	[ERR_REASON_TLS_HANDSHAKE] = "TLS handshake",
	[ERR_REASON_CERT_NAME] = "certificate name",
	[ERR_REASON_CERT_PIN] = "certificate pin",
	[ERR_REASON_CERT_ISSUER] = "certificate issuer",
	[ERR_REASON_CERT_SELF_SIGNED] = "certificate self-signed",
	[ERR_REASON_CERT_EXPIRED] = "certificate expired",
	[ERR_REASON_CERT_OTHER] = "certificate refused",
	[ERR_REASON_AUTH_REFUSED] = "auth refused",
	[ERR_REASON_KEYRING_UNREACHABLE] = "keyring unreachable",
	[ERR_REASON_KEYRING_LOCKED] = "keyring locked",
};
_Static_assert(ARRAY_SIZE(err_reason_names) == ERR_REASON_COUNT,
    "one name per reason");

void
err_clear(struct err *e)
{
	memset(e, 0, sizeof(*e));
}

static void
err_vset(struct err *e, enum err_class cls, bool temp, enum err_reason why,
    const char *fmt, va_list ap)
{
	char text[ERR_TEXT_MAX];

	/* Format first: an argument may point into e->text itself. The
	 * text may quote a server: it is shown on a terminal, so control
	 * bytes become visible (vis.h); "\n" separates collected errors. */
	(void)vsnprintf(text, sizeof(text), fmt, ap);
	err_clear(e);
	e->cls = cls;
	e->temporary = temp;
	e->reason = why;
	(void)vis_str(e->text, sizeof(e->text), text, strlen(text), "\n");
}

int
err_set(struct err *e, enum err_class cls, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	err_vset(e, cls, false, ERR_REASON_NONE, fmt, ap);
	va_end(ap);
	return -1;
}

int
err_set_temp(struct err *e, enum err_class cls, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	err_vset(e, cls, true, ERR_REASON_NONE, fmt, ap);
	va_end(ap);
	return -1;
}

int
err_setr(struct err *e, enum err_class cls, enum err_reason why,
    const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	err_vset(e, cls, false, why, fmt, ap);
	va_end(ap);
	return -1;
}

int
err_setr_temp(struct err *e, enum err_class cls, enum err_reason why,
    const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	err_vset(e, cls, true, why, fmt, ap);
	va_end(ap);
	return -1;
}

enum err_reason
err_connect_reason(int err)
{
	switch (err) {
	case ECONNREFUSED:
		return ERR_REASON_CONNECT_REFUSED;
	case ETIMEDOUT:
		return ERR_REASON_CONNECT_TIMEDOUT;
	case ECONNRESET:
		return ERR_REASON_CONNECT_RESET;
	case ENETUNREACH:
	case EHOSTUNREACH:
		return ERR_REASON_CONNECT_UNREACHABLE;
	default:
		return ERR_REASON_CONNECT_OTHER;
	}
}

bool
err_reason_connect(enum err_reason r)
{
	return r >= ERR_REASON_CONNECT_REFUSED && r <= ERR_REASON_CONNECT_OTHER;
}

const char *
err_reason_name(enum err_reason r)
{
	return (unsigned)r < ERR_REASON_COUNT ? err_reason_names[r] : "unknown";
}

int
err_exit_code(enum err_class cls)
{
	if ((size_t)cls >= sizeof(err_table) / sizeof(err_table[0]))
		return EX_SOFTWARE;
	return err_table[cls].code;
}

const char *
err_class_name(enum err_class cls)
{
	if ((size_t)cls >= sizeof(err_table) / sizeof(err_table[0]))
		return "unknown";
	return err_table[cls].name;
}
