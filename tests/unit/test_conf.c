/*
 * test_conf.c: the configuration reader: syntax, inheritance, defaults,
 * every error with its line, account selection, the secrecy check.
 */
#include "config.h"

#include <sys/stat.h>

#include <fcntl.h>
#include <stdlib.h>
#include <syslog.h>
#include <unistd.h>

#include "conf.h"
#include "tap.h"
#include "util.h"

/* Parse text as the file "t.conf" and finish it. */
static int
load(struct conf *c, const char *text)
{
	bool secret;
	int r;

	conf_init(c);
	r = conf_parse(c, "t.conf", text, strlen(text), "/home/u", &secret);
	if (conf_finish(c, "/q") == -1)
		r = -1;
	return r;
}

static bool
has_error(const struct conf *c, const char *line)
{
	return strstr(buf_str(&c->errors), line) != NULL;
}

static void
test_inheritance(void)
{
	static const char text[] = "# msmtp style\n"
	                           "defaults\n"
	                           "  auth on\n"
	                           "tls_trust_file ~/ca.pem\n"
	                           "\n"
	                           "account base\n"
	                           "host smtp.example.org\n"
	                           "user base\n"
	                           "from base@example.org\n"
	                           "account work : base\n"
	                           "from work@example.org\n"
	                           "defaults\n"
	                           "port 2525\n"
	                           "account late\n"
	                           "host late.example.org\n"
	                           "account both: late , work\n"
	                           "account default : work\n";
	const struct account *a;
	struct conf c;

	IS_INT(load(&c, text), 0, "msmtp file with inheritance parses");
	IS_STR(buf_str(&c.errors), "", "no errors");
	IS_INT(c.naccounts, 5, "five accounts");
	a = conf_find(&c, "work");
	OK(a != NULL, "work exists");
	IS_STR(a->host, "smtp.example.org", "host from the parent");
	IS_STR(a->from, "work@example.org", "own from");
	IS_STR(a->tls_trust_file, "/home/u/ca.pem", "~ expanded, defaults");
	IS_INT(a->port, 587, "defaults after the account do not apply");
	IS_INT(a->origin[1].file == NULL, 1, "port not set in work");
	a = conf_find(&c, "late");
	IS_INT(a->port, 2525, "later defaults apply to later accounts");
	IS_INT(a->auth, CONF_AUTH_ON, "auth from the first defaults");
	a = conf_find(&c, "both");
	IS_STR(a->host, "smtp.example.org", "the last parent wins");
	IS_INT(a->port, 2525, "defaults copied first");
	IS_STR(a->user, "base", "user via work from base");
	a = conf_find(&c, "default");
	IS_STR(a->from, "work@example.org", "account default : work");
	conf_free(&c);
}

static void
test_defaults(void)
{
	const struct account *a;
	struct conf c;

	IS_INT(load(&c,
	           "account a\nhost h\n"
	           "account b\nhost h\nport 465\n"
	           "account c\nhost h\ntls_starttls off\n"
	           "account d\nhost h\nuser me\n"
	           "account e\nhost h\ntls off\nuser me\nauth plain\n"),
	    0, "default cases parse");
	a = conf_find(&c, "a");
	IS_INT(a->port, 587, "port 587 by default");
	OK(a->tls && a->tls_starttls, "STARTTLS by default");
	OK(a->tls_certcheck, "certificates checked");
	IS_STR(a->tls_trust_file, "system", "system trust store");
	IS_INT(a->timeout, 60, "timeout 60");
	IS_INT(a->auth, CONF_AUTH_OFF, "no auth without user");
	IS_STR(a->queue_dir, "/q", "queue_dir default");
	IS_INT(a->queue_lifetime, 5 * 86400, "five days");
	IS_INT(a->retry_min, 60, "retry_min");
	IS_INT(a->retry_max, 3600, "retry_max");
	IS_INT(a->set_from_header, CONF_HDR_AUTO, "set_from_header auto");
	OK(a->remove_bcc_headers, "bcc removed");
	IS_STR(a->domain, "localhost", "domain");
	a = conf_find(&c, "b");
	OK(a->tls && !a->tls_starttls, "port 465 means implicit TLS");
	a = conf_find(&c, "c");
	IS_INT(a->port, 465, "tls_starttls off means port 465");
	a = conf_find(&c, "d");
	IS_INT(a->auth, CONF_AUTH_ON, "auth on when user is set");
	a = conf_find(&c, "e");
	IS_STR(conf_auth_mechanism(a->auth), "PLAIN", "named mechanism");
	conf_free(&c);
}

static void
test_values(void)
{
	char *big = malloc(CONF_LINE_MAX + 64), *text;
	const struct account *a;
	struct conf c;
	size_t n;

	IS_INT(
	    load(&c,
	        "account q\n"
	        "password \"pa ss # \\\"x\\\" \\\\ \"\n"
	        "from_full_name  \"Cron Daemon\"   \n"
	        "passwordeval gpg -d ~/p.gpg\n"
	        "timeout 2m\n"
	        "queue_lifetime 3d\n"
	        "tls_fingerprint "
	        "AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23"
	        ":45:67:89:AB:CD:EF:01:23:45:67:89\n"
	        "tls_nocertcheck\n"
	        "keepbcc on\n"
	        "connect_timeout off\n"
	        "tls_min_dh_prime_bits 1024\n"
	        "syslog LOG_MAIL\n"
	        "auth\r\n"
	        "user u\n"),
	    0, "values parse");
	IS_STR(buf_str(&c.errors), "", "no errors");
	a = conf_find(&c, "q");
	IS_STR(a->password, "pa ss # \"x\" \\ ", "quoted value, escapes");
	IS_STR(a->from_full_name, "Cron Daemon", "quotes and blanks");
	IS_STR(a->passwordeval, "gpg -d ~/p.gpg", "a command is kept as is");
	IS_INT(a->timeout, 0, "connect_timeout off (last wins)");
	IS_INT(a->queue_lifetime, 3 * 86400, "3d");
	OK(!a->tls_certcheck, "tls_nocertcheck");
	OK(!a->remove_bcc_headers, "keepbcc on");
	IS_STR(conf_syslog_name(a->syslog), "LOG_MAIL", "syslog facility");
	IS_INT(a->auth, CONF_AUTH_ON, "empty auth means on, CRLF ok");
	conf_free(&c);

	/* A 60 KiB OAuth token fits; a line over the cap does not. */
	n = 60 * 1024;
	memset(big, 'x', n);
	big[n] = '\0';
	text = malloc(n + 64);
	(void)snprintf(text, n + 64, "account o\npassword %s\nhost h\n", big);
	IS_INT(load(&c, text), 0, "a 60 KiB value is fine");
	IS_INT(strlen(conf_find(&c, "o")->password), n, "all of it kept");
	conf_free(&c);
	memset(big, 'x', CONF_LINE_MAX + 1);
	big[CONF_LINE_MAX + 1] = '\0';
	free(text);
	text = malloc(CONF_LINE_MAX + 64);
	(void)snprintf(text, CONF_LINE_MAX + 64, "account o\npassword %s\n",
	    big);
	IS_INT(load(&c, text), -1, "a line over the cap");
	OK(has_error(&c, "t.conf:2: line is longer than 65536 bytes"),
	    "long line error with its number");
	conf_free(&c);
	free(text);
	free(big);
}

static void
test_errors(void)
{
	static const char text[] =
	    "account a\n"                                   /* 1 */
	    "hots smtp.example.org\n"                       /* 2 */
	    "port 70000\n"                                  /* 3 */
	    "tls maybe\n"                                   /* 4 */
	    "auth sometimes\n"                              /* 5 */
	    "password \"unterminated\n"                     /* 6 */
	    "from \"a@b\" trailing\n"                       /* 7 */
	    "account a\n"                                   /* 8 */
	    "account b : nosuch\n"                          /* 9 */
	    "account\n"                                     /* 10 */
	    "defaults x\n"                                  /* 11 */
	    "eval echo host x\n"                            /* 12 */
	    "tls_fingerprint 12:34\n"                       /* 13 */
	    "timeout 5x\n"                                  /* 14 */
	    "account c\ntls off\nuser u\n"                  /* 15-17 */
	    "account d\nipv4 off\nipv6 off\nretry_min 2h\n" /* 18-21 */
	    "tls_cert_file /c.pem\n"                        /* 22 */
	    "dsn_notify sometimes\n"                        /* 23 */
	    "account bad name\n";                           /* 24 */
	static const char *const want[] = {
		"t.conf:2: hots: unknown key",
		"t.conf:3: port expects a number from 1 to 65535",
		"t.conf:4: tls expects on or off",
		"t.conf:5: auth expects one of: off on plain login",
		"t.conf:6: unterminated quoted value",
		"t.conf:7: text after the closing quote",
		"t.conf:8: account a is already defined at line 1",
		"t.conf:9: account b: no account nosuch defined above",
		"t.conf:10: account needs one name",
		"t.conf:11: defaults takes no value",
		"t.conf:12: eval: eval is not supported; use passwordeval",
		"t.conf:13: tls_fingerprint expects a SHA-256",
		"t.conf:14: timeout expects a number from 0 to 86400",
		"t.conf:15: account c: tls is off, so auth would send",
		"t.conf:18: account d: ipv4 and ipv6 are both off",
		"t.conf:18: account d: retry_min is larger than retry_max",
		"t.conf:18: account d: tls_cert_file and tls_key_file",
		"t.conf:23: dsn_notify expects off, never",
		"t.conf:24: account needs one name",
	};
	struct conf c;
	size_t i;

	IS_INT(load(&c, text), -1, "bad file fails");
	for (i = 0; i < ARRAY_SIZE(want); i++)
		OK(has_error(&c, want[i]), want[i]);
	if (tap_failed)
		printf("# errors:\n# %s\n", buf_str(&c.errors));
	conf_free(&c);

	conf_init(&c);
	{
		static const char nul[] = "account a\nhost h\0x\n";
		bool s;

		IS_INT(conf_parse(&c, "n.conf", nul, sizeof(nul) - 1, NULL, &s),
		    -1, "NUL byte refused");
		OK(has_error(&c, "n.conf:2: NUL byte in the line"), "NUL line");
	}
	conf_free(&c);
}

static void
test_selection(void)
{
	static const char text[] =
	    "account one\nhost h\nfrom One@Example.org\n"
	    "account glob\nhost h\nfrom *@glob.example.org\n"
	    "account default\nhost h\nfrom d@example.org\n";
	const struct account *a = NULL;
	struct conf c;
	struct err e;

	IS_INT(load(&c, text), 0, "selection file");
	IS_INT(conf_select(&c, "glob", "one@example.org", &a, &e), 0, "-a");
	IS_STR(a->name, "glob", "-a wins over -f");
	IS_INT(conf_select(&c, NULL, "ONE@example.ORG", &a, &e), 0, "from");
	IS_STR(a->name, "one", "case-insensitive from match");
	IS_INT(conf_select(&c, NULL, "one+cron@example.org", &a, &e), 0, "+");
	IS_STR(a->name, "one", "user+detail matches user");
	IS_INT(conf_select(&c, NULL, "x@glob.example.org", &a, &e), 0, "glob");
	IS_STR(a->name, "glob", "glob match");
	IS_INT(conf_select(&c, NULL, "z@elsewhere", &a, &e), 0, "fallback");
	IS_STR(a->name, "default", "no match: default");
	IS_INT(conf_select(&c, NULL, "", &a, &e), 0, "null sender");
	IS_STR(a->name, "default", "null sender: default");
	IS_INT(conf_select(&c, "nosuch", NULL, &a, &e), -1, "unknown -a");
	IS_INT(e.cls, ERR_CONFIG, "is a config error");
	conf_free(&c);
	IS_INT(load(&c, "account x\nhost h\n"), 0, "no default");
	IS_INT(conf_select(&c, NULL, "a@b", &a, &e), -1, "no default: error");
	OK(strstr(e.text, "no account named default") != NULL, e.text);
	conf_free(&c);
	IS_INT(load(&c, "host h\nfrom me@x.org\n"), 0, "keys before account");
	OK(conf_find(&c, "default") != NULL, "make an implicit default");
	IS_INT(conf_check_send(conf_find(&c, "default"), false, &e), 0,
	    "it can send");
	conf_free(&c);
	OK(conf_from_is_pattern("*@x.org") && conf_from_is_pattern("a?@x") &&
	        conf_from_is_pattern("[ab]@x"),
	    "? * [ make from a pattern");
	OK(!conf_from_is_pattern("me@x.org") && !conf_from_is_pattern(NULL),
	    "an address or nothing is not a pattern");
}

static void
test_secrecy(void)
{
	char dir[] = "/tmp/test_conf.XXXXXX", path[64];
	static const char text[] = "account default\nhost h\npassword s3cret\n";
	const char *why = NULL;
	struct conf c;
	struct err e;
	int fd;

	IS_INT(conf_check_secrecy(0100600, 1000, 1000, false, &why), 0, "0600");
	IS_INT(conf_check_secrecy(0100640, 1000, 1000, false, &why), -1,
	    "0640");
	IS_INT(conf_check_secrecy(0100600, 0, 1000, false, &why), -1,
	    "owned by someone else");
	IS_INT(conf_check_secrecy(0100640, 0, 1000, true, &why), 0,
	    "system file: group may read");
	IS_INT(conf_check_secrecy(0100644, 0, 1000, true, &why), -1,
	    "system file: others may not");
	IS_INT(conf_check_secrecy(0100644, 0, 0, true, &why), 0,
	    "root reading the system file is not checked");

	OK(mkdtemp(dir) != NULL, "temp dir");
	(void)snprintf(path, sizeof(path), "%s/conf", dir);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	OK(fd >= 0 && write(fd, text, sizeof(text) - 1) > 0, "write file");
	(void)close(fd);
	(void)chmod(path, 0644);
	conf_init(&c);
	IS_INT(conf_load(&c, path, &e), -1, "0644 with a password refused");
	IS_INT(e.cls, ERR_CONFIG, "as a config error");
	OK(strstr(e.text, "only you may read it") != NULL, e.text);
	conf_free(&c);
	(void)chmod(path, 0600);
	conf_init(&c);
	IS_INT(conf_load(&c, path, &e), 0, "0600 accepted");
	IS_STR(conf_find(&c, "default")->password, "s3cret", "password read");
	conf_free(&c);
	(void)unlink(path);
	conf_init(&c);
	IS_INT(conf_load(&c, path, &e), -1, "-C missing");
	IS_INT(e.cls, ERR_NOINPUT, "-C missing is no input");
	conf_free(&c);
	(void)rmdir(dir);
}

static void
test_print(void)
{
	struct conf c;
	struct buf out;

	buf_init(&out, 1 << 20);
	IS_INT(load(&c,
	           "defaults\nport 465\naccount w\nhost h\n"
	           "password hunter2\n"),
	    0, "print file");
	IS_INT(conf_print(conf_find(&c, "w"), &out), 0, "print");
	OK(strstr(buf_str(&out), "hunter2") == NULL, "password masked");
	OK(strstr(buf_str(&out), "password ********") != NULL, "mask shown");
	OK(strstr(buf_str(&out), "# t.conf:5\n") != NULL, "origin file:line");
	OK(strstr(buf_str(&out), "port 465") != NULL, "port from defaults");
	OK(strstr(buf_str(&out), "# t.conf:2\n") != NULL, "defaults origin");
	OK(strstr(buf_str(&out), "timeout 60") != NULL, "default value");
	OK(strstr(buf_str(&out), "# default\n") != NULL, "default origin");
	buf_free(&out);
	conf_free(&c);
}

/* Every key of the table is documented in postern.conf(5). */
static void
test_manual(void)
{
	const char *src = getenv("POSTERN_SRCDIR");
	char path[4096], want[128];
	struct buf page;
	struct err e;
	size_t i;

	if (src == NULL) {
		printf("ok %d - # SKIP POSTERN_SRCDIR not set\n", ++tap_count);
		return;
	}
	(void)snprintf(path, sizeof(path), "%s/doc/postern.conf.5", src);
	buf_init(&page, 1 << 20);
	IS_INT(conf_read_file(path, &page, &e), 0, "read postern.conf.5");
	for (i = 0; i < conf_nkeys; i++) {
		(void)snprintf(want, sizeof(want), "Cm %s ", conf_keys[i].name);
		OK(strstr(buf_str(&page), want) != NULL, conf_keys[i].name);
	}
	buf_free(&page);
}

/* The key table, by identifier: every row filled, look-ups by enum. */
static void
test_table(void)
{
	const struct account *a;
	struct conf c;
	size_t i, named = 0;

	for (i = 0; i < CONF_KEY_COUNT; i++)
		named += conf_keys[i].name != NULL &&
		    conf_keys[i].help != NULL &&
		    !(conf_keys[i].def != NULL &&
		        conf_keys[i].computed != NULL);
	IS_INT(named, CONF_KEY_COUNT,
	    "every key has a name, help, and a value or a computed default");
	IS_STR(conf_keys[CONF_KEY_QUEUE_DIR].name, "queue_dir", "row by id");
	IS_INT(load(&c, "account a\nhost h\n"), 0, "host alone");
	a = conf_find(&c, "a");
	OK(conf_isset(a, CONF_KEY_HOST), "host is set");
	OK(!conf_isset(a, CONF_KEY_PORT) && !conf_isset(a, CONF_KEY_AUTH),
	    "port and auth are not (not host's answer)");
	conf_free(&c);
	IS_STR(conf_syslog_name(CONF_SYSLOG_LOCAL3), "LOG_LOCAL3", "name");
	IS_INT(conf_syslog_facility(CONF_SYSLOG_LOCAL3), LOG_LOCAL3,
	    "and facility agree");
	IS_INT(conf_syslog_facility(CONF_SYSLOG_ON), LOG_USER, "on: LOG_USER");
	IS_INT(conf_syslog_facility(CONF_SYSLOG_OFF), 0, "off: none");
	IS_INT(conf_syslog_facility(CONF_SYSLOG_COUNT), 0, "out of range");
	OK(conf_dsn_ret_keyword(CONF_RET_OFF) == NULL,
	    "dsn_return off: no RET");
	IS_STR(conf_dsn_ret_keyword(CONF_RET_HDRS), "HDRS", "hdrs: RET=HDRS");
	IS_STR(conf_dsn_ret_keyword(CONF_RET_FULL), "FULL", "full: RET=FULL");
}

/* The keywords that mean "none": the system store, no NOTIFY. */
static void
test_none_keywords(void)
{
	struct account a;

	memset(&a, 0, sizeof(a));
	OK(conf_trust_file(&a) == NULL, "no tls_trust_file: the system store");
	a.tls_trust_file = (char *)"system";
	OK(conf_trust_file(&a) == NULL,
	    "tls_trust_file system: the system store");
	a.tls_trust_file = (char *)"/etc/ca.pem";
	IS_STR(conf_trust_file(&a), "/etc/ca.pem", "a CA file");
	OK(conf_dsn_notify(&a) == NULL, "no dsn_notify: none");
	a.dsn_notify = (char *)"Off";
	OK(conf_dsn_notify(&a) == NULL, "dsn_notify off, any case: none");
	a.dsn_notify = (char *)"never";
	IS_STR(conf_dsn_notify(&a), "never", "dsn_notify never: NOTIFY=NEVER");
	a.dsn_notify = (char *)"failure,delay";
	IS_STR(conf_dsn_notify(&a), "failure,delay", "a list, as given");
}

int
main(void)
{
	test_none_keywords();
	test_table();
	test_inheritance();
	test_defaults();
	test_values();
	test_errors();
	test_selection();
	test_secrecy();
	test_print();
	test_manual();
	return tap_done();
}
