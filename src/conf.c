/*
 * conf.c: the configuration reader, defaults, checks, account selection
 * and --print-config (see conf.h; the keys live in conf_table.c).
 *
 * A file is a sequence of lines; each line is blank, a comment ('#' as
 * its first non-blank byte), or "word [value]":
 *
 *	defaults
 *	tls_trust_file /etc/ssl/certs/ca-certificates.crt
 *	account work : base
 *	password "a value with # and \"quotes\""
 *
 * The parser works on a memory buffer and collects every error before
 * returning; nothing here touches the file system: conf_load() and the
 * secrecy check live in conf_file.c.
 */
#include "config.h"

#include <fnmatch.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "conf.h"
#include "oauth2.h"
#include "util.h"

#define CONF_ERRORS_SHOWN 50

struct conf_parser {
	struct conf *conf;
	const char *path; /* interned in conf->files */
	const char *home;
	unsigned int line;
	struct account defaults;
	struct account *cur;   /* NULL before the first section */
	struct account **accs; /* this file's accounts */
	size_t nacc;
	struct buf val; /* the current value, unquoted */
	struct buf why;
	int nerrors;
	bool has_secret;
};

static void conf_error(struct conf *, int *, const char *, unsigned int,
    const char *, ...) __attribute__((format(printf, 5, 6)));

/* Append "path:line: message" (or "path: message" for line 0). */
static void
conf_error(struct conf *c, int *count, const char *path, unsigned int line,
    const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	if ((*count)++ == CONF_ERRORS_SHOWN) {
		(void)buf_printf(&c->errors, "%s: too many errors\n", path);
		return;
	}
	if (*count > CONF_ERRORS_SHOWN)
		return;
	va_start(ap, fmt);
	(void)vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (line > 0)
		(void)buf_printf(&c->errors, "%s:%u: %s\n", path, line, msg);
	else
		(void)buf_printf(&c->errors, "%s: %s\n", path, msg);
}

void
conf_init(struct conf *c)
{
	memset(c, 0, sizeof(*c));
	buf_init(&c->searched, 8192);
	buf_init(&c->notes, 8192);
	buf_init(&c->errors, CONF_ERRORS_MAX);
}

static void
conf_account_free(struct account *a)
{
	size_t i;

	if (a == NULL)
		return;
	for (i = 0; i < conf_nkeys; i++)
		conf_key_free(&conf_keys[i], a);
	free(a->name);
	free(a);
}

void
conf_free(struct conf *c)
{
	size_t i;

	for (i = 0; i < c->naccounts; i++)
		conf_account_free(c->accounts[i]);
	for (i = 0; i < c->nfiles; i++)
		free(c->files[i]);
	free(c->accounts);
	free(c->files);
	buf_free(&c->searched);
	buf_free(&c->notes);
	buf_free(&c->errors);
	memset(c, 0, sizeof(*c));
}

/* Keep a copy of path for the origins; NULL on ENOMEM. */
static const char *
conf_intern(struct conf *c, const char *path)
{
	char **v, *s;

	if ((s = strdup(path)) == NULL)
		return NULL;
	if ((v = realloc(c->files, (c->nfiles + 1) * sizeof(*v))) == NULL) {
		free(s);
		return NULL;
	}
	c->files = v;
	c->files[c->nfiles++] = s;
	return s;
}

/* Lay every set field of src over dst (all of them when all is true). */
static int
conf_overlay(struct account *dst, const struct account *src, bool all)
{
	size_t i;

	for (i = 0; i < conf_nkeys; i++) {
		if (!all && src->origin[i].file == NULL)
			continue;
		if (conf_key_copy(&conf_keys[i], dst, src) == -1)
			return -1;
		dst->origin[i] = src->origin[i];
	}
	return 0;
}

static struct account *
conf_find_in(struct account **v, size_t n, const char *name)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(v[i]->name, name) == 0)
			return v[i];
	return NULL;
}

/* A new account of this file, starting as a copy of the defaults. */
static struct account *
conf_new_account(struct conf_parser *p, const char *name, size_t n)
{
	struct account *a, **v;

	if ((a = calloc(1, sizeof(*a))) == NULL)
		return NULL;
	if ((a->name = strndup(name, n)) == NULL ||
	    conf_overlay(a, &p->defaults, true) == -1 ||
	    (v = realloc(p->accs, (p->nacc + 1) * sizeof(*v))) == NULL) {
		conf_account_free(a);
		return NULL;
	}
	p->accs = v;
	p->accs[p->nacc++] = a;
	a->where.file = p->path;
	a->where.line = p->line;
	return a;
}

#define PERR(p, ...)                                                           \
	conf_error((p)->conf, &(p)->nerrors, (p)->path, (p)->line, __VA_ARGS__)

/* Copy s[0..n) without blanks at either end into name; 0 if it fits. */
static int
conf_word(const char *s, size_t n, char *name, size_t size)
{
	while (n > 0 && (*s == ' ' || *s == '\t'))
		s++, n--;
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	if (n == 0 || n >= size)
		return -1;
	memcpy(name, s, n);
	name[n] = '\0';
	return 0;
}

static void
conf_parse_parents(struct conf_parser *p, struct account *a, const char *s)
{
	char name[CONF_NAME_MAX + 1];
	const struct account *parent;
	size_t n;

	for (;; s += n + 1) {
		n = strcspn(s, ",");
		if (conf_word(s, n, name, sizeof(name)) == -1)
			PERR(p, "account %s: empty or overlong parent name",
			    a->name);
		else if ((parent = conf_find_in(p->accs, p->nacc - 1, name)) ==
		    NULL)
			PERR(p, "account %s: no account %s defined above",
			    a->name, name);
		else if (conf_overlay(a, parent, false) == -1)
			PERR(p, "out of memory");
		if (s[n] == '\0')
			return;
	}
}

/* "account NAME [: PARENT[,PARENT...]]" */
static void
conf_parse_account(struct conf_parser *p, const char *arg)
{
	char name[CONF_NAME_MAX + 1] = "";
	size_t n = strcspn(arg, ":");
	const struct account *prev;

	if (conf_word(arg, n, name, sizeof(name)) == -1 ||
	    strpbrk(name, ", \t\"") != NULL) {
		PERR(p,
		    "account needs one name of up to %d characters, without blanks, ',' or ':'",
		    CONF_NAME_MAX);
		name[0] = '\0';
	} else if ((prev = conf_find_in(p->accs, p->nacc, name)) != NULL)
		PERR(p, "account %s is already defined at line %u", name,
		    prev->where.line);
	if ((p->cur = conf_new_account(p, name, strlen(name))) == NULL) {
		PERR(p, "out of memory");
		return;
	}
	if (arg[n] == ':')
		conf_parse_parents(p, p->cur, arg + n + 1);
}

static void
conf_parse_key(struct conf_parser *p, const char *name, const char *val)
{
	const struct conf_key *k;
	const char *why = NULL;
	int r;

	if ((r = conf_key_lookup(name, &val, &k, &why)) == -1) {
		PERR(p, "%s: %s", name, why);
		return;
	}
	if (r == 1)
		return; /* an msmtp key with no meaning here */
	if (p->cur == NULL &&
	    (p->cur = conf_new_account(p, "default", 7)) == NULL) {
		PERR(p, "out of memory");
		return;
	}
	buf_reset(&p->why);
	if (conf_key_set(k, p->cur, val, p->home, &p->why) == -1) {
		PERR(p, "%s", buf_str(&p->why));
		return;
	}
	p->cur->origin[k - conf_keys].file = p->path;
	p->cur->origin[k - conf_keys].line = p->line;
	if (k->type == CONF_SECRET && *val != '\0')
		p->has_secret = true;
}

/* The value after the key: "quoted \"text\"" or the rest of the line. */
static int
conf_unquote(struct conf_parser *p, const char *s, size_t n)
{
	size_t i;

	buf_reset(&p->val);
	if (n == 0 || s[0] != '"') {
		if (buf_add(&p->val, s, n) == -1)
			return PERR(p, "out of memory"), -1;
		return 0;
	}
	for (i = 1; i < n && s[i] != '"'; i++) {
		if (s[i] == '\\' && i + 1 < n &&
		    (s[i + 1] == '"' || s[i + 1] == '\\'))
			i++;
		if (buf_add_char(&p->val, s[i]) == -1)
			return PERR(p, "out of memory"), -1;
	}
	if (i >= n)
		return PERR(p, "unterminated quoted value"), -1;
	if (i + 1 < n)
		return PERR(p, "text after the closing quote"), -1;
	return 0;
}

static void
conf_parse_line(struct conf_parser *p, const char *s, size_t n)
{
	char name[64];
	size_t w;

	if (n > CONF_LINE_MAX) {
		PERR(p, "line is longer than %d bytes", CONF_LINE_MAX);
		return;
	}
	if (memchr(s, '\0', n) != NULL) {
		PERR(p, "NUL byte in the line");
		return;
	}
	while (n > 0 && strchr(" \t\r", s[n - 1]) != NULL)
		n--;
	while (n > 0 && (*s == ' ' || *s == '\t'))
		s++, n--;
	if (n == 0 || *s == '#')
		return;
	for (w = 0; w < n && s[w] != ' ' && s[w] != '\t';)
		w++;
	if (w >= sizeof(name)) {
		PERR(p, "unknown key %.20s...", s);
		return;
	}
	memcpy(name, s, w);
	name[w] = '\0';
	while (w < n && (s[w] == ' ' || s[w] == '\t'))
		w++;
	if (conf_unquote(p, s + w, n - w) == -1)
		return;
	if (strcmp(name, "defaults") == 0) {
		if (p->val.len > 0)
			PERR(p, "defaults takes no value");
		p->cur = &p->defaults;
	} else if (strcmp(name, "account") == 0)
		conf_parse_account(p, buf_str(&p->val));
	else
		conf_parse_key(p, name, buf_str(&p->val));
}

/* Move this file's accounts into conf; earlier files win by name. */
static int
conf_merge(struct conf_parser *p)
{
	struct conf *c = p->conf;
	struct account **v;
	size_t i;

	v = realloc(c->accounts, (c->naccounts + p->nacc + 1) * sizeof(*v));
	if (v == NULL)
		return -1;
	c->accounts = v;
	for (i = 0; i < p->nacc; i++) {
		if (conf_find_in(c->accounts, c->naccounts, p->accs[i]->name))
			conf_account_free(p->accs[i]);
		else
			c->accounts[c->naccounts++] = p->accs[i];
	}
	p->nacc = 0;
	return 0;
}

int
conf_parse(struct conf *c, const char *path, const char *data, size_t len,
    const char *home, bool *has_secret)
{
	struct conf_parser p;
	const char *nl;
	size_t pos, end, i;

	memset(&p, 0, sizeof(p));
	p.conf = c;
	p.home = home;
	buf_init(&p.val, CONF_LINE_MAX);
	buf_init(&p.why, 1024);
	if ((p.path = conf_intern(c, path)) == NULL) {
		conf_error(c, &p.nerrors, path, 0, "out of memory");
		goto out;
	}
	for (pos = 0; pos < len; pos = end + 1) {
		nl = memchr(data + pos, '\n', len - pos);
		end = nl ? (size_t)(nl - data) : len;
		p.line++;
		conf_parse_line(&p, data + pos, end - pos);
	}
	if (conf_merge(&p) == -1)
		conf_error(c, &p.nerrors, path, 0, "out of memory");
out:
	for (i = 0; i < p.nacc; i++)
		conf_account_free(p.accs[i]);
	free(p.accs);
	for (i = 0; i < conf_nkeys; i++)
		conf_key_free(&conf_keys[i], &p.defaults);
	buf_wipe(&p.val);
	buf_free(&p.why);
	*has_secret = p.has_secret;
	return p.nerrors ? -1 : 0;
}

/* Phase two for one account: the secure defaults. */
static int
conf_fill(struct account *a, const char *queue_dir, struct buf *why)
{
	const struct conf_key *k;
	size_t i;

	for (i = 0; i < conf_nkeys; i++) {
		k = &conf_keys[i];
		if (a->origin[i].file != NULL || k->def == NULL)
			continue;
		if (conf_key_set(k, a, k->def, NULL, why) == -1)
			return -1;
	}
	/* TLS is on; port 465 means TLS from the first byte. */
	if (!conf_isset(a, CONF_KEY_TLS_STARTTLS))
		a->tls_starttls =
		    !(conf_isset(a, CONF_KEY_PORT) && a->port == 465);
	if (!conf_isset(a, CONF_KEY_PORT))
		a->port = a->tls && !a->tls_starttls ? 465 : 587;
	if (!conf_isset(a, CONF_KEY_AUTH))
		a->auth = a->oauth2_provider != CONF_OAUTH2_OFF
		    ? oauth2_conf_auth(a->oauth2_provider)
		    : a->user != NULL ? CONF_AUTH_ON
		                      : CONF_AUTH_OFF;
	if (!conf_isset(a, CONF_KEY_QUEUE_DIR) && queue_dir != NULL &&
	    (a->queue_dir = strdup(queue_dir)) == NULL)
		return -1;
	return 0;
}

/* Rules that involve several keys, reported at the account's line. */
static void
conf_check(struct conf *c, int *nerr, const struct account *a)
{
	const char *f = a->where.file;
	unsigned int l = a->where.line;

	if (!a->tls && a->auth == CONF_AUTH_ON)
		conf_error(c, nerr, f, l,
		    "account %s: tls is off, so auth would send the password in clear; turn tls on, or name a mechanism (auth plain) to allow that",
		    a->name);
	if ((a->tls_cert_file == NULL) != (a->tls_key_file == NULL))
		conf_error(c, nerr, f, l,
		    "account %s: tls_cert_file and tls_key_file go together",
		    a->name);
	if (a->retry_min > a->retry_max)
		conf_error(c, nerr, f, l,
		    "account %s: retry_min is larger than retry_max", a->name);
	if (!a->ipv4 && !a->ipv6)
		conf_error(c, nerr, f, l,
		    "account %s: ipv4 and ipv6 are both off", a->name);
	if (a->queue && a->queue_dir == NULL)
		conf_error(c, nerr, f, l,
		    "account %s: no queue_dir (no home directory)", a->name);
}

int
conf_finish(struct conf *c, const char *queue_dir)
{
	struct buf why;
	int nerr = 0;
	size_t i;

	buf_init(&why, 1024);
	for (i = 0; i < c->naccounts; i++) {
		buf_reset(&why);
		if (conf_fill(c->accounts[i], queue_dir, &why) == -1)
			conf_error(c, &nerr, c->accounts[i]->where.file,
			    c->accounts[i]->where.line, "account %s: %s",
			    c->accounts[i]->name,
			    why.len ? buf_str(&why) : "out of memory");
		else
			conf_check(c, &nerr, c->accounts[i]);
	}
	buf_free(&why);
	return nerr ? -1 : 0;
}

const struct account *
conf_find(const struct conf *c, const char *name)
{
	return conf_find_in(c->accounts, c->naccounts, name);
}

bool
conf_from_is_pattern(const char *from)
{
	return from != NULL && strpbrk(from, "?*[") != NULL;
}

bool
conf_from_matches(const char *pattern, const char *addr)
{
	const char *plus = strchr(addr, '+'), *at = strrchr(addr, '@');
	char plain[512];

	if (pattern == NULL || addr == NULL)
		return false;
	if (conf_from_is_pattern(pattern)
	        ? fnmatch(pattern, addr, FNM_CASEFOLD) == 0
	        : strcasecmp(pattern, addr) == 0)
		return true;
	/* user+detail@dom also matches user@dom */
	if (plus == NULL || at == NULL || plus > at ||
	    (size_t)(plus - addr) + strlen(at) >= sizeof(plain))
		return false;
	(void)snprintf(plain, sizeof(plain), "%.*s%s", (int)(plus - addr), addr,
	    at);
	return conf_from_matches(pattern, plain);
}

int
conf_select(const struct conf *c, const char *name, const char *sender,
    const struct account **out, struct err *e)
{
	const char *files = c->searched.len ? buf_str(&c->searched) : "none";
	size_t i;

	if (name != NULL) {
		if ((*out = conf_find(c, name)) != NULL)
			return 0;
		err_set(e, ERR_CONFIG, "no account %s in %s", name, files);
		conf_account_hint(c, name, e);
		return -1;
	}
	for (i = 0; sender != NULL && *sender && i < c->naccounts; i++)
		if (conf_from_matches(c->accounts[i]->from, sender)) {
			*out = c->accounts[i];
			return 0;
		}
	if ((*out = conf_find(c, "default")) != NULL)
		return 0;
	if (c->naccounts == 0)
		return err_set(e, ERR_CONFIG,
		    "no configuration: make one with postern --configure you@example.org --write, or copy doc/config.example (or a provider's file from contrib/accounts) to ~/.config/postern/config; looked in %s",
		    files);
	return err_set(e, ERR_CONFIG,
	    "no account named default%s; looked in %s (see postern.conf(5))",
	    sender && *sender ? " and none whose from matches the sender" : "",
	    files);
}

int
conf_check_send(const struct account *a, bool have_sender, struct err *e)
{
	if (a->host == NULL)
		return err_set(e, ERR_CONFIG,
		    "%s:%u: account %s has no host; add \"host smtp.example.org\"",
		    a->where.file, a->where.line, a->name);
	if (!have_sender && (a->from == NULL || conf_from_is_pattern(a->from)))
		return err_set(e, ERR_CONFIG,
		    "%s:%u: account %s has no from address; add \"from you@example.org\" or use -f",
		    a->where.file, a->where.line, a->name);
	return 0;
}
