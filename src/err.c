/*
 * err.c: filling struct err and mapping its classes to sysexits(3).
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sysexits.h>

#include "err.h"
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

void
err_clear(struct err *e)
{
	memset(e, 0, sizeof(*e));
}

static void
err_vset(struct err *e, enum err_class cls, bool temp, const char *fmt,
    va_list ap)
{
	char text[ERR_TEXT_MAX];

	/* Format first: an argument may point into e->text itself. The
	 * text may quote a server: it is shown on a terminal, so control
	 * bytes become visible (vis.h); "\n" separates collected errors. */
	(void)vsnprintf(text, sizeof(text), fmt, ap);
	err_clear(e);
	e->cls = cls;
	e->temporary = temp;
	(void)vis_str(e->text, sizeof(e->text), text, strlen(text), "\n");
}

int
err_set(struct err *e, enum err_class cls, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	err_vset(e, cls, false, fmt, ap);
	va_end(ap);
	return -1;
}

int
err_set_temp(struct err *e, enum err_class cls, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	err_vset(e, cls, true, fmt, ap);
	va_end(ap);
	return -1;
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
