/*
 * main.c: postern's entry point. It decides the mode from argv[0]
 * (sendmail, mailq, newaliases, postern) and the command line, runs it,
 * and maps the error class of whatever failed to a sysexits(3) code. It is
 * the only file that exits.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "buf.h"
#include "err.h"
#include "version.h"

static const char usage_text[] =
    "usage: postern [options] [--] [recipient ...]\n"
    "       sendmail [options] [--] [recipient ...]\n"
    "\n"
    "Reads a message on standard input and submits it to the account's\n"
    "mail server over TLS with SMTP AUTH.\n"
    "\n"
    "Options:\n"
    "  --help           show this help and exit\n"
    "  --version        show versions, SASL mechanisms and paths, and exit\n"
    "\n"
    "See postern(8) for the full list.\n";

static const char *
main_progname(const char *argv0)
{
	const char *slash;

	if (argv0 == NULL || *argv0 == '\0')
		return "postern";
	slash = strrchr(argv0, '/');
	return slash ? slash + 1 : argv0;
}

static int
main_version(void)
{
	struct buf out;
	int r;

	buf_init(&out, 64 * 1024);
	if (version_report(&out) == -1) {
		fprintf(stderr, "postern: cannot build the version report\n");
		buf_free(&out);
		return EX_SOFTWARE;
	}
	fputs(buf_str(&out), stdout);
	buf_free(&out);
	r = fflush(stdout) == 0 ? EX_OK : EX_IOERR;
	return r;
}

int
main(int argc, char **argv)
{
	const char *prog = main_progname(argc > 0 ? argv[0] : NULL);

	if (strcmp(prog, "newaliases") == 0)
		return EX_OK; /* there is no alias database to rebuild */
	if (argc > 1 && strcmp(argv[1], "--version") == 0)
		return main_version();
	if (argc > 1 && strcmp(argv[1], "--help") == 0) {
		fputs(usage_text, stdout);
		return fflush(stdout) == 0 ? EX_OK : EX_IOERR;
	}
	fprintf(stderr,
	    "postern: sending mail is not available in this "
	    "build yet; nothing was sent\n");
	return err_exit_code(ERR_UNAVAILABLE);
}
