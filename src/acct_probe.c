/*
 * acct_probe.c: --configure ADDRESS (see acct_probe.h): SRV
 * records first, then smtp. and mail. on the submission ports, each
 * candidate probed, and the account block for the first that answers.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "acct_probe.h"
#include "dns.h"
#include "idn.h"
#include "util.h"

struct acct_probe_cand {
	char host[DNS_NAME_TEXT];
	unsigned port;
	enum smtp_tls_mode tls;
	char via[DNS_NAME_TEXT]; /* the SRV name it came from, or "" */
	struct doctor_probe pr;
};

/* Whether the candidate answers (a refused certificate still does). */
static bool
acct_probe_one(const struct acct_probe_opts *o, struct acct_probe_cand *c,
    struct buf *notes)
{
	struct smtp_params p;
	char port[16];

	memset(&p, 0, sizeof(p));
	(void)snprintf(port, sizeof(port), "%u", c->port);
	p.host = c->host;
	p.port = port;
	p.tls = c->tls;
	p.timeout = o->timeout;
	if (doctor_probe(&p, &c->pr) == 0) {
		(void)buf_printf(notes, "%s port %u (%s) answers: %s\n",
		    c->host, c->port,
		    c->tls == SMTP_TLS_IMPLICIT ? "implicit TLS" : "STARTTLS",
		    c->pr.info.greeting);
		return true;
	}
	(void)buf_printf(notes, "%s port %u (%s): %s\n", c->host, c->port,
	    c->tls == SMTP_TLS_IMPLICIT ? "implicit TLS" : "STARTTLS",
	    c->pr.e.text);
	return c->pr.e.cls == ERR_NOPERM;
}

/* 1 found (in c), 0 not, -1 never (DNS failures are notes). svc is the
 * SRV service of the TLS mode tls. */
static int
acct_probe_srv(const struct acct_probe_opts *o, const char *svc,
    enum smtp_tls_mode tls, const char *domain, struct acct_probe_cand *c,
    struct buf *notes)
{
	char name[DNS_NAME_TEXT];
	struct dns_srv v[DNS_SRV_MAX];
	size_t n = 0, i;
	struct err e;

	(void)snprintf(name, sizeof(name), "%s.%s", svc, domain);
	err_clear(&e);
	if (dns_srv_lookup(name, o->timeout, v, DNS_SRV_MAX, &n, &e) == -1) {
		(void)buf_printf(notes, "SRV %s: %s\n", name, e.text);
		return 0;
	}
	if (n == 0)
		(void)buf_printf(notes, "SRV %s: none\n", name);
	for (i = 0; i < n; i++) {
		(void)buf_printf(notes,
		    "SRV %s: %s port %u (priority %u, weight %u; from DNS, not authenticated)\n",
		    name, v[i].target, v[i].port, v[i].priority, v[i].weight);
		if (strcmp(v[i].target, ".") == 0) {
			(void)buf_printf(notes,
			    "SRV %s: \".\": the domain offers no such service\n",
			    name);
			return 0;
		}
		if (!dns_name_safe(v[i].target) || v[i].port == 0) {
			(void)buf_printf(notes,
			    "SRV %s: target refused: not a plain host name and port\n",
			    name);
			continue;
		}
		(void)strlcpy(c->host, v[i].target, sizeof(c->host));
		c->port = v[i].port;
		c->tls = tls;
		(void)strlcpy(c->via, name, sizeof(c->via));
		if (acct_probe_one(o, c, notes))
			return 1;
	}
	return 0;
}

/* smtp.DOMAIN and mail.DOMAIN on 465 then 587. */
static int
acct_probe_guess(const struct acct_probe_opts *o, const char *domain,
    struct acct_probe_cand *c, struct buf *notes)
{
	static const char *const pre[] = { "smtp", "mail" };
	static const int which[] = { DOCTOR_P465, DOCTOR_P587 };
	size_t i, k;

	for (i = 0; i < ARRAY_SIZE(pre); i++)
		for (k = 0; k < ARRAY_SIZE(which); k++) {
			if (o->ports[which[k]] == 0)
				continue;
			(void)snprintf(c->host, sizeof(c->host), "%s.%s",
			    pre[i], domain);
			c->port = o->ports[which[k]];
			c->tls = which[k] == DOCTOR_P465 ? SMTP_TLS_IMPLICIT
			                                 : SMTP_TLS_STARTTLS;
			c->via[0] = '\0';
			if (acct_probe_one(o, c, notes))
				return 1;
		}
	return 0;
}

static void
acct_probe_block(const struct acct_probe_opts *o, const char *name,
    const struct acct_probe_cand *c, struct buf *out)
{
	(void)buf_printf(out,
	    "# postern account for %s (postern --configure)\n", o->address);
	if (c->via[0] != '\0')
		(void)buf_printf(out,
		    "# The server name comes from the DNS record %s, which is\n"
		    "# not authenticated: make sure %s is your provider's\n"
		    "# submission server before you use this account.\n",
		    c->via, c->host);
	else
		(void)buf_printf(out,
		    "# Found by trying %s: make sure it is your provider's\n"
		    "# submission server before you use this account.\n",
		    c->host);
	if (!c->pr.ok)
		(void)buf_printf(out,
		    "# Warning: its certificate was refused: %s\n"
		    "# (postern --serverinfo -a %s shows it)\n",
		    c->pr.e.text, name);
	(void)buf_printf(out,
	    "account %s\nhost %s\nport %u\ntls on\ntls_starttls %s\n"
	    "auth on\nuser %s\nfrom %s\n\naccount default : %s\n\n"
	    "# Then store the password in the keyring:\n"
	    "#   postern --store-password %s\n",
	    name, c->host, c->port, c->tls == SMTP_TLS_IMPLICIT ? "off" : "on",
	    o->address, o->address, name, name);
}

int
acct_probe_run(const struct acct_probe_opts *o, struct buf *out,
    struct buf *notes, struct err *e)
{
	const char *at = strrchr(o->address, '@');
	char domain[IDN_NAME_MAX];
	struct acct_probe_cand c;

	if (at == NULL || at == o->address || at[1] == '\0' ||
	    strpbrk(o->address, " \t\"<>()") != NULL)
		return err_set(e, ERR_USAGE,
		    "--configure %s: give an address, e.g. you@example.org",
		    o->address);
	if (idn_to_ascii("domain", at + 1, domain, sizeof(domain), e) == -1)
		return -1;
	if (!dns_name_safe(domain) || strchr(domain, '.') == NULL)
		return err_set(e, ERR_USAGE,
		    "--configure %s: %s is not a mail domain", o->address,
		    domain);
	memset(&c, 0, sizeof(c));
	if (acct_probe_srv(o, "_submissions._tcp", SMTP_TLS_IMPLICIT, domain,
	        &c, notes) == 1 ||
	    acct_probe_srv(o, "_submission._tcp", SMTP_TLS_STARTTLS, domain, &c,
	        notes) == 1 ||
	    acct_probe_guess(o, domain, &c, notes) == 1) {
		acct_probe_block(o, domain, &c, out);
		return 0;
	}
	return err_set(e, ERR_UNAVAILABLE,
	    "no submission server found for %s: no SRV record answered and neither smtp.%s nor mail.%s answers on the submission ports; ask your provider for the server name",
	    at + 1, domain, domain);
}
