/*
 * serverinfo.c: --serverinfo (see serverinfo.h). One probe session with
 * the account's settings (doctor.h), formatted as "label: value" lines.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "doctor.h"
#include "sasl.h"
#include "serverinfo.h"
#include "util.h"
#include "vis.h"

#define SI_FMT "%-16s%s\n"

/* One extension line; SIZE gets its human size. */
static void
serverinfo_ext(const char *l, size_t n, bool first, struct buf *out)
{
	uint64_t v;
	const char *why;
	char num[24], human[32];

	(void)buf_printf(out, "%-16s%.*s", first ? "extensions:" : "", (int)n,
	    l);
	if (n > 5 && strncasecmp(l, "SIZE ", 5) == 0 && n - 5 < sizeof(num)) {
		memcpy(num, l + 5, n - 5);
		num[n - 5] = '\0';
		if (util_parse_uint(num, 0, UINT64_MAX, &v, &why) == 0) {
			doctor_human_size(v, human, sizeof(human));
			(void)buf_printf(out, " (%s)",
			    v ? human : "no limit given");
		}
	}
	(void)buf_add_char(out, '\n');
}

static void
serverinfo_exts(const char *ext, struct buf *out)
{
	const char *nl;
	bool first = true;

	for (; *ext != '\0' && (nl = strchr(ext, '\n')) != NULL; ext = nl + 1) {
		serverinfo_ext(ext, (size_t)(nl - ext), first, out);
		first = false;
	}
	if (first)
		(void)buf_printf(out, SI_FMT, "extensions:", "(none)");
}

static void
serverinfo_auth(const struct account *a, const struct smtp_info *in,
    struct buf *out)
{
	char mech[SASL_MECH_MAX];
	struct err e;

	if (!(in->caps & SMTP_CAP_AUTH)) {
		(void)buf_printf(out, SI_FMT, "auth:", "(not offered)");
		return;
	}
	err_clear(&e);
	if (sasl_choose(in->auth_offered, conf_auth_mechanism(a->auth), in->tls,
	        !a->tls, in->tls, mech, &e) == 0)
		(void)buf_printf(out, "%-16s%s (postern would use %s)\n",
		    "auth:", in->auth_offered, mech);
	else
		(void)buf_printf(out, "%-16s%s (%s)\n",
		    "auth:", in->auth_offered, e.text);
}

static void
serverinfo_cert(const struct smtp_info *in, const char *verified,
    struct buf *out)
{
	long days;

	(void)buf_printf(out, "%-16s%s, cipher %s\n", "tls:", in->cert.version,
	    in->cert.cipher);
	(void)buf_printf(out, SI_FMT, "subject:", in->cert.subject);
	(void)buf_printf(out, SI_FMT, "issuer:", in->cert.issuer);
	if (doctor_days_left(in->cert.not_after, time(NULL), &days) == 0)
		(void)buf_printf(out, "%-16s%s (%ld days %s)\n",
		    "expires:", in->cert.not_after, days < 0 ? -days : days,
		    days < 0 ? "ago" : "left");
	else
		(void)buf_printf(out, SI_FMT, "expires:", in->cert.not_after);
	(void)buf_printf(out, SI_FMT, "verified:", verified);
	(void)buf_printf(out, SI_FMT, "sha-256:", in->cert.sha256);
	(void)buf_printf(out, "%-16stls_fingerprint %s\n",
	    "pin with:", in->cert.sha256);
}

static void
serverinfo_lines(const struct account *a, const struct smtp_params *p,
    const struct doctor_probe *pr, const char *verified, struct buf *out)
{
	(void)buf_printf(out, "%-16s%s port %s (%s)\n", "server:", p->host,
	    p->port,
	    p->tls == SMTP_TLS_STARTTLS   ? "STARTTLS"
	        : p->tls == SMTP_TLS_NONE ? "no TLS"
	                                  : "implicit TLS");
	(void)buf_printf(out, SI_FMT, "banner:", pr->info.greeting);
	if (pr->info.ehlo_host[0] != '\0')
		(void)buf_printf(out, SI_FMT, "ehlo name:", pr->info.ehlo_host);
	serverinfo_exts(pr->ext, out);
	serverinfo_auth(a, &pr->info, out);
	if (pr->info.tls)
		serverinfo_cert(&pr->info, verified, out);
	else
		(void)buf_printf(out, SI_FMT, "tls:", "none");
}

/* The lines, with what the server sent made visible (vis.h). */
static void
serverinfo_format(const struct account *a, const struct smtp_params *p,
    const struct doctor_probe *pr, const char *verified, struct buf *out)
{
	struct buf raw;

	buf_init(&raw, out->max);
	serverinfo_lines(a, p, pr, verified, &raw);
	(void)vis_buf(out, raw.data ? raw.data : "", raw.len, "\n");
	buf_free(&raw);
}

int
serverinfo_run(const struct account *a, unsigned timeout, struct buf *out,
    struct err *e)
{
	struct doctor_probe pr, raw;
	struct smtp_params p;
	char port[16], verified[ERR_TEXT_MAX + 16];

	if (a->host == NULL)
		return err_set(e, ERR_CONFIG, "account %s has no host",
		    a->name);
	doctor_params(a, port, sizeof(port), timeout, &p);
	if (doctor_probe(&p, &pr) == 0) {
		serverinfo_format(a, &p, &pr,
		    tls_verify_name(pr.info.cert.verify), out);
		return 0;
	}
	*e = pr.e;
	if (pr.e.cls != ERR_NOPERM)
		return -1;
	/* The certificate was refused: show it anyway, verified by nothing. */
	p.tls_no_certcheck = true;
	p.tls_fingerprint = NULL;
	if (doctor_probe(&p, &raw) == 0) {
		(void)snprintf(verified, sizeof(verified), "REFUSED: %s",
		    pr.e.text);
		serverinfo_format(a, &p, &raw, verified, out);
	}
	return -1;
}
