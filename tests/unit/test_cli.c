/*
 * test_cli.c: the sendmail command line as real callers write it.
 */
#include "config.h"

#include <stdarg.h>
#include <stdlib.h>

#include "cli.h"
#include "tap.h"

#define MAXARGS 32

/* Parse a NULL-terminated argument list; argv[0] is the first string. */
static int
parse(struct cli_request *req, struct err *e, ...)
{
	char *argv[MAXARGS];
	int argc = 0;
	va_list ap;

	va_start(ap, e);
	while (argc < MAXARGS - 1 && (argv[argc] = va_arg(ap, char *)) != NULL)
		argc++;
	va_end(ap);
	argv[argc] = NULL;
	err_clear(e);
	return cli_parse(argc, argv, req, e);
}

static void
test_callers(void)
{
	struct cli_request r;
	struct err e;

	/* Debian cron */
	IS_INT(parse(&r, &e, "/usr/sbin/sendmail", "-FCronDaemon", "-i",
	           "-B8BITMIME", "-oem", "user", NULL),
	    0, "debian cron parses");
	IS_STR(r.full_name, "CronDaemon", "-F glued");
	OK(r.ignore_dots, "-i");
	IS_INT(r.body, CLI_BODY_8BITMIME, "-B glued");
	IS_INT(r.nrcpts, 1, "one recipient");
	IS_STR(r.rcpts[0], "user", "the recipient");
	IS_STR(r.prog, "sendmail", "prog from argv[0]");
	IS_INT(r.mode, CLI_MODE_SEND, "default mode is -bm");
	IS_INT(r.warnings.len, 0, "no warnings");
	cli_free(&r);

	/* cronie */
	IS_INT(parse(&r, &e, "sendmail", "-FCronDaemon", "-i", "-odi", "-oem",
	           "-oi", "-t", "-f", "root", NULL),
	    0, "cronie parses");
	OK(r.read_recipients, "-t");
	OK(!r.queue_only, "-odi is not queue-only");
	IS_STR(r.sender, "root", "-f separate");
	IS_INT(r.nrcpts, 0, "no argv recipients");
	cli_free(&r);

	/* mutt */
	IS_INT(parse(&r, &e, "sendmail", "-oem", "-oi", "-B", "8BITMIME", "-f",
	           "me@example.org", "-N", "failure,delay", "-R", "hdrs", "--",
	           "a@example.org", "b@example.org", NULL),
	    0, "mutt parses");
	IS_INT(r.body, CLI_BODY_8BITMIME, "-B separate");
	IS_STR(r.dsn_notify, "failure,delay", "-N");
	IS_STR(r.dsn_return, "HDRS", "-R hdrs");
	IS_INT(r.nrcpts, 2, "two recipients after --");
	cli_free(&r);

	/* git send-email: recipients without --, options before and after */
	IS_INT(parse(&r, &e, "sendmail", "-i", "-f", "a@x.org", "r1@y.org",
	           "r2@y.org", NULL),
	    0, "git send-email parses");
	IS_INT(r.nrcpts, 2, "git recipients");
	IS_STR(r.rcpts[1], "r2@y.org", "second recipient");
	cli_free(&r);
	IS_INT(parse(&r, &e, "sendmail", "r1@y.org", "-t", "-fme@x.org", NULL),
	    0, "recipient before options");
	IS_STR(r.rcpts[0], "r1@y.org", "recipient kept");
	OK(r.read_recipients, "option after a recipient still parsed");
	IS_STR(r.sender, "me@x.org", "-f glued");
	cli_free(&r);

	/* busybox -ti bundle, PHP -t -i -f */
	IS_INT(parse(&r, &e, "sendmail", "-ti", NULL), 0, "bundled -ti");
	OK(r.read_recipients && r.ignore_dots, "both flags of a bundle");
	cli_free(&r);
	IS_INT(parse(&r, &e, "sendmail", "-tif", "me@x.org", NULL), 0,
	    "bundle ending with a value option");
	IS_STR(r.sender, "me@x.org", "value from the next argument");
	cli_free(&r);
}

static void
test_recipients(void)
{
	struct cli_request r;
	struct err e;

	IS_INT(parse(&r, &e, "sendmail", "a@x.org,b@x.org, c@x.org", NULL), 0,
	    "comma list");
	IS_INT(r.nrcpts, 3, "three recipients from one argument");
	IS_STR(r.rcpts[2], "c@x.org", "blank trimmed");
	cli_free(&r);
	IS_INT(parse(&r, &e, "sendmail",
	           "\"Doe, J\" <j@x.org>, Bob (a, b) <b@x.org>,,", NULL),
	    0, "quoted commas");
	IS_INT(r.nrcpts, 2, "commas in quotes and comments do not split");
	IS_STR(r.rcpts[0], "\"Doe, J\" <j@x.org>", "quoted name kept");
	cli_free(&r);
	IS_INT(parse(&r, &e, "sendmail", "--", "-oi@x.org", NULL), -1,
	    "recipient starting with - refused");
	IS_INT(e.cls, ERR_USAGE, "as a usage error");
	cli_free(&r);
	IS_INT(parse(&r, &e, "sendmail", "a@x.org,-x", NULL), -1,
	    "- inside a comma list refused");
	cli_free(&r);
	IS_INT(parse(&r, &e, "sendmail", "-i", NULL), -1, "no recipients");
	IS_INT(e.cls, ERR_USAGE, "no recipients is a usage error");
	cli_free(&r);
	IS_INT(parse(&r, &e, "sendmail", "-t", NULL), 0,
	    "-t without recipients is fine");
	cli_free(&r);
}

static void
test_sender(void)
{
	struct cli_request r;
	struct err e;

	IS_INT(parse(&r, &e, "sendmail", "-f", "<>", "a@x.org", NULL), 0,
	    "-f <>");
	IS_STR(r.sender, "", "<> is the null sender");
	cli_free(&r);
	IS_INT(parse(&r, &e, "sendmail", "-f<a@x.org>", "a@x.org", NULL), 0,
	    "-f<addr>");
	IS_STR(r.sender, "a@x.org", "angle brackets stripped");
	cli_free(&r);
	IS_INT(parse(&r, &e, "sendmail", "-r", "a@x.org", "-f", "b@x.org",
	           "c@x.org", NULL),
	    0, "repeated -r/-f");
	IS_STR(r.sender, "b@x.org", "the last one wins");
	OK(strstr(buf_str(&r.warnings), "more than once") != NULL,
	    "with a warning");
	cli_free(&r);
	IS_INT(parse(&r, &e, "sendmail", "-f", NULL), -1, "-f without value");
	IS_INT(e.cls, ERR_USAGE, "missing value is a usage error");
	cli_free(&r);
}

static void
test_hostile(void)
{
	struct cli_request r;
	struct err e;

	IS_INT(parse(&r, &e, "sendmail", "-f", "a@x.org\r\nRCPT TO:<e@v>",
	           "b@x.org", NULL),
	    -1, "CR LF in -f refused");
	IS_INT(e.cls, ERR_USAGE, "as usage");
	OK(strstr(e.text, "argument 2") != NULL, "naming the argument");
	cli_free(&r);
	IS_INT(parse(&r, &e, "sendmail", "-FCron\nBcc: x@y", "a@x.org", NULL),
	    -1, "LF in -F refused");
	cli_free(&r);
	IS_INT(parse(&r, &e, "sendmail", "a@x.org\r", NULL), -1,
	    "CR in a recipient refused");
	cli_free(&r);
	IS_INT(parse(&r, &e, "sendmail", "--", "a@x.org\n", NULL), -1,
	    "LF after -- refused");
	cli_free(&r);
}

static void
test_ignored(void)
{
	struct cli_request r;
	struct err e;

	IS_INT(parse(&r, &e, "sendmail", "-oem", "-oee", "-o", "x", "-O",
	           "Opt=v", "-Ac", "-G", "-h", "17", "-L", "tag", "-m", "-n",
	           "-U", "-d0.1", "-X", "/etc/passwd", "-p", "smtp", "-oA/x",
	           "-om", "a@x.org", NULL),
	    0, "ignored options accepted");
	IS_INT(r.nrcpts, 1, "values not taken for recipients");
	IS_INT(r.warnings.len, 0, "known ignored options do not warn");
	cli_free(&r);
	IS_INT(parse(&r, &e, "sendmail", "-Zfoo", "--bogus", "a@x.org", NULL),
	    0, "unknown options are not fatal");
	IS_INT(r.nrcpts, 1, "unknown option does not take a value");
	OK(strstr(buf_str(&r.warnings), "-Zfoo") != NULL, "warned -Zfoo");
	OK(strstr(buf_str(&r.warnings), "--bogus") != NULL, "warned --bogus");
	IS_STR(r.sender, NULL, "-Zfoo is not read as -f oo");
	cli_free(&r);
	IS_INT(parse(&r, &e, "sendmail", "-odq", "-t", NULL), 0, "-odq");
	OK(r.queue_only, "-odq is queue-only");
	cli_free(&r);
	IS_INT(parse(&r, &e, "sendmail", "-o", "dq", "-t", NULL), 0, "-o dq");
	OK(r.queue_only, "-o dq is queue-only");
	cli_free(&r);
	IS_INT(parse(&r, &e, "sendmail", "-Bbogus", "-t", NULL), 0,
	    "bad -B is not fatal");
	IS_INT(r.body, CLI_BODY_DEFAULT, "body unchanged");
	cli_free(&r);
}

static void
test_modes(void)
{
	struct cli_request r;
	struct err e;

	IS_INT(parse(&r, &e, "/usr/bin/mailq", NULL), 0, "mailq");
	IS_INT(r.mode, CLI_MODE_QUEUE_LIST, "mailq lists the queue");
	cli_free(&r);
	IS_INT(parse(&r, &e, "newaliases", NULL), 0, "newaliases");
	IS_INT(r.mode, CLI_MODE_NEWALIASES, "newaliases mode");
	cli_free(&r);
	IS_INT(parse(&r, &e, "sendmail", "-bi", NULL), 0, "-bi");
	IS_INT(r.mode, CLI_MODE_NEWALIASES, "-bi mode");
	cli_free(&r);
	IS_INT(parse(&r, &e, "sendmail", "-b", "p", NULL), 0, "-b p");
	IS_INT(r.mode, CLI_MODE_QUEUE_LIST, "-b p lists");
	cli_free(&r);
	IS_INT(parse(&r, &e, "sendmail", "-q30m", NULL), 0, "-q30m");
	IS_INT(r.mode, CLI_MODE_QUEUE_RUN, "-q runs the queue");
	IS_STR(r.queue_arg, "30m", "-q value");
	cli_free(&r);
	IS_INT(parse(&r, &e, "sendmail", "-bs", NULL), 0, "-bs");
	IS_INT(r.mode, CLI_MODE_SMTP, "-bs mode");
	cli_free(&r);
	IS_INT(parse(&r, &e, "sendmail", "-bd", NULL), -1, "-bd refused");
	OK(strstr(e.text, "not supported") != NULL, "-bd not supported");
	cli_free(&r);
	IS_INT(parse(&r, &e, "sendmail", "-bv", "a@x.org", NULL), -1, "-bv");
	cli_free(&r);
	IS_INT(parse(&r, &e, "postern", "--print-config", "work", NULL), 0,
	    "--print-config ACCOUNT");
	IS_INT(r.mode, CLI_MODE_PRINT_CONFIG, "print-config mode");
	IS_STR(r.print_account, "work", "account named");
	cli_free(&r);
	IS_INT(parse(&r, &e, "postern", "--print-config=x", "-C", "f", NULL), 0,
	    "--print-config=ACCOUNT");
	IS_STR(r.print_account, "x", "glued account");
	IS_STR(r.config_file, "f", "-C");
	cli_free(&r);
	IS_INT(parse(&r, &e, "postern", "--print-config", "-a", "y", NULL), 0,
	    "--print-config then -a");
	IS_STR(r.print_account, NULL, "no account after --print-config");
	IS_STR(r.account, "y", "-a");
	cli_free(&r);
	IS_INT(parse(&r, &e, "postern", "--dry-run", "--account=w", "-vv", "-V",
	           "id1", "a@x.org", NULL),
	    0, "--dry-run");
	OK(r.dry_run, "dry run set");
	IS_STR(r.account, "w", "--account=");
	IS_INT(r.verbose, 2, "-vv");
	IS_STR(r.envid, "id1", "-V");
	cli_free(&r);
	IS_INT(parse(&r, &e, "postern", "-N", "sometimes", "a@x.org", NULL), -1,
	    "bad -N refused");
	cli_free(&r);
	IS_INT(parse(&r, &e, "postern", "-R", "most", "a@x.org", NULL), -1,
	    "bad -R refused");
	cli_free(&r);
	IS_INT(parse(&r, &e, "postern", "--help", NULL), 0, "--help");
	IS_INT(r.mode, CLI_MODE_HELP, "help mode");
	cli_free(&r);
	OK(strstr(cli_help_text(), "--print-config") != NULL, "help text");
}

/* Each long option reaches its own field, whatever letter it shares. */
static void
test_long(void)
{
	struct cli_request r;
	struct err e;

	IS_INT(parse(&r, &e, "postern", "--doctor", "acct", "--probe-ports",
	           "25,587", "--probe-host", "h", "--probe-timeout", "9",
	           "--no-login", NULL),
	    0, "doctor with every probe option");
	IS_INT(r.mode, CLI_MODE_DOCTOR, "--doctor");
	IS_STR(r.diag_account, "acct", "its account");
	IS_STR(r.probe_ports, "25,587", "--probe-ports fills probe_ports");
	IS_STR(r.print_account, NULL, "and not --print-config's account");
	IS_STR(r.probe_host, "h", "--probe-host");
	IS_INT(r.probe_timeout, 9, "--probe-timeout");
	OK(r.no_login, "--no-login");
	cli_free(&r);
	IS_INT(parse(&r, &e, "postern", "--serverinfo=s", NULL), 0,
	    "serverinfo");
	IS_INT(r.mode, CLI_MODE_SERVERINFO, "--serverinfo");
	IS_STR(r.diag_account, "s", "--serverinfo=ACCOUNT");
	cli_free(&r);
	IS_INT(parse(&r, &e, "postern", "--configure", "me@example.org", NULL),
	    0, "configure");
	IS_INT(r.mode, CLI_MODE_CONFIGURE, "--configure");
	IS_STR(r.configure_addr, "me@example.org", "its address");
	cli_free(&r);
	IS_INT(parse(&r, &e, "postern", "--queue-delete", "ID1", NULL), 0,
	    "qd");
	IS_INT(r.mode, CLI_MODE_QUEUE_RUN, "--queue-delete is a queue run");
	IS_STR(r.queue_delete, "ID1", "of that id");
	IS_STR(r.queue_id, NULL, "not --queue-run's");
	cli_free(&r);
	IS_INT(parse(&r, &e, "postern", "--queue-run", "ID2", "--flush", NULL),
	    0, "qr");
	IS_STR(r.queue_id, "ID2", "--queue-run ID");
	OK(r.flush, "--flush");
	cli_free(&r);
	IS_INT(parse(&r, &e, "postern", "--store-password", "a",
	           "--password-stdin", NULL),
	    0, "store");
	IS_INT(r.mode, CLI_MODE_STORE_PASSWORD, "--store-password");
	IS_STR(r.secret_account, "a", "its account");
	OK(r.password_stdin, "--password-stdin");
	cli_free(&r);
	IS_INT(parse(&r, &e, "postern", "--account", "w", "--from", "<f@x>",
	           "--file", "c", "--read-recipients", "--verbose", "--dry-run",
	           NULL),
	    0, "long forms of -a -f -C -t -v");
	IS_STR(r.account, "w", "--account");
	IS_STR(r.sender, "f@x", "--from strips <>");
	IS_STR(r.config_file, "c", "--file");
	OK(r.read_recipients && r.verbose == 1 && r.dry_run,
	    "--read-recipients, --verbose, --dry-run");
	cli_free(&r);
	IS_INT(parse(&r, &e, "postern", "--probe-timeout", "0", "--doctor",
	           NULL),
	    -1, "--probe-timeout 0");
	IS_INT(e.cls, ERR_USAGE, "is a usage error");
	cli_free(&r);
}

int
main(void)
{
	test_long();
	test_callers();
	test_recipients();
	test_sender();
	test_hostile();
	test_ignored();
	test_modes();
	return tap_done();
}
