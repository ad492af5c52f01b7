/*
 * cli.c: sendmail's command line, as real callers use it, into a struct
 * cli_request (see cli.h).
 *
 * Options follow getopt's shape (bundled flags, values glued or in the
 * next argument) but are parsed by hand, because sendmail callers need
 * what getopt will not do: unknown options are ignored with a warning,
 * recipients may come before options without "--" (git send-email), a
 * comma list in one argument is several recipients (cron's MAILTO), and
 * an unknown option never swallows the argument after it.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli.h"
#include "util.h"

#define CLI_ENVID_MAX 100

enum cli_arg {
	CLI_ARG_NONE,     /* a flag */
	CLI_ARG_REQUIRED, /* value glued or in the next argument */
	CLI_ARG_GLUED     /* optional value, glued only (-q30m, -d0.1) */
};

typedef int cli_fn(struct cli_request *, int, const char *, struct err *);

struct cli_short {
	char letter;
	enum cli_arg arg;
	cli_fn *fn;
};

struct cli_long {
	const char *name;
	enum cli_arg arg; /* GLUED here: "=VALUE" or a next non-option */
	char letter;      /* what the function is told */
	cli_fn *fn;
};

/* Add the warning line "pre what post"; a full buffer drops it. */
static int
cli_warn(struct cli_request *req, const char *pre, const char *what,
    const char *post)
{
	(void)buf_printf(&req->warnings, "%s%s%s\n", pre, what, post);
	return 0;
}

static int
cli_ignore(struct cli_request *req, int c, const char *val, struct err *e)
{
	(void)req, (void)c, (void)val, (void)e;
	return 0;
}

static int
cli_flag(struct cli_request *req, int c, const char *val, struct err *e)
{
	(void)val, (void)e;
	if (c == 't')
		req->read_recipients = true;
	else if (c == 'i')
		req->ignore_dots = true;
	else if (c == 'v') {
		req->verbose++;
		req->trace_timing |= req->verbose >= 2; /* -vv */
	} else if (c == 'I')
		req->mode = CLI_MODE_NEWALIASES;
	return 0;
}

/* "<a@b>" -> "a@b", "<>" and "\"\"" -> "" (the null sender). */
static int
cli_sender(struct cli_request *req, int c, const char *val, struct err *e)
{
	size_t n = strlen(val);
	char *s;

	if (req->sender != NULL)
		cli_warn(req, c == 'r' ? "-r" : "-f",
		    " given more than once; the last one is used", "");
	if (n >= 2 &&
	    ((val[0] == '<' && val[n - 1] == '>') ||
	        (val[0] == '"' && val[n - 1] == '"' && n == 2))) {
		val++;
		n -= 2;
	}
	if ((s = strndup(val, n)) == NULL)
		return err_set(e, ERR_SOFTWARE, "out of memory");
	free(req->sender);
	req->sender = s;
	return 0;
}

static int
cli_value(struct cli_request *req, int c, const char *val, struct err *e)
{
	(void)e;
	if (c == 'F')
		req->full_name = val;
	else if (c == 'C')
		req->config_file = val;
	else if (c == 'a')
		req->account = val;
	return 0;
}

static int
cli_body(struct cli_request *req, int c, const char *val, struct err *e)
{
	(void)c, (void)e;
	if (strcasecmp(val, "7BIT") == 0)
		req->body = CLI_BODY_7BIT;
	else if (strcasecmp(val, "8BITMIME") == 0)
		req->body = CLI_BODY_8BITMIME;
	else
		cli_warn(req, "-B ", val, ": unknown body type, ignored");
	return 0;
}

/* -N never | success,failure,delay (RFC 3461 NOTIFY). */
static int
cli_notify(struct cli_request *req, int c, const char *val, struct err *e)
{
	static const char *const words[] = { "success", "failure", "delay" };
	const char *p = val;
	size_t i, n;

	(void)c;
	if (strcasecmp(val, "never") == 0) {
		req->dsn_notify = val;
		return 0;
	}
	for (;;) {
		n = strcspn(p, ",");
		for (i = 0; i < 3; i++)
			if (n == strlen(words[i]) &&
			    strncasecmp(p, words[i], n) == 0)
				break;
		if (i == 3)
			return err_set(e, ERR_USAGE,
			    "-N %s: use never, or a comma list of success, "
			    "failure and delay",
			    val);
		if (p[n] == '\0')
			break;
		p += n + 1;
	}
	req->dsn_notify = val;
	return 0;
}

static int
cli_ret(struct cli_request *req, int c, const char *val, struct err *e)
{
	(void)c;
	if (strcasecmp(val, "full") == 0)
		req->dsn_return = "FULL";
	else if (strcasecmp(val, "hdrs") == 0 ||
	    strcasecmp(val, "headers") == 0)
		req->dsn_return = "HDRS";
	else
		return err_set(e, ERR_USAGE, "-R %s: use full or hdrs", val);
	return 0;
}

static int
cli_envid(struct cli_request *req, int c, const char *val, struct err *e)
{
	const char *p;

	(void)c;
	for (p = val; *p != '\0'; p++)
		if (*p < 0x21 || *p > 0x7e)
			break;
	if (*val == '\0' || *p != '\0' || p - val > CLI_ENVID_MAX)
		return err_set(e, ERR_USAGE,
		    "-V: the envelope id must be 1 to "
		    "%d printable ASCII characters",
		    CLI_ENVID_MAX);
	req->envid = val;
	return 0;
}

/* -bX: the mode. */
static int
cli_mode(struct cli_request *req, int c, const char *val, struct err *e)
{
	(void)c;
	if (strcmp(val, "m") == 0)
		req->mode = CLI_MODE_SEND;
	else if (strcmp(val, "i") == 0)
		req->mode = CLI_MODE_NEWALIASES;
	else if (strcmp(val, "p") == 0)
		req->mode = CLI_MODE_QUEUE_LIST;
	else if (strcmp(val, "s") == 0)
		req->mode = CLI_MODE_SMTP;
	else if (strchr("dtvh", val[0]) != NULL && val[0] != '\0' &&
	    val[1] == '\0')
		return err_set(e, ERR_USAGE,
		    "-b%s is not supported: postern "
		    "submits mail, it is not a mail server",
		    val);
	else
		return err_set(e, ERR_USAGE,
		    "-b%s: unknown mode; postern "
		    "knows -bm, -bi, -bp and -bs",
		    val);
	return 0;
}

/* -oX: only -oi and -od<mode> mean something to us. */
static int
cli_o(struct cli_request *req, int c, const char *val, struct err *e)
{
	(void)c, (void)e;
	if (strcmp(val, "i") == 0)
		req->ignore_dots = true;
	else if (val[0] == 'd')
		req->queue_only = strcmp(val, "dq") == 0;
	return 0;
}

static int
cli_q(struct cli_request *req, int c, const char *val, struct err *e)
{
	(void)c, (void)e;
	req->mode = CLI_MODE_QUEUE_RUN;
	req->queue_arg = val;
	req->flush |= strcmp(val, "f") == 0;
	return 0;
}

/* --flush, --queue-run ID, --queue-delete ID, --json. */
static int
cli_long_queue(struct cli_request *req, int c, const char *val, struct err *e)
{
	(void)e;
	if (c == 'j') {
		req->json = true;
		return 0;
	}
	req->mode = CLI_MODE_QUEUE_RUN;
	req->queue_arg = "";
	if (c == 'f')
		req->flush = true;
	else if (c == 'r')
		req->queue_id = val;
	else
		req->queue_delete = val;
	return 0;
}

/* --doctor, --serverinfo, --configure and the probe options. */
static int
cli_long_diag(struct cli_request *req, int c, const char *val, struct err *e)
{
	uint64_t n;
	const char *why;

	if (c == 'D' || c == 'I') {
		req->mode = c == 'D' ? CLI_MODE_DOCTOR : CLI_MODE_SERVERINFO;
		req->diag_account = val;
	} else if (c == 'c') {
		req->mode = CLI_MODE_CONFIGURE;
		req->configure_addr = val;
	} else if (c == 'H')
		req->probe_host = val;
	else if (c == 'P')
		req->probe_ports = val;
	else if (c == 'L')
		req->no_login = true;
	else if (util_parse_uint(val, 1, 300, &n, &why) == -1)
		return err_set(e, ERR_USAGE,
		    "--probe-timeout %s: %s (seconds, 1 to 300)", val, why);
	else
		req->probe_timeout = (unsigned)n;
	return 0;
}

static const struct cli_short cli_shorts[] = {
	{ 'A', CLI_ARG_REQUIRED, cli_ignore },
	{ 'B', CLI_ARG_REQUIRED, cli_body },
	{ 'C', CLI_ARG_REQUIRED, cli_value },
	{ 'F', CLI_ARG_REQUIRED, cli_value },
	{ 'G', CLI_ARG_NONE, cli_ignore },
	{ 'I', CLI_ARG_NONE, cli_flag },
	{ 'L', CLI_ARG_REQUIRED, cli_ignore },
	{ 'N', CLI_ARG_REQUIRED, cli_notify },
	{ 'O', CLI_ARG_REQUIRED, cli_ignore },
	{ 'R', CLI_ARG_REQUIRED, cli_ret },
	{ 'U', CLI_ARG_NONE, cli_ignore },
	{ 'V', CLI_ARG_REQUIRED, cli_envid },
	{ 'X', CLI_ARG_REQUIRED, cli_ignore }, /* a log file: never opened */
	{ 'a', CLI_ARG_REQUIRED, cli_value },
	{ 'b', CLI_ARG_REQUIRED, cli_mode },
	{ 'd', CLI_ARG_GLUED, cli_ignore },
	{ 'f', CLI_ARG_REQUIRED, cli_sender },
	{ 'h', CLI_ARG_REQUIRED, cli_ignore },
	{ 'i', CLI_ARG_NONE, cli_flag },
	{ 'm', CLI_ARG_NONE, cli_ignore },
	{ 'n', CLI_ARG_NONE, cli_ignore },
	{ 'o', CLI_ARG_REQUIRED, cli_o },
	{ 'p', CLI_ARG_REQUIRED, cli_ignore },
	{ 'q', CLI_ARG_GLUED, cli_q },
	{ 'r', CLI_ARG_REQUIRED, cli_sender },
	{ 't', CLI_ARG_NONE, cli_flag },
	{ 'v', CLI_ARG_NONE, cli_flag },
};

static int
cli_long_mode(struct cli_request *req, int c, const char *val, struct err *e)
{
	(void)e;
	if (c == 'h')
		req->mode = CLI_MODE_HELP;
	else if (c == 'V')
		req->mode = CLI_MODE_VERSION;
	else if (c == 'n')
		req->dry_run = true;
	else if (c == 'P') {
		req->mode = CLI_MODE_PRINT_CONFIG;
		req->print_account = val;
	} else if (c == 'S' || c == 'X') {
		req->mode = c == 'S' ? CLI_MODE_STORE_PASSWORD
		                     : CLI_MODE_FORGET_PASSWORD;
		req->secret_account = val;
	} else if (c == 'p')
		req->password_stdin = true;
	else if (c == 'g') {
		req->trace_timing = true;
		req->verbose++;
	}
	return 0;
}
static const struct cli_short *
cli_find_short(int c)
{
	size_t i;

	for (i = 0; i < sizeof(cli_shorts) / sizeof(cli_shorts[0]); i++)
		if (cli_shorts[i].letter == c)
			return &cli_shorts[i];
	return NULL;
}

static int
cli_long_short(struct cli_request *req, int c, const char *val, struct err *e)
{
	return cli_find_short(c)->fn(req, c, val, e);
}

static const struct cli_long cli_longs[] = {
	{ "help", CLI_ARG_NONE, 'h', cli_long_mode },
	{ "version", CLI_ARG_NONE, 'V', cli_long_mode },
	{ "dry-run", CLI_ARG_NONE, 'n', cli_long_mode },
	{ "print-config", CLI_ARG_GLUED, 'P', cli_long_mode },
	{ "store-password", CLI_ARG_GLUED, 'S', cli_long_mode },
	{ "forget-password", CLI_ARG_GLUED, 'X', cli_long_mode },
	{ "password-stdin", CLI_ARG_NONE, 'p', cli_long_mode },
	{ "flush", CLI_ARG_NONE, 'f', cli_long_queue },
	{ "queue-run", CLI_ARG_REQUIRED, 'r', cli_long_queue },
	{ "queue-delete", CLI_ARG_REQUIRED, 'd', cli_long_queue },
	{ "json", CLI_ARG_NONE, 'j', cli_long_queue },
	{ "doctor", CLI_ARG_GLUED, 'D', cli_long_diag },
	{ "serverinfo", CLI_ARG_GLUED, 'I', cli_long_diag },
	{ "configure", CLI_ARG_REQUIRED, 'c', cli_long_diag },
	{ "probe-host", CLI_ARG_REQUIRED, 'H', cli_long_diag },
	{ "probe-ports", CLI_ARG_REQUIRED, 'P', cli_long_diag },
	{ "probe-timeout", CLI_ARG_REQUIRED, 'T', cli_long_diag },
	{ "no-login", CLI_ARG_NONE, 'L', cli_long_diag },
	{ "account", CLI_ARG_REQUIRED, 'a', cli_long_short },
	{ "from", CLI_ARG_REQUIRED, 'f', cli_long_short },
	{ "file", CLI_ARG_REQUIRED, 'C', cli_long_short },
	{ "read-recipients", CLI_ARG_NONE, 't', cli_long_short },
	{ "verbose", CLI_ARG_NONE, 'v', cli_long_short },
	{ "trace-timing", CLI_ARG_NONE, 'g', cli_long_mode },
};

/* Add one recipient; "-x" is refused so it can never become an option. */
static int
cli_add_rcpt(struct cli_request *req, const char *p, size_t n, struct err *e)
{
	char **v;

	while (n > 0 && (*p == ' ' || *p == '\t'))
		p++, n--;
	while (n > 0 && (p[n - 1] == ' ' || p[n - 1] == '\t'))
		n--;
	if (n == 0)
		return 0;
	if (*p == '-')
		return err_set(e, ERR_USAGE,
		    "recipient \"%.*s\" starts with "
		    "'-'; refusing it",
		    (int)(n > 64 ? 64 : n), p);
	if (req->nrcpts >= CLI_RCPTS_MAX)
		return err_set(e, ERR_USAGE, "more than %d recipients",
		    CLI_RCPTS_MAX);
	v = realloc(req->rcpts, (req->nrcpts + 1) * sizeof(*v));
	if (v == NULL)
		return err_set(e, ERR_SOFTWARE, "out of memory");
	req->rcpts = v;
	if ((v[req->nrcpts] = strndup(p, n)) == NULL)
		return err_set(e, ERR_SOFTWARE, "out of memory");
	req->nrcpts++;
	return 0;
}

/*
 * Split "a@b, Name <c@d>, \"Doe, J\" <j@e>" at the commas that are not
 * inside quotes, angle brackets or comments.
 */
static int
cli_add_rcpts(struct cli_request *req, const char *arg, struct err *e)
{
	const char *start = arg, *p;
	int angle = 0, paren = 0;
	bool quote = false;

	for (p = arg;; p++) {
		if (*p == '\\' && quote && p[1] != '\0')
			p++;
		else if (*p == '"' && paren == 0)
			quote = !quote;
		else if (!quote && *p == '<')
			angle++;
		else if (!quote && *p == '>' && angle > 0)
			angle--;
		else if (!quote && *p == '(')
			paren++;
		else if (!quote && *p == ')' && paren > 0)
			paren--;
		else if (*p == '\0' ||
		    (*p == ',' && !quote && angle == 0 && paren == 0)) {
			if (cli_add_rcpt(req, start, (size_t)(p - start), e))
				return -1;
			if (*p == '\0')
				return 0;
			start = p + 1;
		}
	}
}

/* One "-xyz" argument; *ip advances past a value taken from argv. */
static int
cli_cluster(struct cli_request *req, int argc, char *const argv[], int *ip,
    struct err *e)
{
	const char *arg = argv[*ip], *p, *val;
	const struct cli_short *o;

	for (p = arg + 1; *p != '\0'; p++) {
		if ((o = cli_find_short(*p)) == NULL) {
			cli_warn(req, "unknown option ", arg, " ignored");
			return 0;
		}
		if (o->arg == CLI_ARG_NONE) {
			if (o->fn(req, *p, NULL, e) == -1)
				return -1;
			continue;
		}
		val = p + 1;
		if (*val == '\0' && o->arg == CLI_ARG_REQUIRED) {
			if (*ip + 1 >= argc)
				return err_set(e, ERR_USAGE,
				    "option -%c needs a value", *p);
			val = argv[++*ip];
		}
		return o->fn(req, *p, val, e);
	}
	return 0;
}

static int
cli_long_opt(struct cli_request *req, int argc, char *const argv[], int *ip,
    struct err *e)
{
	const char *name = argv[*ip] + 2, *eq = strchr(name, '=');
	size_t n = eq ? (size_t)(eq - name) : strlen(name), i;
	const struct cli_long *o = NULL;
	const char *val = eq ? eq + 1 : NULL;

	for (i = 0; i < sizeof(cli_longs) / sizeof(cli_longs[0]); i++)
		if (strlen(cli_longs[i].name) == n &&
		    strncmp(cli_longs[i].name, name, n) == 0)
			o = &cli_longs[i];
	if (o == NULL)
		return cli_warn(req, "unknown option ", argv[*ip], " ignored");
	if (o->arg == CLI_ARG_NONE && val != NULL)
		return err_set(e, ERR_USAGE, "option --%s takes no value",
		    o->name);
	if (val == NULL && o->arg == CLI_ARG_REQUIRED) {
		if (*ip + 1 >= argc)
			return err_set(e, ERR_USAGE,
			    "option --%s needs a value", o->name);
		val = argv[++*ip];
	} else if (val == NULL && o->arg == CLI_ARG_GLUED && *ip + 1 < argc &&
	    argv[*ip + 1][0] != '-')
		val = argv[++*ip];
	return o->fn(req, o->letter, val, e);
}

static int
cli_check_args(int argc, char *const argv[], struct err *e)
{
	int i;

	for (i = 1; i < argc; i++)
		if (util_has_crlf(argv[i]))
			return err_set(e, ERR_USAGE,
			    "argument %d contains a CR or LF character; "
			    "refusing it",
			    i);
	return 0;
}

static const char *
cli_basename(const char *argv0)
{
	const char *slash;

	if (argv0 == NULL || *argv0 == '\0')
		return "postern";
	slash = strrchr(argv0, '/');
	return slash ? slash + 1 : argv0;
}

static int
cli_finish_diag(struct cli_request *req, struct err *e)
{
	bool diag = req->mode == CLI_MODE_DOCTOR ||
	    req->mode == CLI_MODE_SERVERINFO || req->mode == CLI_MODE_CONFIGURE;

	if (diag && req->nrcpts > 0)
		return err_set(e, ERR_USAGE,
		    "--doctor, --serverinfo and --configure take no "
		    "recipients");
	if (!diag &&
	    (req->probe_host || req->probe_ports || req->probe_timeout ||
	        req->no_login))
		return err_set(e, ERR_USAGE,
		    "--probe-host, --probe-ports, --probe-timeout and "
		    "--no-login only apply to --doctor, --serverinfo and "
		    "--configure");
	if (req->no_login && req->mode != CLI_MODE_DOCTOR)
		return err_set(e, ERR_USAGE,
		    "--no-login only applies to --doctor");
	return 0;
}

static int
cli_finish(struct cli_request *req, struct err *e)
{
	if (req->dry_run && req->mode != CLI_MODE_SEND &&
	    req->mode != CLI_MODE_HELP && req->mode != CLI_MODE_VERSION)
		return err_set(e, ERR_USAGE,
		    "--dry-run only applies to "
		    "sending (-bm)");
	if (req->password_stdin && req->mode != CLI_MODE_STORE_PASSWORD)
		return err_set(e, ERR_USAGE,
		    "--password-stdin only applies to --store-password");
	if ((req->mode == CLI_MODE_STORE_PASSWORD ||
	        req->mode == CLI_MODE_FORGET_PASSWORD) &&
	    req->nrcpts > 0)
		return err_set(e, ERR_USAGE,
		    "--store-password and --forget-password take no "
		    "recipients");
	if (req->json && req->mode != CLI_MODE_QUEUE_LIST)
		return err_set(e, ERR_USAGE,
		    "--json only applies to -bp (mailq)");
	if (cli_finish_diag(req, e) == -1)
		return -1;
	if (req->mode == CLI_MODE_SEND && req->nrcpts == 0 &&
	    !req->read_recipients)
		return err_set(e, ERR_USAGE,
		    "no recipients: name them as "
		    "arguments or use -t to read them from the message");
	return 0;
}

int
cli_parse(int argc, char *const argv[], struct cli_request *req, struct err *e)
{
	bool dashdash = false;
	int i;

	memset(req, 0, sizeof(*req));
	buf_init(&req->warnings, CLI_WARNINGS_MAX);
	req->prog = cli_basename(argc > 0 ? argv[0] : NULL);
	if (strcmp(req->prog, "mailq") == 0)
		req->mode = CLI_MODE_QUEUE_LIST;
	else if (strcmp(req->prog, "newaliases") == 0)
		req->mode = CLI_MODE_NEWALIASES;
	if (cli_check_args(argc, argv, e) == -1)
		return -1;
	for (i = 1; i < argc; i++) {
		const char *a = argv[i];
		int r;

		if (dashdash || a[0] != '-' || a[1] == '\0')
			r = cli_add_rcpts(req, a, e);
		else if (strcmp(a, "--") == 0)
			r = 0, dashdash = true;
		else if (a[1] == '-')
			r = cli_long_opt(req, argc, argv, &i, e);
		else
			r = cli_cluster(req, argc, argv, &i, e);
		if (r == -1)
			return -1;
	}
	return cli_finish(req, e);
}

void
cli_free(struct cli_request *req)
{
	size_t i;

	for (i = 0; i < req->nrcpts; i++)
		free(req->rcpts[i]);
	free(req->rcpts);
	free(req->sender);
	buf_free(&req->warnings);
	req->rcpts = NULL;
	req->nrcpts = 0;
	req->sender = NULL;
}
