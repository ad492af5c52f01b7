/*
 * doctor_tls.c: the submission ports of --doctor: port 587 with STARTTLS
 * and port 465 with TLS from the first byte (or the --probe-ports
 * replacements), the account's own session as configured, a port/TLS
 * mode mismatch (465 with STARTTLS waits forever for a greeting; 587
 * with implicit TLS fails the handshake), the certificate (chain, name,
 * expiry) and the AUTH mechanisms after TLS.
 *
 * A refused certificate is probed a second time without verification,
 * only to name what the server presents (subject, expiry, fingerprint)
 * in the fix; nothing is sent over that session.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "doctor_int.h"
#include "mistake.h"
#include "sasl.h"
#include "util.h"

/* "a\nb\n" -> "a, b" into out. */
static void
doctor_join(const char *ext, char *out, size_t cap)
{
	size_t o = 0;

	out[0] = '\0';
	for (; *ext != '\0' && o + 3 < cap; ext++) {
		if (*ext == '\n') {
			if (ext[1] != '\0') {
				out[o++] = ',';
				out[o++] = ' ';
			}
		} else
			out[o++] = *ext;
	}
	out[o] = '\0';
}

/*
 * The fix for a refused certificate, from what the server presents: a
 * config line that works when pasted (or none), and a note for the
 * problem line (what to check first, the alternative).
 */
static void
doctor_cert_fix(const struct smtp_params *p, const struct err *why, char *fix,
    size_t cap, char *note, size_t ncap)
{
	struct smtp_params q = *p;
	struct doctor_probe pr;
	char cn[256];

	fix[0] = note[0] = '\0';
	q.tls_no_certcheck = true;
	q.tls_fingerprint = NULL;
	if (doctor_probe(&q, &pr) == -1 || !pr.info.tls)
		return;
	doctor_dn_cn(pr.info.cert.subject, cn, sizeof(cn));
	if (why->reason == ERR_REASON_CERT_NAME && cn[0] != '\0')
		(void)snprintf(fix, cap, "host %s", cn);
	else if (why->reason == ERR_REASON_CERT_PIN) {
		(void)snprintf(fix, cap, "tls_fingerprint %s",
		    pr.info.cert.sha256);
		(void)snprintf(note, ncap,
		    "; the certificate changed: check it with your provider before pinning the new one");
	} else if (why->reason == ERR_REASON_CERT_ISSUER) {
		(void)snprintf(fix, cap, "tls_fingerprint %s",
		    pr.info.cert.sha256);
		(void)snprintf(note, ncap,
		    "; issuer %s: check the certificate with your provider before pinning it, or set tls_trust_file to the CA that issued it",
		    pr.info.cert.issuer);
	} else if (why->reason == ERR_REASON_CERT_EXPIRED)
		(void)snprintf(note, ncap,
		    "; it expired on %s: nothing to change here, the provider must renew it",
		    pr.info.cert.not_after);
}

/* One line for a probe; failed is PROBLEM for the account's port. */
static void
doctor_report_probe(struct doctor_ctx *c, const struct smtp_params *p,
    const struct doctor_probe *pr, bool mine)
{
	char topic[64], ext[1024], fix[DOCTOR_FIX_MAX], note[512];
	enum doctor_conn_fail how;

	(void)snprintf(topic, sizeof(topic), "port %s (%s)", p->port,
	    doctor_mode_name(p->tls));
	if (pr->ok) {
		doctor_join(pr->ext, ext, sizeof(ext));
		doctor_emit(c, DOCTOR_OK, topic, NULL,
		    "%s answers: %s; %s%s%s; extensions: %s", p->host,
		    pr->info.greeting, pr->info.tls ? "TLS" : "no TLS",
		    pr->info.tls ? " " : "",
		    pr->info.tls ? pr->info.cert.cipher : "",
		    ext[0] ? ext : "(none)");
		return;
	}
	if (!mine)
		return; /* a port the account does not use: not its problem */
	fix[0] = note[0] = '\0';
	if (pr->e.cls == ERR_NOPERM)
		doctor_cert_fix(p, &pr->e, fix, sizeof(fix), note,
		    sizeof(note));
	else if (pr->e.cls == ERR_NOHOST)
		(void)strlcpy(note,
		    "; set host to the submission server your provider names (such as smtp.example.org)",
		    sizeof(note));
	how = doctor_connect_failure(&pr->e);
	doctor_emit(c, DOCTOR_PROBLEM, topic, fix, "%s%s%s",
	    how != DOCTOR_CONN_NONE ? "no answer: " : "", pr->e.text, note);
}

/* Mismatch: the account's port speaks the other TLS mode. */
static bool
doctor_mismatch(struct doctor_ctx *c, enum smtp_tls_mode mine)
{
	const struct account *a = c->acct;
	const unsigned *ports = c->o->ports;
	const struct doctor_probe *other;
	char fix[64];

	if (mine == SMTP_TLS_STARTTLS && a->port == ports[DOCTOR_P465] &&
	    ports[DOCTOR_P465] != 0)
		other = &c->probe[DOCTOR_P465];
	else if (mine == SMTP_TLS_IMPLICIT && a->port == ports[DOCTOR_P587] &&
	    ports[DOCTOR_P587] != 0)
		other = &c->probe[DOCTOR_P587];
	else
		return false;
	if (!other->ok && !(other->connected && other->e.cls == ERR_NOPERM))
		return false;
	(void)snprintf(fix, sizeof(fix), "tls_starttls %s",
	    mine == SMTP_TLS_STARTTLS ? "off" : "on");
	doctor_emit(c, DOCTOR_PROBLEM, "tls mode", fix,
	    mine == SMTP_TLS_STARTTLS
	        ? "port %u speaks TLS from the first byte (implicit TLS, like 465), but the account uses STARTTLS: postern would wait for a greeting that never comes"
	        : "port %u expects STARTTLS (like 587), but the account uses TLS from the first byte: the handshake fails",
	    a->port);
	return true;
}

static void
doctor_check_cert(struct doctor_ctx *c, const struct smtp_info *in)
{
	long days = 0;
	char fix[200];

	if (!in->tls)
		return;
	if (doctor_days_left(in->cert.not_after, time(NULL), &days) == -1)
		days = 9999;
	if (in->cert.verify == TLS_VERIFY_NONE) {
		(void)snprintf(fix, sizeof(fix), "tls_certcheck on");
		doctor_emit(c, DOCTOR_WARN, "certificate", fix,
		    "not checked (tls_certcheck off): anyone on the path can pose as the server; subject %s, expires %s; or pin it with tls_fingerprint %s",
		    in->cert.subject, in->cert.not_after, in->cert.sha256);
		return;
	}
	doctor_emit(c,
	    days < 0        ? DOCTOR_PROBLEM
	        : days < 14 ? DOCTOR_WARN
	                    : DOCTOR_OK,
	    "certificate", NULL,
	    "%s; subject %s; issuer %s; expires %s (%ld day%s)",
	    in->cert.verify == TLS_VERIFY_FINGERPRINT
	        ? "matches tls_fingerprint (chain and name not checked)"
	        : "chain trusted, name matches",
	    in->cert.subject, in->cert.issuer, in->cert.not_after, days,
	    days == 1 || days == -1 ? "" : "s");
}

static void
doctor_check_auth(struct doctor_ctx *c, const struct smtp_info *in)
{
	const struct account *a = c->acct;
	const char *wanted = conf_auth_mechanism(a->auth);
	char mech[SASL_MECH_MAX];
	struct err e;

	if (!(in->caps & SMTP_CAP_AUTH)) {
		doctor_emit(c,
		    a->auth == CONF_AUTH_OFF ? DOCTOR_OK : DOCTOR_PROBLEM,
		    "auth", a->auth == CONF_AUTH_OFF ? NULL : "auth off",
		    "the server offers no AUTH%s", in->tls ? " after TLS" : "");
		return;
	}
	if (a->auth == CONF_AUTH_OFF) {
		doctor_emit(c, DOCTOR_WARN, "auth", "auth on",
		    "the server offers AUTH %s, but the account has auth off: submission servers refuse mail without a login",
		    in->auth_offered);
		return;
	}
	err_clear(&e);
	if (sasl_choose(in->auth_offered, wanted, in->tls,
	        !a->tls && wanted != NULL, in->tls, mech, &e) == -1) {
		doctor_emit(c, DOCTOR_PROBLEM, "auth",
		    wanted ? "auth on" : NULL, "offered%s: %s; %s",
		    in->tls ? " after TLS" : "", in->auth_offered, e.text);
		return;
	}
	doctor_emit(c, DOCTOR_OK, "auth", NULL,
	    "offered%s: %s; postern picks %s", in->tls ? " after TLS" : "",
	    in->auth_offered, mech);
}

/* The account's port, not among the probed ones, whatever its number. */
static void
doctor_own_port(struct doctor_ctx *c, struct smtp_params *p)
{
	bool greeted = false;
	struct err e;

	p->greeted = &greeted;
	(void)doctor_probe(p, &c->extra);
	p->greeted = NULL;
	if (c->extra.ok)
		c->ap = &c->extra;
	e = c->extra.e;
	if (!c->extra.ok && mistake_tls_mode(p, greeted, &e)) {
		doctor_emit(c, DOCTOR_PROBLEM, "tls mode",
		    p->tls == SMTP_TLS_STARTTLS ? "tls_starttls off"
		                                : "tls_starttls on",
		    "%s", e.text);
		return;
	}
	doctor_report_probe(c, p, &c->extra, true);
}

void
doctor_check_submission(struct doctor_ctx *c)
{
	static const enum smtp_tls_mode modes[] = { SMTP_TLS_NONE,
		SMTP_TLS_STARTTLS, SMTP_TLS_IMPLICIT };
	const struct account *a = c->acct;
	enum smtp_tls_mode mine = deliver_tls_mode(a);
	struct smtp_params p;
	char port[16];
	int i;
	bool found = false;

	for (i = DOCTOR_P587; i <= DOCTOR_P465; i++) {
		if (c->o->ports[i] == 0)
			continue;
		doctor_params(a, c->acct_port, sizeof(c->acct_port),
		    c->o->timeout, &p);
		(void)snprintf(port, sizeof(port), "%u", c->o->ports[i]);
		p.port = port;
		p.tls = modes[i];
		(void)doctor_probe(&p, &c->probe[i]);
		if (a->port == c->o->ports[i] && mine == modes[i]) {
			found = true;
			if (c->probe[i].ok)
				c->ap = &c->probe[i];
		}
		doctor_report_probe(c, &p, &c->probe[i],
		    a->port == c->o->ports[i] && mine == modes[i]);
	}
	doctor_params(a, c->acct_port, sizeof(c->acct_port), c->o->timeout, &p);
	if (!found && !doctor_mismatch(c, mine))
		doctor_own_port(c, &p);
	if (c->ap == NULL)
		return;
	doctor_check_cert(c, &c->ap->info);
	doctor_check_auth(c, &c->ap->info);
}
