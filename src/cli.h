/*
 * cli.h: the sendmail-compatible command line, parsed into a request.
 *
 * cli_parse is pure: it reads argv and fills a caller-owned struct
 * cli_request; it never prints, exits or touches a file. Strings in the
 * request point into argv or are owned by the request (cli_free releases
 * them). Unknown and ignored options do not fail: each adds one line to
 * req->warnings, which main.c prints. Failures (a CR or LF in an argument,
 * a missing option value, a mode postern refuses) fill the struct err with
 * ERR_USAGE and return -1.
 */
#ifndef POSTERN_CLI_H
#define POSTERN_CLI_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"
#include "err.h"

/* Upper bounds on what argv may hold. */
#define CLI_RCPTS_MAX 10000
#define CLI_WARNINGS_MAX 8192

enum cli_mode {
	CLI_MODE_SEND = 0,        /* -bm, the default: read stdin, send it */
	CLI_MODE_NEWALIASES,      /* -bi, -I, newaliases: a no-op */
	CLI_MODE_QUEUE_LIST,      /* -bp, mailq */
	CLI_MODE_QUEUE_RUN,       /* -q[...] */
	CLI_MODE_SMTP,            /* -bs: SMTP on stdin/stdout */
	CLI_MODE_VERSION,         /* --version */
	CLI_MODE_HELP,            /* --help */
	CLI_MODE_PRINT_CONFIG,    /* --print-config [ACCOUNT] */
	CLI_MODE_STORE_PASSWORD,  /* --store-password [ACCOUNT] */
	CLI_MODE_FORGET_PASSWORD, /* --forget-password [ACCOUNT] */
	CLI_MODE_DOCTOR,          /* --doctor [ACCOUNT] */
	CLI_MODE_SERVERINFO,      /* --serverinfo [ACCOUNT] */
	CLI_MODE_CONFIGURE,       /* --configure ADDRESS */
	CLI_MODE_AUTHORIZE        /* --authorize [ACCOUNT] [--device] */
};

enum cli_body {
	CLI_BODY_DEFAULT = 0, /* decide from the message */
	CLI_BODY_7BIT,        /* -B 7BIT */
	CLI_BODY_8BITMIME     /* -B 8BITMIME */
};

struct cli_request {
	enum cli_mode mode;
	const char *prog; /* basename of argv[0] */

	/* Envelope. sender is NULL without -f/-r; "" is the null sender. */
	char *sender;
	const char *full_name; /* -F, or NULL */
	char **rcpts;          /* argv recipients, comma lists split */
	size_t nrcpts;
	bool read_recipients;   /* -t */
	bool ignore_dots;       /* -i, -oi: a lone "." is not the end */
	enum cli_body body;     /* -B */
	const char *dsn_notify; /* -N, as given (validated) */
	const char *dsn_return; /* -R: "FULL" or "HDRS", or NULL */
	const char *envid;      /* -V */

	/* Choices. */
	const char *account;        /* -a, --account */
	const char *config_file;    /* -C */
	bool queue_only;            /* -odq */
	bool dry_run;               /* --dry-run */
	const char *print_account;  /* --print-config ACCOUNT, or NULL */
	const char *secret_account; /* --store/--forget-password ACCOUNT */
	const char *auth_account;   /* --authorize ACCOUNT */
	bool device;                /* --device: the device flow */
	bool password_stdin;        /* --password-stdin */
	const char *queue_arg;      /* what followed -q, "" for a bare -q */
	bool flush;                 /* -qf, --flush: ignore the schedule */
	const char *queue_id;       /* --queue-run ID */
	const char *queue_delete;   /* --queue-delete ID */
	bool requeue_failed;        /* --requeue-failed [ACCOUNT] */
	bool purge_failed;          /* --purge-failed [ACCOUNT] */
	const char *failed_account; /* their ACCOUNT, or NULL: all */
	bool json;                  /* --json: -bp for scripts */
	bool system;                /* --system: -q, -bp on the system queue */
	bool watch;                 /* --watch: with -q --system, stay */
	const char *diag_account;   /* --doctor/--serverinfo ACCOUNT */
	const char *configure_addr; /* --configure ADDRESS */
	bool configure_write;       /* --write: into the config file */
	const char *probe_host;     /* --probe-host HOST */
	const char *probe_ports;    /* --probe-ports 25,587,465 (as given) */
	unsigned probe_timeout;     /* --probe-timeout SECONDS, 0: default */
	bool no_login;              /* --no-login: doctor skips AUTH */
	int verbose;                /* -v, repeatable */
	bool trace_timing;          /* --trace-timing or -vv: timestamps */

	/* One line per ignored or unknown option, '\n'-terminated. */
	struct buf warnings;
};

/* Parse argv into req (which need not be initialised). 0 or -1 + err. */
int cli_parse(int argc, char *const argv[], struct cli_request *req,
    struct err *);

/* Release what cli_parse allocated; safe on a zeroed or failed request. */
void cli_free(struct cli_request *);

/* The text of --help. */
const char *cli_help_text(void);

#endif
