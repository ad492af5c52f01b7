/*
 * doctor_fmt.c: the pure parts of --doctor and --serverinfo: a check as
 * text (with colours on a terminal), human sizes, days until a
 * certificate expires, the CN of a DN, the --probe-ports list and how a
 * connect failed. No I/O here; test_doctor covers all of it.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "doctor.h"
#include "util.h"

static const char *const doctor_names[] = {
	[DOCTOR_OK] = "OK",
	[DOCTOR_INFO] = "INFO",
	[DOCTOR_WARN] = "WARN",
	[DOCTOR_PROBLEM] = "PROBLEM",
};
_Static_assert(ARRAY_SIZE(doctor_names) == DOCTOR_PROBLEM + 1,
    "a name for every verdict");

static const char *const doctor_colors[] = {
	[DOCTOR_OK] = "\033[32m",        /* green */
	[DOCTOR_INFO] = "\033[34m",      /* blue */
	[DOCTOR_WARN] = "\033[33m",      /* yellow */
	[DOCTOR_PROBLEM] = "\033[1;31m", /* bold red */
};
_Static_assert(ARRAY_SIZE(doctor_colors) == ARRAY_SIZE(doctor_names),
    "a colour for every verdict");

const char *
doctor_verdict_name(enum doctor_verdict v)
{
	return (unsigned)v < ARRAY_SIZE(doctor_names) ? doctor_names[v] : "?";
}

int
doctor_format(const struct doctor_check *c, bool color, struct buf *out)
{
	const char *name = doctor_verdict_name(c->verdict);
	const char *p = c->fix, *nl;
	int r;

	if (color)
		r = buf_printf(out, "%s%-7s\033[0m  %s: %s\n",
		    doctor_colors[c->verdict], name, c->topic, c->text);
	else
		r = buf_printf(out, "%-7s  %s: %s\n", name, c->topic, c->text);
	while (r == 0 && *p != '\0') {
		nl = strchr(p, '\n');
		if (nl == NULL)
			nl = p + strlen(p);
		r = buf_printf(out, "%9sfix: %.*s\n", "", (int)(nl - p), p);
		p = *nl ? nl + 1 : nl;
	}
	return r;
}

bool
doctor_color_wanted(bool isatty, const char *no_color)
{
	return isatty && (no_color == NULL || *no_color == '\0');
}

void
doctor_human_size(uint64_t n, char *out, size_t cap)
{
	static const char *const unit[] = { "KiB", "MiB", "GiB", "TiB" };
	uint64_t div = 1024, whole, frac;
	size_t u = 0;

	if (n < 1024) {
		(void)snprintf(out, cap, "%llu bytes", (unsigned long long)n);
		return;
	}
	while (u + 1 < ARRAY_SIZE(unit) && n / div >= 1024) {
		div *= 1024;
		u++;
	}
	/* One decimal, rounded half up, in integers (no overflow). */
	whole = n / div;
	frac = ((n % div) * 10 + div / 2) / div;
	if (frac == 10) {
		whole++;
		frac = 0;
	}
	(void)snprintf(out, cap, "%llu.%llu %s", (unsigned long long)whole,
	    (unsigned long long)frac, unit[u]);
}

/* n decimal digits at *p into *v; advances p. */
static int
doctor_digits(const char **p, int n, int *v)
{
	*v = 0;
	for (; n > 0; n--, (*p)++) {
		if (**p < '0' || **p > '9')
			return -1;
		*v = *v * 10 + (**p - '0');
	}
	return 0;
}

static int
doctor_expect(const char **p, char c)
{
	if (**p != c)
		return -1;
	(*p)++;
	return 0;
}

int
doctor_days_left(const char *s, time_t now, long *days)
{
	struct tm tm;
	time_t t;
	const char *p = s;

	memset(&tm, 0, sizeof(tm));
	if (doctor_digits(&p, 4, &tm.tm_year) == -1 ||
	    doctor_expect(&p, '-') == -1 ||
	    doctor_digits(&p, 2, &tm.tm_mon) == -1 ||
	    doctor_expect(&p, '-') == -1 ||
	    doctor_digits(&p, 2, &tm.tm_mday) == -1 ||
	    doctor_expect(&p, ' ') == -1 ||
	    doctor_digits(&p, 2, &tm.tm_hour) == -1 ||
	    doctor_expect(&p, ':') == -1 ||
	    doctor_digits(&p, 2, &tm.tm_min) == -1 ||
	    doctor_expect(&p, ':') == -1 ||
	    doctor_digits(&p, 2, &tm.tm_sec) == -1 || strcmp(p, " UTC") != 0)
		return -1;
	if (tm.tm_mon < 1 || tm.tm_mon > 12 || tm.tm_mday < 1 ||
	    tm.tm_mday > 31 || tm.tm_hour > 23 || tm.tm_min > 59 ||
	    tm.tm_sec > 60)
		return -1;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	if ((t = timegm(&tm)) == (time_t)-1)
		return -1;
	*days = (long)((t - now) / 86400);
	if (t < now && (now - t) % 86400 != 0)
		(*days)--; /* round towards the past: -0.5 days is -1 */
	return 0;
}

void
doctor_dn_cn(const char *dn, char *out, size_t cap)
{
	const char *p = dn, *end;
	size_t n;

	out[0] = '\0';
	for (; p != NULL && *p != '\0';
	     p = strchr(p, ',') ? strchr(p, ',') + 1 : NULL) {
		if (strncasecmp(p, "CN=", 3) != 0)
			continue;
		p += 3;
		end = p + strcspn(p, ",+");
		n = (size_t)(end - p);
		if (n >= cap)
			n = cap - 1;
		memcpy(out, p, n);
		out[n] = '\0';
		return;
	}
}

int
doctor_parse_ports(const char *s, unsigned ports[DOCTOR_NPORTS], struct err *e)
{
	const char *p = s, *why = "too many ports";
	char num[8];
	uint64_t v;
	size_t i, n;

	for (i = 0; i < DOCTOR_NPORTS; i++) {
		n = strcspn(p, ",");
		if (n == 0 || n >= sizeof(num))
			goto bad_num;
		memcpy(num, p, n);
		num[n] = '\0';
		if (util_parse_uint(num, 0, 65535, &v, &why) == -1)
			goto bad;
		ports[i] = (unsigned)v;
		p += n;
		if (*p == '\0')
			return 0;
		p++;
	}
	why = "more than three ports";
	goto bad;
bad_num:
	why = "not a port number";
bad:
	return err_set(e, ERR_USAGE,
	    "--probe-ports %s: %s (use SMTP,SUBMISSION,SUBMISSIONS, e.g. 25,587,465; 0 skips one)",
	    s, why);
}

static const char *const doctor_conn_fail_names[] = {
	[DOCTOR_CONN_NONE] = "",
	[DOCTOR_CONN_TIMEDOUT] = "timed out",
	[DOCTOR_CONN_REFUSED] = "refused",
	[DOCTOR_CONN_RESET] = "reset",
	[DOCTOR_CONN_UNREACHABLE] = "unreachable",
};
_Static_assert(ARRAY_SIZE(doctor_conn_fail_names) == DOCTOR_CONN_COUNT,
    "one name per connect failure");

const char *
doctor_conn_fail_name(enum doctor_conn_fail f)
{
	return (unsigned)f < DOCTOR_CONN_COUNT ? doctor_conn_fail_names[f] : "";
}

enum doctor_conn_fail
doctor_connect_failure(const struct err *e)
{
	switch (e->reason) {
	case ERR_REASON_CONNECT_TIMEDOUT:
		return DOCTOR_CONN_TIMEDOUT;
	case ERR_REASON_CONNECT_REFUSED:
		return DOCTOR_CONN_REFUSED;
	case ERR_REASON_CONNECT_RESET:
	case ERR_REASON_RESET:
		return DOCTOR_CONN_RESET;
	case ERR_REASON_CONNECT_UNREACHABLE:
		return DOCTOR_CONN_UNREACHABLE;
	default:
		return DOCTOR_CONN_NONE;
	}
}
