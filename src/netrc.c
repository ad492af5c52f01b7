/*
 * netrc.c: the ~/.netrc parser (see netrc.h).
 *
 * A tokenizer hands out one decoded token at a time; an explicit state
 * says what the next token is (a keyword, or the value of the keyword
 * before it). Each entry is judged when the next one starts or the data
 * ends. Every token buffer that may hold a password is wiped.
 */
#include "config.h"

#include <stdbool.h>
#include <string.h>
#include <strings.h>

#include "netrc.h"

enum netrc_state {
	NETRC_KEYWORD = 0, /* expecting machine, default, login, ... */
	NETRC_MACHINE,     /* the value of machine */
	NETRC_LOGIN,       /* the value of login */
	NETRC_PASSWORD,    /* the value of password */
	NETRC_SKIP,        /* the value of account: ignored */
	NETRC_MACDEF,      /* the macro's name; then its body is skipped */
};

struct netrc_entry {
	bool open;       /* an entry has started */
	bool is_default; /* "default" rather than "machine" */
	bool has_login;
	bool has_password;
	struct buf machine;
	struct buf login;
	struct buf password;
};

static bool
netrc_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' ||
	    c == '\v';
}

/* A quoted token: \" and \\ (and \x for any x) are escapes. */
static int
netrc_quoted(const char *d, size_t len, size_t *pos, struct buf *tok)
{
	size_t i = *pos + 1;

	for (; i < len && d[i] != '"'; i++) {
		if (d[i] == '\\' && i + 1 < len)
			i++;
		if (buf_add_char(tok, d[i]) == -1)
			return -1;
	}
	if (i >= len)
		return -1;
	*pos = i + 1;
	return 1;
}

/* The next token into tok: 1, 0 at the end, -1 (too long, open quote). */
static int
netrc_token(const char *d, size_t len, size_t *pos, struct buf *tok)
{
	size_t i = *pos;

	buf_wipe(tok);
	while (i < len && netrc_space(d[i]))
		i++;
	*pos = i;
	if (i >= len)
		return 0;
	if (d[i] == '"')
		return netrc_quoted(d, len, pos, tok);
	for (; i < len && !netrc_space(d[i]); i++)
		if (buf_add_char(tok, d[i]) == -1)
			return -1;
	*pos = i;
	return 1;
}

/* Skip a macdef body: everything up to and including an empty line. */
static void
netrc_skip_macro(const char *d, size_t len, size_t *pos)
{
	size_t i = *pos;

	/* The rest of the macdef line first. */
	while (i < len && d[i] != '\n')
		i++;
	while (i < len) {
		size_t j = i + 1;

		if (j < len && d[j] == '\r')
			j++;
		if (j >= len || d[j] == '\n') {
			i = j;
			break;
		}
		for (i = j; i < len && d[i] != '\n'; i++)
			;
	}
	*pos = i < len ? i + 1 : len;
}

static bool
netrc_matches(const struct netrc_entry *en, const char *host, const char *user)
{
	if (!en->open || !en->has_password)
		return false;
	if (!en->is_default && strcasecmp(buf_str(&en->machine), host) != 0)
		return false;
	return !en->has_login || strcmp(buf_str(&en->login), user) == 0;
}

static void
netrc_reset(struct netrc_entry *en)
{
	en->open = en->is_default = en->has_login = en->has_password = false;
	buf_reset(&en->machine);
	buf_wipe(&en->login);
	buf_wipe(&en->password);
}

/* A keyword: the state it leads to; a new entry closes the previous one. */
static enum netrc_state
netrc_keyword(const char *kw, struct netrc_entry *en)
{
	if (strcmp(kw, "machine") == 0 || strcmp(kw, "default") == 0) {
		netrc_reset(en);
		en->open = true;
		en->is_default = kw[0] == 'd';
		return en->is_default ? NETRC_KEYWORD : NETRC_MACHINE;
	}
	if (strcmp(kw, "login") == 0)
		return NETRC_LOGIN;
	if (strcmp(kw, "password") == 0)
		return NETRC_PASSWORD;
	if (strcmp(kw, "account") == 0)
		return NETRC_SKIP;
	if (strcmp(kw, "macdef") == 0)
		return NETRC_MACDEF;
	return NETRC_KEYWORD; /* unknown: ignored */
}

/* Store the value token for state st. */
static int
netrc_value(enum netrc_state st, const struct buf *tok, struct netrc_entry *en)
{
	struct buf *dst = st == NETRC_MACHINE ? &en->machine
	    : st == NETRC_LOGIN               ? &en->login
	                                      : &en->password;

	if (st == NETRC_SKIP)
		return 0;
	buf_wipe(dst);
	if (st == NETRC_LOGIN)
		en->has_login = true;
	else if (st == NETRC_PASSWORD)
		en->has_password = true;
	return buf_add(dst, tok->data ? tok->data : "", tok->len);
}

/* Judge the entry that just ended: 1 when it is the answer. */
static int
netrc_judge(struct netrc_entry *en, const char *host, const char *user,
    struct buf *out, struct buf *dflt, bool *have_dflt)
{
	if (!netrc_matches(en, host, user))
		return 0;
	if (en->is_default) {
		if (!*have_dflt &&
		    buf_add(dflt, buf_str(&en->password), en->password.len) ==
		        0)
			*have_dflt = true;
		return 0;
	}
	return buf_add(out, buf_str(&en->password), en->password.len) == 0;
}

int
netrc_find(const char *data, size_t len, const char *host, const char *user,
    struct buf *out, struct err *e)
{
	enum netrc_state st = NETRC_KEYWORD;
	struct netrc_entry en;
	struct buf tok, dflt;
	bool have_dflt = false;
	size_t pos = 0;
	int r = -1, t;

	memset(&en, 0, sizeof(en));
	buf_init(&tok, NETRC_TOKEN_MAX);
	buf_init(&dflt, NETRC_TOKEN_MAX);
	buf_init(&en.machine, NETRC_TOKEN_MAX);
	buf_init(&en.login, NETRC_TOKEN_MAX);
	buf_init(&en.password, NETRC_TOKEN_MAX);
	while ((t = netrc_token(data, len, &pos, &tok)) == 1) {
		if (st == NETRC_KEYWORD) {
			if ((!strcmp(buf_str(&tok), "machine") ||
			        !strcmp(buf_str(&tok), "default")) &&
			    netrc_judge(&en, host, user, out, &dflt,
			        &have_dflt) == 1) {
				r = 0;
				goto out;
			}
			st = netrc_keyword(buf_str(&tok), &en);
			continue;
		}
		if (st == NETRC_MACDEF)
			netrc_skip_macro(data, len, &pos);
		else if (netrc_value(st, &tok, &en) == -1)
			break;
		st = NETRC_KEYWORD;
	}
	if (t != 0) {
		err_set(e, ERR_CONFIG,
		    "netrc: a token is longer than %d bytes or a quote is not closed",
		    NETRC_TOKEN_MAX);
		goto out;
	}
	if (netrc_judge(&en, host, user, out, &dflt, &have_dflt) == 1)
		r = 0;
	else if (have_dflt && buf_add(out, buf_str(&dflt), dflt.len) == 0)
		r = 0;
	else
		r = 1;
out:
	buf_wipe(&tok);
	buf_wipe(&dflt);
	buf_free(&en.machine);
	buf_wipe(&en.login);
	buf_wipe(&en.password);
	return r;
}
