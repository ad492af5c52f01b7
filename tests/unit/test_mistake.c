/*
 * test_mistake.c: the pure parts of mistake.c: a host name without a
 * dot in a sender, the port/TLS-mode warning, the port 25 hint, the
 * account list with its closest name, and an alias's real account.
 */
#include "config.h"

#include <string.h>

#include "conf.h"
#include "mistake.h"
#include "tap.h"
#include "util.h"

static void
test_bare_host(void)
{
	static const struct {
		const char *in, *want;
		bool bare;
	} cases[] = {
		{ "root@vm", "root", true },
		{ "root@localhost", "root", true },
		{ "root@mail.example.org", "root@mail.example.org", false },
		{ "root@[192.0.2.1]", "root@[192.0.2.1]", false },
		{ "root", "root", false },
		{ "@vm", "@vm", false },
		{ "root@", "root@", false },
	};
	char buf[64];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		(void)strlcpy(buf, cases[i].in, sizeof(buf));
		IS_INT(mistake_bare_host(buf), cases[i].bare, cases[i].in);
		IS_STR(buf, cases[i].want, "what remains");
	}
}

static void
test_port_mode(void)
{
	OK(mistake_port_mode(465, SMTP_TLS_STARTTLS) != NULL,
	    "465 with STARTTLS warns");
	OK(mistake_port_mode(587, SMTP_TLS_IMPLICIT) != NULL,
	    "587 with implicit TLS warns");
	OK(mistake_port_mode(465, SMTP_TLS_IMPLICIT) == NULL, "465 implicit");
	OK(mistake_port_mode(587, SMTP_TLS_STARTTLS) == NULL, "587 STARTTLS");
	OK(mistake_port_mode(2525, SMTP_TLS_STARTTLS) == NULL, "other port");
}

static void
test_port25(void)
{
	struct smtp_params p = { .host = "smtp.example.org", .port = "25" };
	struct err e;

	err_setr_temp(&e, ERR_TEMP, ERR_REASON_CONNECT_REFUSED,
	    "cannot connect to x port 25: refused");
	mistake_port25(&p, &e);
	OK(strstr(e.text, "Outbound Port 25 Blocking") != NULL, "port 25 hint");
	err_setr_temp(&e, ERR_TEMP, ERR_REASON_CONNECT_OTHER,
	    "cannot connect to x port 25: no usable address");
	mistake_port25(&p, &e);
	OK(strstr(e.text, "Outbound Port 25 Blocking") != NULL,
	    "port 25 hint on any connect failure");
	p.port = "587";
	err_setr_temp(&e, ERR_TEMP, ERR_REASON_CONNECT_REFUSED,
	    "cannot connect to x port 587: refused");
	mistake_port25(&p, &e);
	OK(strstr(e.text, "Port 25") == NULL, "no hint on 587");
	p.port = "25";
	err_setr_temp(&e, ERR_TEMP, ERR_REASON_TIMEOUT,
	    "timed out after 60 s waiting for x");
	mistake_port25(&p, &e);
	OK(strstr(e.text, "Port 25") == NULL, "no hint after connecting");
	err_set_temp(&e, ERR_TEMP, "cannot connect to x port 25: refused");
	mistake_port25(&p, &e);
	OK(strstr(e.text, "Port 25") == NULL,
	    "the text alone is no connect failure");
}

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

static void
test_accounts(void)
{
	struct conf c;
	struct err e;

	IS_INT(load(&c,
	           "account isp\nhost h\nfrom a@x.org\naccount work\n"
	           "host w\nfrom b@x.org\naccount default : isp\n"),
	    0, "three accounts");
	err_set(&e, ERR_CONFIG, "no account Isq");
	conf_account_hint(&c, "Isq", &e);
	IS_STR(e.text,
	    "no account Isq; did you mean isp? The accounts are: isp, work, "
	    "default",
	    "close match, case ignored");
	err_set(&e, ERR_CONFIG, "no account zzzzzz");
	conf_account_hint(&c, "zzzzzz", &e);
	IS_STR(e.text,
	    "no account zzzzzz; the accounts are: isp, work, default",
	    "no close match");
	IS_STR(mistake_real(&c, conf_find(&c, "default"))->name, "isp",
	    "default : isp is isp");
	IS_STR(mistake_real(&c, conf_find(&c, "isp"))->name, "isp",
	    "isp is itself");
	conf_free(&c);
	IS_INT(load(&c,
	           "account isp\nhost h\nfrom a@x.org\n"
	           "account default : isp\nfrom c@x.org\n"),
	    0, "a default with a key of its own");
	IS_STR(mistake_real(&c, conf_find(&c, "default"))->name, "default",
	    "is itself");
	conf_free(&c);
}

int
main(void)
{
	test_bare_host();
	test_port_mode();
	test_port25();
	test_accounts();
	return tap_done();
}
