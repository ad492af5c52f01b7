/*
 * conf_keys.c: what is done with a key of the table (conf_table.c, see
 * conf.h): look-up by name, and setting, copying, freeing and printing,
 * written once per type, not once per key. Legacy msmtp names are
 * mapped onto table keys here; msmtp keys postern cannot honour are
 * refused with the reason, because ignoring a key that changes where mail
 * goes (a proxy, a socket) would be worse than stopping.
 */
#include "config.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "conf.h"
#include "util.h"

#define DAY (24U * 3600U)

/* msmtp's old names: name, key, value replacing on, value replacing off. */
static const struct {
	const char *name, *key, *on, *off;
} conf_legacy[] = {
	{ "connect_timeout", "timeout", NULL, NULL },
	{ "tls_nocertcheck", "tls_certcheck", "off", "on" },
	{ "tls_nostarttls", "tls_starttls", "off", "on" },
	{ "keepbcc", "remove_bcc_headers", "off", "on" },
	{ "add_missing_from_header", "set_from_header", "auto", "off" },
	{ "add_missing_date_header", "set_date_header", "auto", "off" },
	{ "tls_force_sslv3", NULL, NULL, NULL },
	{ "tls_min_dh_prime_bits", NULL, NULL, NULL },
	{ "ntlmdomain", NULL, NULL, NULL },
};

static const struct {
	const char *name, *why;
} conf_refused[] = {
	{ "eval", "eval is not supported; use passwordeval for the password" },
	{ "proxy_host", "SOCKS proxies are not supported" },
	{ "proxy_port", "SOCKS proxies are not supported" },
	{ "socket", "Unix sockets are not supported; use host and port" },
	{ "tls_crl_file", "tls_crl_file is not supported" },
	{ "auto_from", "auto_from is not supported; set from" },
	{ "maildomain", "maildomain is not supported; set from" },
	{ "set_to_header", "set_to_header is not supported" },
	{ "read_recipients", "read_recipients is a command line option (-t)" },
};

static const struct conf_key *
conf_key_by_name(const char *name)
{
	size_t i;

	for (i = 0; i < conf_nkeys; i++)
		if (strcmp(conf_keys[i].name, name) == 0)
			return &conf_keys[i];
	return NULL;
}

/* An on/off word, with "" meaning on. 1, 0, or -1. */
static int
conf_bool_word(const char *v)
{
	if (*v == '\0' || strcmp(v, "on") == 0)
		return 1;
	return strcmp(v, "off") == 0 ? 0 : -1;
}

int
conf_key_lookup(const char *name, const char **val, const struct conf_key **key,
    const char **why)
{
	size_t i;
	int b;

	if ((*key = conf_key_by_name(name)) != NULL)
		return 0;
	for (i = 0; i < ARRAY_SIZE(conf_refused); i++)
		if (strcmp(conf_refused[i].name, name) == 0) {
			*why = conf_refused[i].why;
			return -1;
		}
	for (i = 0; i < ARRAY_SIZE(conf_legacy); i++) {
		if (strcmp(conf_legacy[i].name, name) != 0)
			continue;
		if (conf_legacy[i].key == NULL)
			return 1;
		*key = conf_key_by_name(conf_legacy[i].key);
		if (conf_legacy[i].on == NULL)
			return 0;
		if ((b = conf_bool_word(*val)) == -1) {
			*why = "expects on or off";
			return -1;
		}
		*val = b ? conf_legacy[i].on : conf_legacy[i].off;
		return 0;
	}
	*why = "unknown key";
	return -1;
}

/* A number, or seconds from "90", "90s", "15m", "2h", "5d". */
static int
conf_parse_uint(const struct conf_key *k, const char *v, unsigned int *out,
    struct buf *why)
{
	static const char units[] = "smhd";
	static const unsigned int mult[] = { 1, 60, 3600, DAY };
	char num[24];
	size_t n = strlen(v);
	const char *u, *w;
	unsigned int m = 1;
	uint64_t x;

	if ((k->flags & CONF_K_OFF) && strcmp(v, "off") == 0) {
		*out = 0;
		return 0;
	}
	if ((k->flags & CONF_K_DURATION) && n > 1 &&
	    (u = strchr(units, v[n - 1])) != NULL) {
		m = mult[u - units];
		n--;
	}
	if (n < sizeof(num)) {
		memcpy(num, v, n);
		num[n] = '\0';
		if (util_parse_uint(num, 0, UINT64_MAX / DAY, &x, &w) == 0 &&
		    x * m >= k->min && x * m <= k->max) {
			*out = (unsigned int)(x * m);
			return 0;
		}
	}
	(void)buf_printf(why, "%s expects a number from %u to %u%s", k->name,
	    k->min, k->max,
	    (k->flags & CONF_K_DURATION) ? " (seconds, or with s, m, h, d)"
	                                 : "");
	return -1;
}

static int
conf_parse_enum(const struct conf_key *k, const char *v, int *out,
    struct buf *why)
{
	int i;

	if (*v == '\0' && k == &conf_keys[CONF_KEY_AUTH])
		v = "on"; /* msmtp: "auth" alone means on */
	for (i = 0; k->choices[i] != NULL; i++)
		if (strcasecmp(k->choices[i], v) == 0) {
			*out = i;
			return 0;
		}
	if (buf_printf(why, "%s expects one of:", k->name) == -1)
		return -1;
	for (i = 0; k->choices[i] != NULL; i++)
		(void)buf_printf(why, " %s", k->choices[i]);
	return -1;
}

/* "", off, never, or a comma list of success, failure, delay. */
static bool
conf_dsn_notify_ok(const char *v)
{
	static const char *const words[] = { "success", "failure", "delay" };
	size_t n, i;

	if (*v == '\0' || strcasecmp(v, "off") == 0 ||
	    strcasecmp(v, "never") == 0)
		return true;
	for (;; v += n + 1) {
		n = strcspn(v, ",");
		for (i = 0; i < ARRAY_SIZE(words); i++)
			if (n == strlen(words[i]) &&
			    strncasecmp(v, words[i], n) == 0)
				break;
		if (i == ARRAY_SIZE(words))
			return false;
		if (v[n] == '\0')
			return true;
	}
}

/* Checks that belong to the value of a single key. */
static int
conf_check_value(const struct conf_key *k, const char *v, struct buf *why)
{
	size_t n = strlen(v), i;

	if (k == &conf_keys[CONF_KEY_TLS_FINGERPRINT] && n > 0) {
		for (i = 0; i < n; i++)
			if ((i % 3 == 2) ? v[i] != ':'
			                 : strchr("0123456789abcdefABCDEF",
			                       v[i]) == NULL)
				break;
		if (i < n || (n != 95 && n != 59))
			return buf_printf(why,
			           "tls_fingerprint expects a SHA-256 (or SHA-1) fingerprint as hex pairs separated by colons"),
			       -1;
	}
	if (k == &conf_keys[CONF_KEY_DSN_NOTIFY] && !conf_dsn_notify_ok(v))
		return buf_printf(why,
		           "dsn_notify expects off, never, or a list of success, failure and delay"),
		       -1;
	return 0;
}

static int
conf_set_string(const struct conf_key *k, char **field, const char *v,
    const char *home, struct buf *why)
{
	char *s;

	if (conf_check_value(k, v, why) == -1)
		return -1;
	if (k->type == CONF_PATH && v[0] == '~' && v[1] == '/' && home)
		s = util_path_join(home, v + 2);
	else
		s = *v ? strdup(v) : NULL;
	if (*v && s == NULL)
		return buf_printf(why, "out of memory"), -1;
	if (k->type == CONF_SECRET && *field != NULL)
		util_freezero(*field, strlen(*field));
	else
		free(*field);
	*field = s;
	return 0;
}

int
conf_key_set(const struct conf_key *k, struct account *a, const char *v,
    const char *home, struct buf *why)
{
	void *f = (char *)a + k->offset;
	int b;

	switch (k->type) {
	case CONF_BOOL:
		if ((b = conf_bool_word(v)) == -1)
			return buf_printf(why, "%s expects on or off", k->name),
			       -1;
		*(bool *)f = b;
		return 0;
	case CONF_UINT:
		return conf_parse_uint(k, v, f, why);
	case CONF_ENUM:
		return conf_parse_enum(k, v, f, why);
	default:
		return conf_set_string(k, f, v, home, why);
	}
}

static bool
conf_is_string(const struct conf_key *k)
{
	return k->type != CONF_BOOL && k->type != CONF_UINT &&
	    k->type != CONF_ENUM;
}

int
conf_key_copy(const struct conf_key *k, struct account *dst,
    const struct account *src)
{
	const void *s = (const char *)src + k->offset;
	void *d = (char *)dst + k->offset;
	char *p = NULL;

	if (k->type == CONF_BOOL)
		*(bool *)d = *(const bool *)s;
	else if (k->type == CONF_UINT)
		*(unsigned int *)d = *(const unsigned int *)s;
	else if (k->type == CONF_ENUM)
		*(int *)d = *(const int *)s;
	else {
		if (*(char *const *)s &&
		    (p = strdup(*(char *const *)s)) == NULL)
			return -1;
		conf_key_free(k, dst);
		*(char **)d = p;
	}
	return 0;
}

void
conf_key_free(const struct conf_key *k, struct account *a)
{
	char **f = (char **)((char *)a + k->offset);

	if (!conf_is_string(k) || *f == NULL)
		return;
	if (k->type == CONF_SECRET)
		util_freezero(*f, strlen(*f));
	else
		free(*f);
	*f = NULL;
}

int
conf_key_print(const struct conf_key *k, const struct account *a,
    struct buf *out)
{
	const void *f = (const char *)a + k->offset;
	const char *s;

	switch (k->type) {
	case CONF_BOOL:
		return buf_add_str(out, *(const bool *)f ? "on" : "off");
	case CONF_UINT:
		return buf_printf(out, "%u", *(const unsigned int *)f);
	case CONF_ENUM:
		return buf_add_str(out, k->choices[*(const int *)f]);
	default:
		s = *(char *const *)f;
		if (s == NULL)
			return buf_add_str(out, "(unset)");
		if (k->type == CONF_SECRET)
			return buf_add_str(out, "********");
		if (strpbrk(s, " \t\"#") != NULL || *s == '\0')
			return buf_printf(out, "\"%s\"", s);
		return buf_add_str(out, s);
	}
}

int
conf_print(const struct account *a, struct buf *out)
{
	size_t i, start;

	if (buf_printf(out, "account %s\t# %s:%u\n", a->name,
	        a->where.file ? a->where.file : "-", a->where.line) == -1)
		return -1;
	for (i = 0; i < conf_nkeys; i++) {
		start = out->len;
		if (buf_printf(out, "%s ", conf_keys[i].name) == -1 ||
		    conf_key_print(&conf_keys[i], a, out) == -1)
			return -1;
		while (out->len - start < 40)
			if (buf_add_char(out, ' ') == -1)
				return -1;
		if (a->origin[i].file != NULL
		        ? buf_printf(out, " # %s:%u\n", a->origin[i].file,
		              a->origin[i].line)
		        : buf_add_str(out, " # default\n"))
			return -1;
	}
	return 0;
}

const char *
conf_trust_file(const struct account *a)
{
	if (a->tls_trust_file == NULL ||
	    strcmp(a->tls_trust_file, "system") == 0)
		return NULL;
	return a->tls_trust_file;
}

const char *
conf_dsn_notify(const struct account *a)
{
	if (a->dsn_notify == NULL || strcasecmp(a->dsn_notify, "off") == 0)
		return NULL;
	return a->dsn_notify;
}
