/*
 * doctor.c: the --doctor run (see doctor.h): the configuration file, its
 * permissions, the account and its settings, then port 25 towards the
 * account's server (or --probe-host), then the checks of doctor_tls.c
 * and doctor_acct.c. Also the probe --serverinfo and --configure use: a
 * session without AUTH whose EHLO lines are collected from the engine's
 * trace.
 *
 * Port 25 is only connected to (and the greeting read): a time-out, a
 * refusal or a reset is how Outbound Port 25 Blocking (OP25B) looks from
 * the customer's side. It matters only when the account submits on port
 * 25; on 587 or 465 it is reported and explained, not a problem.
 */
#include "config.h"

#include <sys/stat.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <strings.h>

#include "doctor_int.h"
#include "mistake.h"
#include "net.h"
#include "util.h"
#include "vis.h"

void
doctor_emit(struct doctor_ctx *c, enum doctor_verdict v, const char *topic,
    const char *fix, const char *fmt, ...)
{
	struct doctor_check chk;
	char text[sizeof(chk.text)];
	va_list ap;

	memset(&chk, 0, sizeof(chk));
	chk.verdict = v;
	(void)strlcpy(chk.topic, topic, sizeof(chk.topic));
	va_start(ap, fmt);
	(void)vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	/* a greeting, an extension, a reply: shown as text (vis.h) */
	(void)vis_str(chk.text, sizeof(chk.text), text, strlen(text), "\n");
	if (fix != NULL)
		(void)vis_str(chk.fix, sizeof(chk.fix), fix, strlen(fix), "\n");
	c->sum->n[v]++;
	if (c->o->line != NULL)
		c->o->line(c->o->arg, &chk);
}

const char *
doctor_mode_name(enum smtp_tls_mode m)
{
	return m == SMTP_TLS_STARTTLS ? "STARTTLS"
	    : m == SMTP_TLS_IMPLICIT  ? "implicit TLS"
	                              : "no TLS";
}

/*
 * The account as a probe: what sending would use, but no AUTH unless a
 * check asks for it, every wait bounded by the probe's timeout, and no
 * session cache, so each probe makes (and checks) a full handshake.
 */
void
doctor_params(const struct account *a, char *port, size_t portlen,
    unsigned timeout, struct smtp_params *p)
{
	deliver_account_params(a, port, portlen, p);
	p->auth = SMTP_AUTH_OFF;
	p->auth_mech = NULL;
	p->timeout = timeout;
	p->data_timeout = timeout;
	p->tls_session_dir = NULL;
	p->account = NULL;
}

/* --- the probe ---------------------------------------------------------- */

struct doctor_trace {
	struct doctor_probe *pr;
	bool in_ehlo;
	unsigned nlines;
};

/* Keep the lines of the latest EHLO reply but the first (the name). */
static void
doctor_trace_line(void *arg, enum smtp_trace_dir dir, const char *l, size_t n)
{
	struct doctor_trace *t = arg;
	size_t o;

	if (dir == SMTP_TRACE_INFO)
		t->pr->connected = true;
	if (dir == SMTP_TRACE_SEND) {
		t->in_ehlo = n >= 4 && strncasecmp(l, "EHLO", 4) == 0;
		if (t->in_ehlo) {
			t->pr->ext[0] = '\0';
			t->nlines = 0;
		}
		return;
	}
	if (dir != SMTP_TRACE_RECV)
		return;
	t->pr->connected = true;
	if (!t->in_ehlo || n < 4 || strncmp(l, "250", 3) != 0)
		return;
	if (l[3] == ' ')
		t->in_ehlo = false;
	if (t->nlines++ == 0)
		return;
	o = strlen(t->pr->ext);
	if (o + (n - 4) + 2 > sizeof(t->pr->ext))
		return;
	memcpy(t->pr->ext + o, l + 4, n - 4);
	t->pr->ext[o + n - 4] = '\n';
	t->pr->ext[o + n - 3] = '\0';
}

int
doctor_probe(const struct smtp_params *p, struct doctor_probe *pr)
{
	struct doctor_trace t = { pr, false, 0 };
	const struct smtp_trace trace = { doctor_trace_line, &t };
	struct smtp_params q = *p;
	struct smtp_session *s = NULL;

	memset(pr, 0, sizeof(*pr));
	err_clear(&pr->e);
	q.auth = SMTP_AUTH_OFF;
	q.password = NULL;
	if (smtp_open(&s, &q, &trace, &pr->e) == -1) {
		if (pr->e.cls == ERR_NOPERM || pr->e.cls == ERR_PROTOCOL)
			pr->connected = true;
		return -1;
	}
	pr->ok = pr->connected = true;
	pr->info = *smtp_session_info(s);
	smtp_close(s);
	return 0;
}

/* --- configuration ------------------------------------------------------ */

static void
doctor_check_file(struct doctor_ctx *c)
{
	struct stat st;
	char fix[600];

	if (c->conf.nfiles == 0) {
		doctor_emit(c, DOCTOR_PROBLEM, "config",
		    "postern --configure you@example.org --write",
		    "no configuration file (looked for %s)",
		    c->conf.searched.len ? buf_str(&c->conf.searched) : "none");
		return;
	}
	c->path = c->conf.files[0];
	if (stat(c->path, &st) == -1) {
		doctor_emit(c, DOCTOR_OK, "config", NULL, "%s", c->path);
		return;
	}
	/* A root-owned file others may read is a system file, unless root
	 * runs this: then it is root's own file. */
	if ((st.st_mode & 077) != 0 && (st.st_uid != 0 || getuid() == 0)) {
		(void)snprintf(fix, sizeof(fix), "chmod 600 %s", c->path);
		doctor_emit(c, DOCTOR_WARN, "config", fix,
		    "%s (mode %04o): group or others may read it; it must not be before it holds a password",
		    c->path, (unsigned)(st.st_mode & 07777));
	} else
		doctor_emit(c, DOCTOR_OK, "config", NULL,
		    "%s (mode %04o, owner uid %u)", c->path,
		    (unsigned)(st.st_mode & 07777), (unsigned)st.st_uid);
}

/* The config's collected "path:line: message" errors, one line each. */
static void
doctor_conf_errors(struct doctor_ctx *c, const struct err *e)
{
	const char *p = buf_str(&c->conf.errors), *nl;

	if (*p == '\0') {
		doctor_emit(c, DOCTOR_PROBLEM, "config", NULL, "%s", e->text);
		return;
	}
	for (; *p != '\0' && (nl = strchr(p, '\n')) != NULL; p = nl + 1)
		doctor_emit(c, DOCTOR_PROBLEM, "config", NULL, "%.*s",
		    (int)(nl - p), p);
}

static void
doctor_settings(struct doctor_ctx *c)
{
	const struct account *a = c->acct;
	const char *mech = conf_auth_mechanism(a->auth);

	doctor_emit(c, DOCTOR_OK, "settings", NULL,
	    "host %s, port %u (%s), auth %s, user %s, from %s, password from %s",
	    a->host ? a->host : "(none)", a->port,
	    doctor_mode_name(deliver_tls_mode(a)),
	    a->auth == CONF_AUTH_OFF ? "off"
	        : mech               ? mech
	                             : "on",
	    a->user ? a->user : "(none)", a->from ? a->from : "(none)",
	    a->password           ? "the config file"
	        : a->passwordeval ? "passwordeval"
	        : a->keyring      ? "the keyring, ~/.netrc or a prompt"
	                          : "~/.netrc or a prompt");
	if (!a->tls)
		doctor_emit(c, DOCTOR_WARN, "settings", "tls on",
		    "tls off: the password and the mail cross the network unencrypted");
	if (a->auth != CONF_AUTH_OFF && a->user == NULL)
		doctor_emit(c, DOCTOR_PROBLEM, "settings",
		    "user YOUR-LOGIN (usually your full address)",
		    "auth is on but no user is set");
}

/* 0 with c->acct set, or -1 when nothing else can be checked. */
static int
doctor_check_config(struct doctor_ctx *c)
{
	const struct account *real;
	struct err e;
	char fix[300];

	err_clear(&e);
	if ((c->o->system_queue != NULL
	            ? conf_load_system(&c->conf, c->o->system_queue, &e)
	            : conf_load(&c->conf, c->o->config_file, &e)) == -1) {
		if (c->conf.nfiles > 0)
			doctor_check_file(c);
		doctor_conf_errors(c, &e);
		return -1;
	}
	doctor_check_file(c);
	if (conf_select(&c->conf, c->o->account, NULL, &c->acct, &e) == -1) {
		fix[0] = '\0';
		if (c->o->account == NULL && c->conf.naccounts > 0)
			(void)snprintf(fix, sizeof(fix), "account default : %s",
			    c->conf.accounts[0]->name);
		doctor_emit(c, DOCTOR_PROBLEM, "account", fix, "%s", e.text);
		return -1;
	}
	real = mistake_real(&c->conf, c->acct);
	doctor_emit(c, DOCTOR_OK, "account", NULL, "%s (%s:%u)", real->name,
	    real->where.file ? real->where.file : "-", real->where.line);
	doctor_settings(c);
	if (c->acct->host == NULL) {
		doctor_emit(c, DOCTOR_PROBLEM, "settings",
		    "host SERVER (the submission server your provider names, e.g. smtp.example.org)",
		    "no host: postern does not know where to submit mail");
		return -1;
	}
	return 0;
}

/* --- port 25 ------------------------------------------------------------ */

/* Connect and read the greeting's first line into line. */
static int
doctor_connect25(const char *host, const char *port, unsigned timeout,
    char *line, size_t cap, struct err *e)
{
	struct net_params np = { host, port, NET_FAMILY_ANY, NULL, timeout };
	struct net_conn *conn = NULL;
	const char *in;
	size_t len;

	if (net_connect(&conn, &np, e) == -1)
		return -1;
	line[0] = '\0';
	if (net_fill(conn, e) == 0) {
		in = net_rbuf(conn, &len);
		len = strcspn(in, "\r\n");
		(void)snprintf(line, cap, "%.*s", (int)len, in);
		(void)net_write(conn, "QUIT\r\n", 6, e);
		(void)net_flush(conn, e);
		err_clear(e);
	}
	net_close(conn);
	return 0;
}

static void
doctor_check_port25(struct doctor_ctx *c)
{
	const struct account *a = c->acct;
	const char *host = c->o->probe_host ? c->o->probe_host : a->host;
	unsigned p25 = c->o->ports[DOCTOR_P25];
	bool uses25 = a->port == p25 || a->port == 25;
	enum doctor_conn_fail how;
	const char *fix;
	char port[16], greet[SMTP_TEXT_MAX];
	struct err e;

	if (p25 == 0)
		return;
	(void)snprintf(port, sizeof(port), "%u", p25);
	err_clear(&e);
	if (doctor_connect25(host, port, c->o->timeout, greet, sizeof(greet),
	        &e) == 0) {
		doctor_emit(c, uses25 ? DOCTOR_WARN : DOCTOR_OK, "port 25",
		    uses25 ? "port 587" : NULL,
		    "%s port %s is reachable%s%s: this network does not block outbound port 25%s",
		    host, port, greet[0] ? ": " : "", greet,
		    uses25
		        ? "; but the account submits on it: port 25 is for server-to-server mail, use the submission port"
		        : "");
		return;
	}
	if ((how = doctor_connect_failure(&e)) == DOCTOR_CONN_NONE) {
		doctor_emit(c, DOCTOR_WARN, "port 25", NULL, "%s", e.text);
		return;
	}
	fix = uses25 ? "port 587\ntls_starttls on" : NULL;
	doctor_emit(c, uses25 ? DOCTOR_PROBLEM : DOCTOR_OK, "port 25", fix,
	    "%s port %s is blocked (%s%s): this network (or the server) stops connections to port 25, as providers do against spam (Outbound Port 25 Blocking, OP25B); %s",
	    host, port, doctor_conn_fail_name(how),
	    how == DOCTOR_CONN_TIMEDOUT ? " within the probe timeout" : "",
	    uses25
	        ? "the account submits on port 25, so mail cannot go out"
	        : "not a problem: the account submits on the submission port");
}

/* --- the run ------------------------------------------------------------ */

int
doctor_run(const struct doctor_opts *o, struct doctor_summary *sum,
    struct err *e)
{
	struct doctor_ctx c;

	(void)e;
	memset(&c, 0, sizeof(c));
	memset(sum, 0, sizeof(*sum));
	c.o = o;
	c.sum = sum;
	conf_init(&c.conf);
	buf_init(&c.pw, SECRETS_MAX);
	if (doctor_check_config(&c) == 0) {
		doctor_check_port25(&c);
		doctor_check_submission(&c);
		doctor_check_password(&c);
		doctor_check_login(&c);
		doctor_check_queue(&c);
	}
	buf_wipe(&c.pw);
	conf_free(&c.conf);
	return 0;
}
