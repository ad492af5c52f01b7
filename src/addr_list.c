/*
 * addr_list.c: address lists, the aliases file and the resolution of
 * unqualified names (see addr.h).
 *
 * The aliases file is msmtp's format:
 *
 *	# comment
 *	root: alice@example.org
 *	alice: alice@example.org, "Alice B" <alice.b@example.net>
 *	default: admin@example.org
 *
 * Each value is an RFC 5322 address-list, so it may hold unqualified
 * names again; addr_resolve() expands those recursively with a chain of
 * the names being expanded, which is both the loop check and the depth
 * bound.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "addr.h"
#include "util.h"

struct addr_alias {
	char *name;
	struct addr_list list;
};

struct addr_aliases {
	struct addr_alias *v;
	size_t n;
	const struct addr_alias *def; /* the "default" entry, or NULL */
};

void
addr_list_init(struct addr_list *l, size_t max)
{
	memset(l, 0, sizeof *l);
	l->max = max == 0 ? ADDR_MAX_RCPTS : max;
}

void
addr_list_free(struct addr_list *l)
{
	size_t i;

	for (i = 0; i < l->n; i++) {
		free(l->v[i].spec);
		free(l->v[i].name);
		free(l->v[i].comment);
	}
	free(l->v);
	l->v = NULL;
	l->n = l->cap = 0;
}

/* Where the domain starts ('@' after a possibly quoted local part). */
static const char *
addr_at(const char *spec)
{
	const char *p = spec;

	if (*p == '"') {
		for (p++; *p != '\0' && *p != '"'; p++)
			if (*p == '\\' && p[1] != '\0')
				p++;
		if (*p == '"')
			p++;
	}
	return strchr(p, '@');
}

static bool
addr_has_8bit(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] >= 0x80)
			return true;
	return false;
}

static int
addr_dup(char **dst, const char *src)
{
	*dst = NULL;
	if (src == NULL)
		return 0;
	*dst = strdup(src);
	return *dst == NULL ? -1 : 0;
}

int
addr_list_add(struct addr_list *l, const char *spec, const char *name,
    const char *comment, struct err *err)
{
	struct addr *a, *nv;
	const char *at;
	size_t ncap;

	if (l->n >= l->max)
		return err_set(err, ERR_DATA, "more than %zu addresses",
		    l->max);
	if (l->n == l->cap) {
		ncap = l->cap == 0 ? 8 : l->cap * 2;
		if ((nv = reallocarray(l->v, ncap, sizeof *nv)) == NULL)
			return err_set(err, ERR_SOFTWARE, "out of memory");
		l->v = nv;
		l->cap = ncap;
	}
	a = &l->v[l->n];
	memset(a, 0, sizeof *a);
	if (addr_dup(&a->spec, spec) == -1 || addr_dup(&a->name, name) == -1 ||
	    addr_dup(&a->comment, comment) == -1) {
		free(a->spec);
		free(a->name);
		return err_set(err, ERR_SOFTWARE, "out of memory");
	}
	at = addr_at(spec);
	a->unqualified = at == NULL;
	a->utf8_local =
	    addr_has_8bit(spec, at ? (size_t)(at - spec) : strlen(spec));
	a->utf8_domain = at != NULL && addr_has_8bit(at, strlen(at));
	l->n++;
	return 0;
}

/* Read "name: list" lines into a. */
static int
addr_aliases_line(struct addr_aliases *a, const char *s, size_t len,
    size_t lineno, struct err *err)
{
	struct addr_alias *e, *nv;
	const char *colon;
	size_t b = 0, nlen;

	while (b < len && (s[b] == ' ' || s[b] == '\t'))
		b++;
	if (b == len || s[b] == '#')
		return 0;
	colon = memchr(s + b, ':', len - b);
	nlen = colon ? (size_t)(colon - (s + b)) : 0;
	while (nlen > 0 && (s[b + nlen - 1] == ' ' || s[b + nlen - 1] == '\t'))
		nlen--;
	if (nlen == 0)
		return err_set(err, ERR_CONFIG,
		    "line %zu: expected 'name: address, ...'", lineno);
	if ((nv = reallocarray(a->v, a->n + 1, sizeof *nv)) == NULL)
		return err_set(err, ERR_SOFTWARE, "out of memory");
	a->v = nv;
	e = &a->v[a->n];
	addr_list_init(&e->list, 0);
	if ((e->name = strndup(s + b, nlen)) == NULL)
		return err_set(err, ERR_SOFTWARE, "out of memory");
	a->n++;
	colon++;
	if (addr_parse_list(colon, len - (size_t)(colon - s), &e->list, err) ==
	    -1) {
		char why[ERR_TEXT_MAX];

		strlcpy(why, err->text, sizeof why);
		return err_set(err, ERR_CONFIG, "line %zu: %s: %s", lineno,
		    e->name, why);
	}
	if (e->list.n == 0)
		return err_set(err, ERR_CONFIG, "line %zu: %s: no address",
		    lineno, e->name);
	return 0;
}

int
addr_aliases_parse(const char *data, size_t len, struct addr_aliases **out,
    struct err *err)
{
	struct addr_aliases *a;
	const char *nl;
	size_t off = 0, n, lineno = 0, i;

	*out = NULL;
	if ((a = calloc(1, sizeof *a)) == NULL)
		return err_set(err, ERR_SOFTWARE, "out of memory");
	while (off < len) {
		nl = memchr(data + off, '\n', len - off);
		n = nl ? (size_t)(nl - (data + off)) : len - off;
		lineno++;
		if (addr_aliases_line(a, data + off,
		        n > 0 && data[off + n - 1] == '\r' ? n - 1 : n, lineno,
		        err) == -1) {
			addr_aliases_free(a);
			return -1;
		}
		off += n + 1;
	}
	for (i = a->n; i > 0; i--) /* the first "default" wins */
		if (strcasecmp(a->v[i - 1].name, "default") == 0)
			a->def = &a->v[i - 1];
	*out = a;
	return 0;
}

void
addr_aliases_free(struct addr_aliases *a)
{
	size_t i;

	if (a == NULL)
		return;
	for (i = 0; i < a->n; i++) {
		free(a->v[i].name);
		addr_list_free(&a->v[i].list);
	}
	free(a->v);
	free(a);
}

/* The entry for name (the first match), else default, else NULL. */
static const struct addr_list *
addr_alias_find(const struct addr_aliases *a, const char *name)
{
	size_t i;

	if (a == NULL)
		return NULL;
	for (i = 0; i < a->n; i++)
		if (strcasecmp(a->v[i].name, name) == 0)
			return &a->v[i].list;
	return a->def ? &a->def->list : NULL;
}

struct addr_res {
	const struct addr_aliases *aliases;
	const char *local_domain;
	struct addr_list *out;
	const char *chain[ADDR_MAX_ALIAS_DEPTH];
	struct err *err;
};

static int
addr_res_add(struct addr_res *r, const struct addr *a, const char *spec)
{
	size_t i;

	for (i = 0; i < r->out->n; i++)
		if (strcasecmp(r->out->v[i].spec, spec) == 0)
			return 0;
	return addr_list_add(r->out, spec, a->name, a->comment, r->err);
}

static int
addr_res_qualify(struct addr_res *r, const struct addr *a)
{
	char *spec = NULL;
	int rc;

	if (r->local_domain == NULL || *r->local_domain == '\0')
		return err_set(r->err, ERR_NOUSER,
		    "recipient '%s' has no domain: no alias matches it and local_domain is not set",
		    a->spec);
	if (asprintf(&spec, "%s@%s", a->spec, r->local_domain) == -1)
		return err_set(r->err, ERR_SOFTWARE, "out of memory");
	rc = addr_res_add(r, a, spec);
	free(spec);
	return rc;
}

static int
addr_res_one(struct addr_res *r, const struct addr *a, size_t depth)
{
	const struct addr_list *l;
	size_t i;

	if (!a->unqualified)
		return addr_res_add(r, a, a->spec);
	for (i = 0; i < depth; i++)
		if (strcasecmp(r->chain[i], a->spec) == 0)
			return addr_res_qualify(r, a); /* met again: a loop */
	if ((l = addr_alias_find(r->aliases, a->spec)) == NULL)
		return addr_res_qualify(r, a);
	if (depth >= ADDR_MAX_ALIAS_DEPTH)
		return err_set(r->err, ERR_CONFIG,
		    "aliases: expanding '%s' goes deeper than %d levels",
		    r->chain[0], ADDR_MAX_ALIAS_DEPTH);
	r->chain[depth] = a->spec;
	for (i = 0; i < l->n; i++)
		if (addr_res_one(r, &l->v[i], depth + 1) == -1)
			return -1;
	return 0;
}

int
addr_resolve(const struct addr_list *in, const struct addr_aliases *aliases,
    const char *local_domain, struct addr_list *out, struct err *err)
{
	struct addr_res r;
	size_t i;

	memset(&r, 0, sizeof r);
	r.aliases = aliases;
	r.local_domain = local_domain;
	r.out = out;
	r.err = err;
	for (i = 0; i < in->n; i++)
		if (addr_res_one(&r, &in->v[i], 0) == -1)
			return -1;
	return 0;
}
