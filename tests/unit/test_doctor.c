/*
 * test_doctor.c: the pure parts of --doctor, --serverinfo and
 * --configure: verdict lines (with and without colour, fix lines),
 * NO_COLOR, human sizes, days until a certificate expires, the CN of a
 * DN, --probe-ports, how a connect failed, and the SRV answer parser on
 * good, compressed, hostile and truncated answers.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "dns.h"
#include "doctor.h"
#include "tap.h"

static const char *
fmt(enum doctor_verdict v, const char *topic, const char *text, const char *fix,
    bool color)
{
	static char got[4096];
	struct doctor_check c;
	struct buf b;

	memset(&c, 0, sizeof(c));
	c.verdict = v;
	(void)snprintf(c.topic, sizeof(c.topic), "%s", topic);
	(void)snprintf(c.text, sizeof(c.text), "%s", text);
	(void)snprintf(c.fix, sizeof(c.fix), "%s", fix);
	buf_init(&b, 4096);
	(void)doctor_format(&c, color, &b);
	(void)snprintf(got, sizeof(got), "%s", buf_str(&b));
	buf_free(&b);
	return got;
}

static void
test_format(void)
{
	IS_STR(fmt(DOCTOR_OK, "config", "/x (mode 0600)", "", false),
	    "OK       config: /x (mode 0600)\n", "OK line");
	IS_STR(fmt(DOCTOR_PROBLEM, "tls mode", "mismatch", "tls_starttls off",
	           false),
	    "PROBLEM  tls mode: mismatch\n         fix: tls_starttls off\n",
	    "PROBLEM with one fix line");
	IS_STR(fmt(DOCTOR_WARN, "t", "x", "a\nb", false),
	    "WARN     t: x\n         fix: a\n         fix: b\n",
	    "two fix lines");
	IS_STR(fmt(DOCTOR_PROBLEM, "t", "x", "", true),
	    "\033[1;31mPROBLEM\033[0m  t: x\n", "colour: bold red PROBLEM");
	IS_STR(fmt(DOCTOR_OK, "t", "x", "", true),
	    "\033[32mOK     \033[0m  t: x\n", "colour: green OK");
	OK(doctor_color_wanted(true, NULL), "colour on a terminal");
	OK(doctor_color_wanted(true, ""), "empty NO_COLOR is not set");
	OK(!doctor_color_wanted(true, "1"), "NO_COLOR=1 turns it off");
	OK(!doctor_color_wanted(false, NULL), "no colour into a pipe");
	IS_STR(doctor_verdict_name(DOCTOR_INFO), "INFO", "INFO name");
}

static const char *
human(uint64_t n)
{
	static char out[64];

	doctor_human_size(n, out, sizeof(out));
	return out;
}

static void
test_sizes(void)
{
	IS_STR(human(0), "0 bytes", "0");
	IS_STR(human(1023), "1023 bytes", "1023");
	IS_STR(human(1024), "1.0 KiB", "1 KiB");
	IS_STR(human(1536), "1.5 KiB", "1.5 KiB");
	IS_STR(human(10240000), "9.8 MiB", "Postfix's default SIZE");
	IS_STR(human(52428800), "50.0 MiB", "50 MiB");
	IS_STR(human(1048575), "1024.0 KiB", "just under 1 MiB rounds up");
	IS_STR(human(3ULL << 40), "3.0 TiB", "TiB");
	IS_STR(human(UINT64_MAX), "16777216.0 TiB", "largest");
}

static long
days(const char *s, long now)
{
	long d = 12345;

	if (doctor_days_left(s, (time_t)now, &d) == -1)
		return -99999;
	return d;
}

static void
test_days(void)
{
	/* 2024-01-01 00:00:00 UTC = 1704067200 */
	IS_INT(days("2024-01-11 00:00:00 UTC", 1704067200), 10, "10 days");
	IS_INT(days("2024-01-11 23:59:59 UTC", 1704067200), 10, "rounds down");
	IS_INT(days("2024-01-01 00:00:00 UTC", 1704067200), 0, "today");
	IS_INT(days("2023-12-31 12:00:00 UTC", 1704067200), -1,
	    "half a day ago");
	IS_INT(days("2002-01-01 00:00:00 UTC", 1704067200), -8035, "long ago");
	IS_INT(days("2024-02-30 00:00:00 UTC", 1704067200), 60,
	    "timegm normalises Feb 30");
	IS_INT(days("2024-01-11 00:00:00", 1704067200), -99999, "no UTC");
	IS_INT(days("2024-13-11 00:00:00 UTC", 1704067200), -99999, "month 13");
	IS_INT(days("", 1704067200), -99999, "empty");
	IS_INT(days("20x4-01-11 00:00:00 UTC", 1704067200), -99999, "letter");
}

static const char *
cn(const char *dn)
{
	static char out[64];

	doctor_dn_cn(dn, out, sizeof(out));
	return out;
}

static void
test_cn(void)
{
	IS_STR(cn("CN=localhost,O=postern test bed"), "localhost", "first");
	IS_STR(cn("O=x,CN=otherhost.example.test"), "otherhost.example.test",
	    "last");
	IS_STR(cn("O=x,OU=y"), "", "none");
	IS_STR(cn("cn=a.example+UID=3,O=x"), "a.example", "multi-valued RDN");
	IS_STR(
	    cn("CN=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"),
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
	    "truncated to the buffer");
}

static void
test_ports(void)
{
	unsigned p[DOCTOR_NPORTS] = { 25, 587, 465 };
	struct err e;

	OK(doctor_parse_ports("2525,10587,10465", p, &e) == 0, "three ports");
	IS_INT(p[0], 2525, "smtp");
	IS_INT(p[1], 10587, "submission");
	IS_INT(p[2], 10465, "submissions");
	p[1] = 587, p[2] = 465;
	OK(doctor_parse_ports("0", p, &e) == 0, "one port");
	IS_INT(p[0], 0, "0 skips port 25");
	IS_INT(p[1], 587, "587 kept");
	IS_INT(p[2], 465, "465 kept");
	OK(doctor_parse_ports("1,2,3,4", p, &e) == -1, "four refused");
	IS_STR(e.text,
	    "--probe-ports 1,2,3,4: more than three ports (use "
	    "SMTP,SUBMISSION,SUBMISSIONS, e.g. 25,587,465; 0 skips one)",
	    "the message");
	IS_INT(e.cls, ERR_USAGE, "usage error");
	OK(doctor_parse_ports("70000", p, &e) == -1, "too large");
	OK(doctor_parse_ports("25,,465", p, &e) == -1, "empty item");
	OK(doctor_parse_ports("25,x", p, &e) == -1, "letter");
	OK(doctor_parse_ports("", p, &e) == -1, "empty");
	OK(doctor_parse_ports("25,587,", p, &e) == -1, "trailing comma");
}

/* How a connect failed: from the error's reason, whatever its text. */
static enum doctor_conn_fail
conn_fail(enum err_reason r, const char *text)
{
	struct err e;

	(void)err_setr_temp(&e, ERR_TEMP, r, "%s", text);
	return doctor_connect_failure(&e);
}

static void
test_connect_failure(void)
{
	OK(conn_fail(ERR_REASON_CONNECT_TIMEDOUT,
	       "cannot connect to h port 25: Connection timed out") ==
	        DOCTOR_CONN_TIMEDOUT,
	    "time-out");
	OK(conn_fail(ERR_REASON_CONNECT_REFUSED,
	       "cannot connect to h port 25: Connection refused") ==
	        DOCTOR_CONN_REFUSED,
	    "refused");
	OK(conn_fail(ERR_REASON_RESET,
	       "connection reset by 127.0.0.1 port 25") == DOCTOR_CONN_RESET,
	    "reset");
	OK(conn_fail(ERR_REASON_CONNECT_RESET,
	       "cannot connect to h port 25: Connection reset by peer") ==
	        DOCTOR_CONN_RESET,
	    "reset while connecting");
	OK(conn_fail(ERR_REASON_CONNECT_UNREACHABLE,
	       "cannot connect to h port 25: Network is unreachable") ==
	        DOCTOR_CONN_UNREACHABLE,
	    "unreachable");
	OK(conn_fail(ERR_REASON_CONNECT_OTHER,
	       "cannot connect to h port 25: no usable address") ==
	        DOCTOR_CONN_NONE,
	    "another connect failure has no name");
	OK(conn_fail(ERR_REASON_TIMEOUT,
	       "timed out after 10 s waiting for x") == DOCTOR_CONN_NONE,
	    "a later time-out is not a connect failure");
	OK(conn_fail(ERR_REASON_CERT_OTHER, "h: TLS certificate refused: x") ==
	        DOCTOR_CONN_NONE,
	    "a refused certificate is not a refused connection");
	OK(conn_fail(ERR_REASON_NONE,
	       "cannot connect to the D-Bus session bus: Connection refused") ==
	        DOCTOR_CONN_NONE,
	    "the text alone says nothing");
	IS_STR(doctor_conn_fail_name(DOCTOR_CONN_TIMEDOUT), "timed out",
	    "time-out name");
	IS_STR(doctor_conn_fail_name(DOCTOR_CONN_REFUSED), "refused",
	    "refused name");
	IS_STR(doctor_conn_fail_name(DOCTOR_CONN_RESET), "reset", "reset name");
	IS_STR(doctor_conn_fail_name(DOCTOR_CONN_UNREACHABLE), "unreachable",
	    "unreachable name");
}

/* --- SRV answers ------------------------------------------------------ */

static size_t
put_name(unsigned char *p, const char *name)
{
	size_t o = 0, n;

	while (*name != '\0') {
		n = strcspn(name, ".");
		p[o++] = (unsigned char)n;
		memcpy(p + o, name, n);
		o += n;
		name += n;
		if (*name == '.')
			name++;
	}
	p[o++] = 0;
	return o;
}

static size_t
put16(unsigned char *p, unsigned v)
{
	p[0] = (unsigned char)(v >> 8);
	p[1] = (unsigned char)v;
	return 2;
}

/* A header, the question, and the answer count. */
static size_t
msg_start(unsigned char *m, unsigned rcode, unsigned an, const char *q)
{
	size_t o = 0;

	memset(m, 0, 12);
	m[2] = 0x81;
	m[3] = (unsigned char)(0x80 | rcode);
	put16(m + 4, 1);
	put16(m + 6, an);
	o = 12 + put_name(m + 12, q);
	o += put16(m + o, 33);
	o += put16(m + o, 1);
	return o;
}

/* An SRV record whose owner is a pointer to the question (offset 12). */
static size_t
put_srv(unsigned char *m, size_t o, unsigned prio, unsigned w, unsigned port,
    const char *target)
{
	size_t rdlen_at;

	m[o++] = 0xc0;
	m[o++] = 12;
	o += put16(m + o, 33);
	o += put16(m + o, 1);
	memset(m + o, 0, 4), o += 4;
	rdlen_at = o;
	o += 2;
	o += put16(m + o, prio);
	o += put16(m + o, w);
	o += put16(m + o, port);
	o += put_name(m + o, target);
	put16(m + rdlen_at, (unsigned)(o - rdlen_at - 2));
	return o;
}

static void
test_srv(void)
{
	unsigned char m[2048];
	struct dns_srv v[DNS_SRV_MAX];
	size_t o, n = 99, rd;
	struct err e;

	o = msg_start(m, 0, 3, "_submissions._tcp.example.test");
	o = put_srv(m, o, 10, 5, 465, "b.example.test");
	o = put_srv(m, o, 0, 1, 465, "a.example.test");
	o = put_srv(m, o, 10, 50, 587, "c.example.test");
	OK(dns_srv_parse(m, o, v, DNS_SRV_MAX, &n, &e) == 0, "three SRV");
	IS_INT(n, 3, "count");
	IS_STR(v[0].target, "a.example.test", "priority 0 first");
	IS_INT(v[0].port, 465, "its port");
	IS_STR(v[1].target, "c.example.test", "then the heavier of prio 10");
	IS_STR(v[2].target, "b.example.test", "then the lighter");
	IS_INT(v[2].weight, 5, "weight");

	/* The target compressed: "smtp" + a pointer to "example.test". */
	o = msg_start(m, 0, 1, "_submission._tcp.example.test");
	o = put_srv(m, o, 0, 0, 587, "smtp");
	rd = o - 1; /* the root label of "smtp" */
	m[rd] = 0xc0;
	m[rd + 1] = 12 + 12 + 5; /* "example.test" in the question */
	o = rd + 2;
	m[rd - 5 - 6 - 1] += 1; /* RDLENGTH (low byte): one more */
	OK(dns_srv_parse(m, o, v, DNS_SRV_MAX, &n, &e) == 0, "compressed");
	IS_INT(n, 1, "one record");
	IS_STR(v[0].target, "smtp.example.test", "decompressed target");

	o = msg_start(m, 3, 0, "_submissions._tcp.nowhere.test");
	OK(dns_srv_parse(m, o, v, DNS_SRV_MAX, &n, &e) == 0 && n == 0,
	    "NXDOMAIN: no records");
	o = msg_start(m, 0, 0, "_submissions._tcp.example.test");
	OK(dns_srv_parse(m, o, v, DNS_SRV_MAX, &n, &e) == 0 && n == 0,
	    "NODATA: no records");
	o = msg_start(m, 2, 0, "_submissions._tcp.example.test");
	OK(dns_srv_parse(m, o, v, DNS_SRV_MAX, &n, &e) == -1 && e.temporary,
	    "SERVFAIL is temporary");
	o = msg_start(m, 5, 0, "_submissions._tcp.example.test");
	OK(dns_srv_parse(m, o, v, DNS_SRV_MAX, &n, &e) == -1 && !e.temporary,
	    "REFUSED is an error");

	/* The service says "not here". */
	o = msg_start(m, 0, 1, "_submissions._tcp.example.test");
	o = put_srv(m, o, 0, 0, 0, "");
	OK(dns_srv_parse(m, o, v, DNS_SRV_MAX, &n, &e) == 0 && n == 1,
	    "root target parsed");
	IS_STR(v[0].target, ".", "root target is \".\"");

	/* A hostile target is escaped, and refused by dns_name_safe. */
	o = msg_start(m, 0, 1, "_submissions._tcp.example.test");
	o = put_srv(m, o, 0, 0, 465, "evil\033[2J.example.test");
	OK(dns_srv_parse(m, o, v, DNS_SRV_MAX, &n, &e) == 0 && n == 1,
	    "escape bytes parsed");
	IS_STR(v[0].target, "evil\\027\\0912J.example.test",
	    "escaped as \\DDD");
	OK(!dns_name_safe(v[0].target), "and not safe");
	OK(dns_name_safe("smtp.example-1.test"), "a plain name is safe");
	OK(!dns_name_safe("a b.test"), "a blank is not");

	/* Truncation at every length fails cleanly or parses fewer. */
	o = msg_start(m, 0, 1, "_submissions._tcp.example.test");
	o = put_srv(m, o, 0, 0, 465, "a.example.test");
	for (rd = 0; rd < o; rd++)
		if (dns_srv_parse(m, rd, v, DNS_SRV_MAX, &n, &e) == 0 && n > 0)
			break;
	IS_INT(rd, o, "no truncated answer yields a record");

	/* A pointer loop and a forward pointer are refused. */
	o = msg_start(m, 0, 1, "x.test");
	m[o++] = 0xc0;
	m[o] = (unsigned char)(o - 1);
	o++;
	OK(dns_srv_parse(m, o, v, DNS_SRV_MAX, &n, &e) == -1,
	    "self pointer refused");
	o = msg_start(m, 0, 1, "x.test");
	m[o++] = 0xc0;
	m[o++] = 0xff;
	OK(dns_srv_parse(m, o, v, DNS_SRV_MAX, &n, &e) == -1,
	    "forward pointer refused");
	OK(dns_srv_parse(m, 5, v, DNS_SRV_MAX, &n, &e) == -1, "short header");
}

int
main(void)
{
	test_format();
	test_sizes();
	test_days();
	test_cn();
	test_ports();
	test_connect_failure();
	test_srv();
	return tap_done();
}
