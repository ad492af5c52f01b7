/*
 * cli.c: sendmail's command line, as real callers use it, into a struct
 * cli_request (see cli.h).
 *
 * Options follow getopt's shape (bundled flags, values glued or in the
 * next argument) but are parsed by hand, because sendmail callers need
 * what getopt will not do: unknown options are ignored with a warning,
 * recipients may come before options without "--" (git send-email), a
 * comma list in one argument is several recipients (cron's MAILTO), and
 * an unknown option never swallows the argument after it. The options
 * themselves, one handler each, are in cli_opts.c.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "cli_int.h"
#include "util.h"

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
		    "recipient \"%.*s\" starts with '-'; refusing it",
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
	const struct cli_opt *o;

	for (p = arg + 1; *p != '\0'; p++) {
		if ((o = cli_opt_short(*p)) == NULL) {
			cli_warn(req, "unknown option ", arg, " ignored");
			return 0;
		}
		if (o->arg == CLI_ARG_NONE) {
			if (o->fn(req, NULL, e) == -1)
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
		return o->fn(req, val, e);
	}
	return 0;
}

static int
cli_long_opt(struct cli_request *req, int argc, char *const argv[], int *ip,
    struct err *e)
{
	const char *name = argv[*ip] + 2, *eq = strchr(name, '=');
	size_t n = eq ? (size_t)(eq - name) : strlen(name);
	const struct cli_opt *o = cli_opt_long(name, n);
	const char *val = eq ? eq + 1 : NULL;

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
	return o->fn(req, val, e);
}

static int
cli_check_args(int argc, char *const argv[], struct err *e)
{
	int i;

	for (i = 1; i < argc; i++)
		if (util_has_crlf(argv[i]))
			return err_set(e, ERR_USAGE,
			    "argument %d contains a CR or LF character; refusing it",
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
		    "--doctor, --serverinfo and --configure take no recipients");
	if (!diag &&
	    (req->probe_host || req->probe_ports || req->probe_timeout ||
	        req->no_login))
		return err_set(e, ERR_USAGE,
		    "--probe-host, --probe-ports, --probe-timeout and --no-login only apply to --doctor, --serverinfo and --configure");
	if (req->no_login && req->mode != CLI_MODE_DOCTOR)
		return err_set(e, ERR_USAGE,
		    "--no-login only applies to --doctor");
	return 0;
}

/*
 * --system with -q, -bp, --authorize or --doctor only; --watch with -q
 * --system only.
 */
static int
cli_finish_system(const struct cli_request *req, struct err *e)
{
	if (req->system && req->mode != CLI_MODE_QUEUE_RUN &&
	    req->mode != CLI_MODE_QUEUE_LIST &&
	    req->mode != CLI_MODE_AUTHORIZE && req->mode != CLI_MODE_DOCTOR)
		return err_set(e, ERR_USAGE,
		    "--system only applies to -q, -bp (mailq), --authorize and --doctor");
	if (req->watch &&
	    (!req->system || req->mode != CLI_MODE_QUEUE_RUN || req->queue_id ||
	        req->queue_delete))
		return err_set(e, ERR_USAGE,
		    "--watch only applies to -q --system");
	if (req->system && req->config_file != NULL)
		return err_set(e, ERR_USAGE,
		    "--system reads the system configuration only: -C is refused with it");
	return 0;
}

static int
cli_finish(struct cli_request *req, struct err *e)
{
	if (req->dry_run && req->mode != CLI_MODE_SEND &&
	    req->mode != CLI_MODE_HELP && req->mode != CLI_MODE_VERSION)
		return err_set(e, ERR_USAGE,
		    "--dry-run only applies to sending (-bm)");
	if (req->password_stdin && req->mode != CLI_MODE_STORE_PASSWORD)
		return err_set(e, ERR_USAGE,
		    "--password-stdin only applies to --store-password");
	if ((req->mode == CLI_MODE_STORE_PASSWORD ||
	        req->mode == CLI_MODE_FORGET_PASSWORD) &&
	    req->nrcpts > 0)
		return err_set(e, ERR_USAGE,
		    "--store-password and --forget-password take no recipients");
	if (req->device && req->mode != CLI_MODE_AUTHORIZE)
		return err_set(e, ERR_USAGE,
		    "--device only applies to --authorize");
	if (req->mode == CLI_MODE_AUTHORIZE && req->nrcpts > 0)
		return err_set(e, ERR_USAGE,
		    "--authorize takes no recipients; the account goes right after it: postern --authorize ACCOUNT [--system] [--device]");
	if (req->json && req->mode != CLI_MODE_QUEUE_LIST)
		return err_set(e, ERR_USAGE,
		    "--json only applies to -bp (mailq)");
	if (cli_finish_diag(req, e) == -1 || cli_finish_system(req, e) == -1)
		return -1;
	if (req->mode == CLI_MODE_SEND && req->nrcpts == 0 &&
	    !req->read_recipients)
		return err_set(e, ERR_USAGE,
		    "no recipients: name them as arguments or use -t to read them from the message");
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
