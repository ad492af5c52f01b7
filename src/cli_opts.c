/*
 * cli_opts.c: every command-line option of postern (see cli_int.h): one
 * handler per option and two tables, the short letters and the long
 * names (by enum cli_long_id). A long option that is also a letter
 * (--account and -a) names the same handler; nothing is dispatched
 * twice.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli_int.h"
#include "util.h"

#define CLI_ENVID_MAX 100

int
cli_warn(struct cli_request *req, const char *pre, const char *what,
    const char *post)
{
	(void)buf_printf(&req->warnings, "%s%s%s\n", pre, what, post);
	return 0;
}

static int
cli_ignore(struct cli_request *req, const char *val, struct err *e)
{
	(void)req, (void)val, (void)e;
	return 0;
}

static int
cli_read_rcpts(struct cli_request *req, const char *val, struct err *e)
{
	(void)val, (void)e;
	req->read_recipients = true;
	return 0;
}

static int
cli_ignore_dots(struct cli_request *req, const char *val, struct err *e)
{
	(void)val, (void)e;
	req->ignore_dots = true;
	return 0;
}

static int
cli_verbose(struct cli_request *req, const char *val, struct err *e)
{
	(void)val, (void)e;
	req->verbose++;
	req->trace_timing |= req->verbose >= 2; /* -vv */
	return 0;
}

static int
cli_trace_timing(struct cli_request *req, const char *val, struct err *e)
{
	(void)val, (void)e;
	req->verbose++;
	req->trace_timing = true;
	return 0;
}

static int
cli_newaliases(struct cli_request *req, const char *val, struct err *e)
{
	(void)val, (void)e;
	req->mode = CLI_MODE_NEWALIASES;
	return 0;
}

/* "<a@b>" -> "a@b", "<>" and "\"\"" -> "" (the null sender). */
static int
cli_sender(struct cli_request *req, const char *opt, const char *val,
    struct err *e)
{
	size_t n = strlen(val);
	char *s;

	if (req->sender != NULL)
		cli_warn(req, opt,
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
cli_sender_f(struct cli_request *req, const char *val, struct err *e)
{
	return cli_sender(req, "-f", val, e);
}

static int
cli_sender_r(struct cli_request *req, const char *val, struct err *e)
{
	return cli_sender(req, "-r", val, e);
}

static int
cli_full_name(struct cli_request *req, const char *val, struct err *e)
{
	(void)e;
	req->full_name = val;
	return 0;
}

static int
cli_config(struct cli_request *req, const char *val, struct err *e)
{
	(void)e;
	req->config_file = val;
	return 0;
}

static int
cli_account(struct cli_request *req, const char *val, struct err *e)
{
	(void)e;
	req->account = val;
	return 0;
}

static int
cli_body(struct cli_request *req, const char *val, struct err *e)
{
	(void)e;
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
cli_notify(struct cli_request *req, const char *val, struct err *e)
{
	static const char *const words[] = { "success", "failure", "delay" };
	const char *p = val;
	size_t i, n;

	if (strcasecmp(val, "never") == 0) {
		req->dsn_notify = val;
		return 0;
	}
	for (;;) {
		n = strcspn(p, ",");
		for (i = 0; i < ARRAY_SIZE(words); i++)
			if (n == strlen(words[i]) &&
			    strncasecmp(p, words[i], n) == 0)
				break;
		if (i == ARRAY_SIZE(words))
			return err_set(e, ERR_USAGE,
			    "-N %s: use never, or a comma list of success, failure and delay",
			    val);
		if (p[n] == '\0')
			break;
		p += n + 1;
	}
	req->dsn_notify = val;
	return 0;
}

static int
cli_ret(struct cli_request *req, const char *val, struct err *e)
{
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
cli_envid(struct cli_request *req, const char *val, struct err *e)
{
	const char *p;

	for (p = val; *p != '\0'; p++)
		if (*p < 0x21 || *p > 0x7e)
			break;
	if (*val == '\0' || *p != '\0' || p - val > CLI_ENVID_MAX)
		return err_set(e, ERR_USAGE,
		    "-V: the envelope id must be 1 to %d printable ASCII characters",
		    CLI_ENVID_MAX);
	req->envid = val;
	return 0;
}

/* -bX: the mode. */
static int
cli_mode(struct cli_request *req, const char *val, struct err *e)
{
	static const struct {
		const char *name;
		enum cli_mode mode;
	} modes[] = { { "m", CLI_MODE_SEND }, { "i", CLI_MODE_NEWALIASES },
		{ "p", CLI_MODE_QUEUE_LIST }, { "s", CLI_MODE_SMTP } };
	size_t i;

	for (i = 0; i < ARRAY_SIZE(modes); i++)
		if (strcmp(val, modes[i].name) == 0) {
			req->mode = modes[i].mode;
			return 0;
		}
	if (strchr("dtvh", val[0]) != NULL && val[0] != '\0' && val[1] == '\0')
		return err_set(e, ERR_USAGE,
		    "-b%s is not supported: postern submits mail, it is not a mail server",
		    val);
	return err_set(e, ERR_USAGE,
	    "-b%s: unknown mode; postern knows -bm, -bi, -bp and -bs", val);
}

/* -oX: only -oi and -od<mode> mean something to us. */
static int
cli_o(struct cli_request *req, const char *val, struct err *e)
{
	(void)e;
	if (strcmp(val, "i") == 0)
		req->ignore_dots = true;
	else if (val[0] == 'd')
		req->queue_only = strcmp(val, "dq") == 0;
	return 0;
}

static int
cli_q(struct cli_request *req, const char *val, struct err *e)
{
	(void)e;
	req->mode = CLI_MODE_QUEUE_RUN;
	req->queue_arg = val;
	req->flush |= strcmp(val, "f") == 0;
	return 0;
}

static const struct cli_opt cli_shorts[] = {
	{ NULL, 'A', CLI_ARG_REQUIRED, cli_ignore },
	{ NULL, 'B', CLI_ARG_REQUIRED, cli_body },
	{ NULL, 'C', CLI_ARG_REQUIRED, cli_config },
	{ NULL, 'F', CLI_ARG_REQUIRED, cli_full_name },
	{ NULL, 'G', CLI_ARG_NONE, cli_ignore },
	{ NULL, 'I', CLI_ARG_NONE, cli_newaliases },
	{ NULL, 'L', CLI_ARG_REQUIRED, cli_ignore },
	{ NULL, 'N', CLI_ARG_REQUIRED, cli_notify },
	{ NULL, 'O', CLI_ARG_REQUIRED, cli_ignore },
	{ NULL, 'R', CLI_ARG_REQUIRED, cli_ret },
	{ NULL, 'U', CLI_ARG_NONE, cli_ignore },
	{ NULL, 'V', CLI_ARG_REQUIRED, cli_envid },
	{ NULL, 'X', CLI_ARG_REQUIRED,
	    cli_ignore }, /* a log file: never opened */
	{ NULL, 'a', CLI_ARG_REQUIRED, cli_account },
	{ NULL, 'b', CLI_ARG_REQUIRED, cli_mode },
	{ NULL, 'd', CLI_ARG_GLUED, cli_ignore },
	{ NULL, 'f', CLI_ARG_REQUIRED, cli_sender_f },
	{ NULL, 'h', CLI_ARG_REQUIRED, cli_ignore },
	{ NULL, 'i', CLI_ARG_NONE, cli_ignore_dots },
	{ NULL, 'm', CLI_ARG_NONE, cli_ignore },
	{ NULL, 'n', CLI_ARG_NONE, cli_ignore },
	{ NULL, 'o', CLI_ARG_REQUIRED, cli_o },
	{ NULL, 'p', CLI_ARG_REQUIRED, cli_ignore },
	{ NULL, 'q', CLI_ARG_GLUED, cli_q },
	{ NULL, 'r', CLI_ARG_REQUIRED, cli_sender_r },
	{ NULL, 't', CLI_ARG_NONE, cli_read_rcpts },
	{ NULL, 'v', CLI_ARG_NONE, cli_verbose },
};

/* --- the long options, each with its own handler ------------------- */

static int
cli_help(struct cli_request *req, const char *val, struct err *e)
{
	(void)val, (void)e;
	req->mode = CLI_MODE_HELP;
	return 0;
}

static int
cli_version(struct cli_request *req, const char *val, struct err *e)
{
	(void)val, (void)e;
	req->mode = CLI_MODE_VERSION;
	return 0;
}

static int
cli_dry_run(struct cli_request *req, const char *val, struct err *e)
{
	(void)val, (void)e;
	req->dry_run = true;
	return 0;
}

static int
cli_print_config(struct cli_request *req, const char *val, struct err *e)
{
	(void)e;
	req->mode = CLI_MODE_PRINT_CONFIG;
	req->print_account = val;
	return 0;
}

static int
cli_store_password(struct cli_request *req, const char *val, struct err *e)
{
	(void)e;
	req->mode = CLI_MODE_STORE_PASSWORD;
	req->secret_account = val;
	return 0;
}

static int
cli_forget_password(struct cli_request *req, const char *val, struct err *e)
{
	(void)e;
	req->mode = CLI_MODE_FORGET_PASSWORD;
	req->secret_account = val;
	return 0;
}

static int
cli_password_stdin(struct cli_request *req, const char *val, struct err *e)
{
	(void)val, (void)e;
	req->password_stdin = true;
	return 0;
}

static int
cli_authorize(struct cli_request *req, const char *val, struct err *e)
{
	(void)e;
	req->mode = CLI_MODE_AUTHORIZE;
	req->auth_account = val;
	return 0;
}

static int
cli_device(struct cli_request *req, const char *val, struct err *e)
{
	(void)val, (void)e;
	req->device = true;
	return 0;
}

/* --flush, --queue-run and --queue-delete: a queue run (-q). */
static void
cli_queue_mode(struct cli_request *req)
{
	req->mode = CLI_MODE_QUEUE_RUN;
	req->queue_arg = "";
}

static int
cli_flush(struct cli_request *req, const char *val, struct err *e)
{
	(void)val, (void)e;
	cli_queue_mode(req);
	req->flush = true;
	return 0;
}

static int
cli_queue_run(struct cli_request *req, const char *val, struct err *e)
{
	(void)e;
	cli_queue_mode(req);
	req->queue_id = val;
	return 0;
}

static int
cli_queue_delete(struct cli_request *req, const char *val, struct err *e)
{
	(void)e;
	cli_queue_mode(req);
	req->queue_delete = val;
	return 0;
}

/* --requeue-failed and --purge-failed [ACCOUNT] (queue_ops.h). */
static int
cli_requeue_failed(struct cli_request *req, const char *val, struct err *e)
{
	(void)e;
	cli_queue_mode(req);
	req->requeue_failed = true;
	req->failed_account = val;
	return 0;
}

static int
cli_purge_failed(struct cli_request *req, const char *val, struct err *e)
{
	(void)e;
	cli_queue_mode(req);
	req->purge_failed = true;
	req->failed_account = val;
	return 0;
}

static int
cli_json(struct cli_request *req, const char *val, struct err *e)
{
	(void)val, (void)e;
	req->json = true;
	return 0;
}

/* --system (-q, -bp: the system queue), --watch (-q --system: stay). */
static int
cli_system(struct cli_request *req, const char *val, struct err *e)
{
	(void)val, (void)e;
	req->system = true;
	return 0;
}

static int
cli_watch(struct cli_request *req, const char *val, struct err *e)
{
	(void)val, (void)e;
	req->watch = true;
	return 0;
}

static int
cli_doctor(struct cli_request *req, const char *val, struct err *e)
{
	(void)e;
	req->mode = CLI_MODE_DOCTOR;
	req->diag_account = val;
	return 0;
}

static int
cli_serverinfo(struct cli_request *req, const char *val, struct err *e)
{
	(void)e;
	req->mode = CLI_MODE_SERVERINFO;
	req->diag_account = val;
	return 0;
}

static int
cli_configure(struct cli_request *req, const char *val, struct err *e)
{
	(void)e;
	req->mode = CLI_MODE_CONFIGURE;
	req->configure_addr = val;
	return 0;
}

static int
cli_probe_host(struct cli_request *req, const char *val, struct err *e)
{
	(void)e;
	req->probe_host = val;
	return 0;
}

static int
cli_probe_ports(struct cli_request *req, const char *val, struct err *e)
{
	(void)e;
	req->probe_ports = val;
	return 0;
}

static int
cli_probe_timeout(struct cli_request *req, const char *val, struct err *e)
{
	uint64_t n;
	const char *why;

	if (util_parse_uint(val, 1, 300, &n, &why) == -1)
		return err_set(e, ERR_USAGE,
		    "--probe-timeout %s: %s (seconds, 1 to 300)", val, why);
	req->probe_timeout = (unsigned)n;
	return 0;
}

static int
cli_no_login(struct cli_request *req, const char *val, struct err *e)
{
	(void)val, (void)e;
	req->no_login = true;
	return 0;
}

/* --write: --configure writes the account into the config file. */
static int
cli_write(struct cli_request *req, const char *val, struct err *e)
{
	(void)val, (void)e;
	req->configure_write = true;
	return 0;
}

enum cli_long_id {
	CLI_LONG_HELP = 0,
	CLI_LONG_VERSION,
	CLI_LONG_DRY_RUN,
	CLI_LONG_PRINT_CONFIG,
	CLI_LONG_STORE_PASSWORD,
	CLI_LONG_FORGET_PASSWORD,
	CLI_LONG_PASSWORD_STDIN,
	CLI_LONG_AUTHORIZE,
	CLI_LONG_DEVICE,
	CLI_LONG_FLUSH,
	CLI_LONG_QUEUE_RUN,
	CLI_LONG_QUEUE_DELETE,
	CLI_LONG_REQUEUE_FAILED,
	CLI_LONG_PURGE_FAILED,
	CLI_LONG_JSON,
	CLI_LONG_SYSTEM,
	CLI_LONG_WATCH,
	CLI_LONG_DOCTOR,
	CLI_LONG_SERVERINFO,
	CLI_LONG_CONFIGURE,
	CLI_LONG_PROBE_HOST,
	CLI_LONG_PROBE_PORTS,
	CLI_LONG_PROBE_TIMEOUT,
	CLI_LONG_NO_LOGIN,
	CLI_LONG_WRITE,
	CLI_LONG_ACCOUNT,
	CLI_LONG_FROM,
	CLI_LONG_FILE,
	CLI_LONG_READ_RECIPIENTS,
	CLI_LONG_VERBOSE,
	CLI_LONG_TRACE_TIMING,
	CLI_LONG_COUNT
};

#define CLI_LONG(id, n, a, f) [id] = { .name = n, .arg = a, .fn = f }

static const struct cli_opt cli_longs[] = {
	CLI_LONG(CLI_LONG_HELP, "help", CLI_ARG_NONE, cli_help),
	CLI_LONG(CLI_LONG_VERSION, "version", CLI_ARG_NONE, cli_version),
	CLI_LONG(CLI_LONG_DRY_RUN, "dry-run", CLI_ARG_NONE, cli_dry_run),
	CLI_LONG(CLI_LONG_PRINT_CONFIG, "print-config", CLI_ARG_GLUED,
	    cli_print_config),
	CLI_LONG(CLI_LONG_STORE_PASSWORD, "store-password", CLI_ARG_GLUED,
	    cli_store_password),
	CLI_LONG(CLI_LONG_FORGET_PASSWORD, "forget-password", CLI_ARG_GLUED,
	    cli_forget_password),
	CLI_LONG(CLI_LONG_PASSWORD_STDIN, "password-stdin", CLI_ARG_NONE,
	    cli_password_stdin),
	CLI_LONG(CLI_LONG_AUTHORIZE, "authorize", CLI_ARG_GLUED, cli_authorize),
	CLI_LONG(CLI_LONG_DEVICE, "device", CLI_ARG_NONE, cli_device),
	CLI_LONG(CLI_LONG_FLUSH, "flush", CLI_ARG_NONE, cli_flush),
	CLI_LONG(CLI_LONG_QUEUE_RUN, "queue-run", CLI_ARG_REQUIRED,
	    cli_queue_run),
	CLI_LONG(CLI_LONG_QUEUE_DELETE, "queue-delete", CLI_ARG_REQUIRED,
	    cli_queue_delete),
	CLI_LONG(CLI_LONG_REQUEUE_FAILED, "requeue-failed", CLI_ARG_GLUED,
	    cli_requeue_failed),
	CLI_LONG(CLI_LONG_PURGE_FAILED, "purge-failed", CLI_ARG_GLUED,
	    cli_purge_failed),
	CLI_LONG(CLI_LONG_JSON, "json", CLI_ARG_NONE, cli_json),
	CLI_LONG(CLI_LONG_SYSTEM, "system", CLI_ARG_NONE, cli_system),
	CLI_LONG(CLI_LONG_WATCH, "watch", CLI_ARG_NONE, cli_watch),
	CLI_LONG(CLI_LONG_DOCTOR, "doctor", CLI_ARG_GLUED, cli_doctor),
	CLI_LONG(CLI_LONG_SERVERINFO, "serverinfo", CLI_ARG_GLUED,
	    cli_serverinfo),
	CLI_LONG(CLI_LONG_CONFIGURE, "configure", CLI_ARG_REQUIRED,
	    cli_configure),
	CLI_LONG(CLI_LONG_PROBE_HOST, "probe-host", CLI_ARG_REQUIRED,
	    cli_probe_host),
	CLI_LONG(CLI_LONG_PROBE_PORTS, "probe-ports", CLI_ARG_REQUIRED,
	    cli_probe_ports),
	CLI_LONG(CLI_LONG_PROBE_TIMEOUT, "probe-timeout", CLI_ARG_REQUIRED,
	    cli_probe_timeout),
	CLI_LONG(CLI_LONG_NO_LOGIN, "no-login", CLI_ARG_NONE, cli_no_login),
	CLI_LONG(CLI_LONG_WRITE, "write", CLI_ARG_NONE, cli_write),
	CLI_LONG(CLI_LONG_ACCOUNT, "account", CLI_ARG_REQUIRED, cli_account),
	CLI_LONG(CLI_LONG_FROM, "from", CLI_ARG_REQUIRED, cli_sender_f),
	CLI_LONG(CLI_LONG_FILE, "file", CLI_ARG_REQUIRED, cli_config),
	CLI_LONG(CLI_LONG_READ_RECIPIENTS, "read-recipients", CLI_ARG_NONE,
	    cli_read_rcpts),
	CLI_LONG(CLI_LONG_VERBOSE, "verbose", CLI_ARG_NONE, cli_verbose),
	CLI_LONG(CLI_LONG_TRACE_TIMING, "trace-timing", CLI_ARG_NONE,
	    cli_trace_timing),
};
_Static_assert(ARRAY_SIZE(cli_longs) == CLI_LONG_COUNT,
    "a row for every long option");

const struct cli_opt *
cli_opt_short(int c)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(cli_shorts); i++)
		if (cli_shorts[i].letter == c)
			return &cli_shorts[i];
	return NULL;
}

const struct cli_opt *
cli_opt_long(const char *name, size_t n)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(cli_longs); i++)
		if (strlen(cli_longs[i].name) == n &&
		    strncmp(cli_longs[i].name, name, n) == 0)
			return &cli_longs[i];
	return NULL;
}
