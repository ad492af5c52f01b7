/*
 * conf_keys.c: every configuration key, declared once (see conf.h).
 *
 * The table gives each key its type, the struct account field it fills,
 * bounds, choices, default and a line of help, in the manner of tmux's
 * options-table.c. Setting, copying, freeing and printing are written
 * once per type, not once per key. Legacy msmtp names are mapped onto
 * table keys here; msmtp keys postern cannot honour are refused with the
 * reason, because ignoring a key that changes where mail goes (a proxy,
 * a socket) would be worse than stopping.
 */
#include "config.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "conf.h"
#include "queue_defaults.h"
#include "util.h"

#define OFF(f) offsetof(struct account, f)
#define DAY (24U * 3600U)

static const char *const conf_auth_choices[] = { "off", "on", "plain", "login",
	"cram-md5", "digest-md5", "scram-sha-1", "scram-sha-1-plus",
	"scram-sha-256", "scram-sha-256-plus", "gssapi", "external", "ntlm",
	"oauthbearer", "xoauth2", NULL };
static const char *const conf_hdr_choices[] = { "auto", "on", "off", NULL };
static const char *const conf_hdra_choices[] = { "auto", "off", NULL };
static const char *const conf_ret_choices[] = { "off", "hdrs", "full", NULL };
static const char *const conf_proto_choices[] = { "smtp", NULL };
static const char *const conf_syslog_choices[] = { "off", "on", "LOG_USER",
	"LOG_MAIL", "LOG_LOCAL0", "LOG_LOCAL1", "LOG_LOCAL2", "LOG_LOCAL3",
	"LOG_LOCAL4", "LOG_LOCAL5", "LOG_LOCAL6", "LOG_LOCAL7", NULL };

#define K(n, t, f, d, h)                                                       \
	{                                                                      \
		n, t, OFF(f), 0, 0, NULL, d, h, 0                              \
	}
#define KC(n, t, f, d, h)                                                      \
	{                                                                      \
		n, t, OFF(f), 0, 0, NULL, d, h, CONF_K_COMPUTED                \
	}
#define KU(n, f, lo, hi, d, h, fl)                                             \
	{                                                                      \
		n, CONF_UINT, OFF(f), lo, hi, NULL, d, h, fl                   \
	}
#define KE(n, f, c, d, h)                                                      \
	{                                                                      \
		n, CONF_ENUM, OFF(f), 0, 0, c, d, h, 0                         \
	}

const struct conf_key conf_keys[] = {
	K("host", CONF_STRING, host, NULL, "the submission server"),
	KU("port", port, 1, 65535, "587, or 465 with tls_starttls off",
	    "the server's port", CONF_K_COMPUTED),
	K("tls", CONF_BOOL, tls, "on", "use TLS (off is for a local relay)"),
	KC("tls_starttls", CONF_BOOL, tls_starttls, "on, off for port 465",
	    "STARTTLS (on) or TLS from the first byte (off)"),
	K("tls_trust_file", CONF_PATH, tls_trust_file, "system",
	    "CA certificates to verify the server, or system"),
	K("tls_fingerprint", CONF_STRING, tls_fingerprint, NULL,
	    "SHA-256 fingerprint (hex pairs and colons) to pin instead"),
	K("tls_cert_file", CONF_PATH, tls_cert_file, NULL,
	    "client certificate (PEM)"),
	K("tls_key_file", CONF_PATH, tls_key_file, NULL,
	    "key of the client certificate (PEM)"),
	K("tls_priorities", CONF_STRING, tls_priorities, NULL,
	    "GnuTLS priority string"),
	K("tls_host_override", CONF_STRING, tls_host_override, NULL,
	    "name to verify in the certificate instead of host"),
	K("tls_certcheck", CONF_BOOL, tls_certcheck, "on",
	    "verify the server certificate"),
	K("tls_session_cache", CONF_BOOL, tls_session_cache, "on",
	    "resume TLS sessions (kept in $XDG_STATE_HOME/postern/tls)"),
	KU("timeout", timeout, 0, DAY, "60",
	    "seconds to wait for each command; off for none",
	    CONF_K_DURATION | CONF_K_OFF),
	KU("data_timeout", data_timeout, 0, DAY, "600",
	    "seconds to wait for the reply after the end of the message; "
	    "off for the same as timeout",
	    CONF_K_DURATION | CONF_K_OFF),
	K("source_ip", CONF_STRING, source_ip, NULL,
	    "local address to connect from"),
	K("ipv4", CONF_BOOL, ipv4, "on", "connect over IPv4"),
	K("ipv6", CONF_BOOL, ipv6, "on", "connect over IPv6"),
	K("domain", CONF_STRING, domain, "localhost", "argument of EHLO"),
	KE("protocol", protocol, conf_proto_choices, "smtp",
	    "only smtp (no lmtp)"),
	{ "auth", CONF_ENUM, OFF(auth), 0, 0, conf_auth_choices,
	    "on when user is set, else off",
	    "SMTP AUTH: on (best offered), off, or a mechanism",
	    CONF_K_COMPUTED },
	K("user", CONF_STRING, user, NULL, "user name for AUTH"),
	K("password", CONF_SECRET, password, NULL,
	    "password (prefer the keyring or passwordeval)"),
	K("passwordeval", CONF_CMD, passwordeval, NULL,
	    "command whose first output line is the password"),
	K("keyring", CONF_BOOL, keyring, "on",
	    "look the password up in the Secret Service keyring"),
	K("from", CONF_STRING, from, NULL,
	    "envelope sender; a glob selects the account for -f"),
	K("from_full_name", CONF_STRING, from_full_name, NULL,
	    "full name for a From header postern adds"),
	K("allow_from_override", CONF_BOOL, allow_from_override, "on",
	    "let -f replace from"),
	K("dsn_notify", CONF_STRING, dsn_notify, NULL,
	    "DSN NOTIFY: off, never, or success,failure,delay"),
	KE("dsn_return", dsn_return, conf_ret_choices, "off",
	    "DSN RET: off, hdrs or full"),
	KE("set_from_header", set_from_header, conf_hdr_choices, "auto",
	    "add a missing From (auto), always replace it (on), never (off)"),
	KE("set_date_header", set_date_header, conf_hdra_choices, "auto",
	    "add a missing Date"),
	KE("set_msgid_header", set_msgid_header, conf_hdra_choices, "auto",
	    "add a missing Message-ID"),
	K("remove_bcc_headers", CONF_BOOL, remove_bcc_headers, "on",
	    "remove Bcc and Resent-Bcc"),
	K("undisclosed_recipients", CONF_BOOL, undisclosed_recipients, "off",
	    "replace To, Cc and Bcc with undisclosed-recipients:;"),
	K("aliases", CONF_PATH, aliases, NULL,
	    "alias file for local names (local: address, ...)"),
	K("local_domain", CONF_STRING, local_domain, NULL,
	    "domain that qualifies bare local names"),
	K("logfile", CONF_PATH, logfile, NULL, "log one line per message"),
	K("logfile_time_format", CONF_STRING, logfile_time_format, NULL,
	    "strftime format of the log file's time stamps"),
	KE("syslog", syslog, conf_syslog_choices, "LOG_MAIL",
	    "log to syslog: off, on (LOG_USER), or a facility"),
	K("queue", CONF_BOOL, queue, "on",
	    "queue the message when delivery fails temporarily"),
	KC("queue_dir", CONF_PATH, queue_dir, "$XDG_STATE_HOME/postern/queue",
	    "queue directory"),
	KU("queue_lifetime", queue_lifetime, 60, 365 * DAY,
	    QUEUE_LIFETIME_DEFAULT_TEXT,
	    "give up on a queued message after this long", CONF_K_DURATION),
	KU("retry_min", retry_min, 1, 30 * DAY, QUEUE_RETRY_MIN_DEFAULT_TEXT,
	    "first retry delay (doubling)", CONF_K_DURATION),
	KU("retry_max", retry_max, 1, 30 * DAY, QUEUE_RETRY_MAX_DEFAULT_TEXT,
	    "longest retry delay", CONF_K_DURATION),
	K("queue_only", CONF_BOOL, queue_only, "off",
	    "always queue, never connect at submission (like -odq)"),
};
const size_t conf_nkeys = sizeof(conf_keys) / sizeof(conf_keys[0]);

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

	if (*v == '\0' && k->choices == conf_auth_choices)
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

	if (strcmp(k->name, "tls_fingerprint") == 0 && n > 0) {
		for (i = 0; i < n; i++)
			if ((i % 3 == 2) ? v[i] != ':'
			                 : strchr("0123456789abcdefABCDEF",
			                       v[i]) == NULL)
				break;
		if (i < n || (n != 95 && n != 59))
			return buf_printf(why,
			           "tls_fingerprint expects a "
			           "SHA-256 (or SHA-1) fingerprint as hex pairs "
			           "separated by colons"),
			       -1;
	}
	if (strcmp(k->name, "dsn_notify") == 0 && !conf_dsn_notify_ok(v))
		return buf_printf(why,
		           "dsn_notify expects off, never, or a "
		           "list of success, failure and delay"),
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
conf_auth_mechanism(int auth)
{
	static const char *const mech[] = { NULL, NULL, "PLAIN", "LOGIN",
		"CRAM-MD5", "DIGEST-MD5", "SCRAM-SHA-1", "SCRAM-SHA-1-PLUS",
		"SCRAM-SHA-256", "SCRAM-SHA-256-PLUS", "GSSAPI", "EXTERNAL",
		"NTLM", "OAUTHBEARER", "XOAUTH2" };
	_Static_assert(ARRAY_SIZE(mech) == ARRAY_SIZE(conf_auth_choices) - 1,
	    "one mechanism name per auth choice");

	if (auth < 0 || (size_t)auth >= ARRAY_SIZE(mech))
		return NULL;
	return mech[auth];
}

const char *
conf_syslog_name(int syslog)
{
	if (syslog < 0 || syslog >= (int)ARRAY_SIZE(conf_syslog_choices) - 1)
		return "off";
	return conf_syslog_choices[syslog];
}
