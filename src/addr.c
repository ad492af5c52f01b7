/*
 * addr.c: the RFC 5322 address-list parser and envelope address checks
 * (see addr.h). Lists, aliases and resolution live in addr_list.c.
 *
 * The input is first unfolded into a private NUL-terminated copy (CRLF
 * or LF followed by WSP becomes that WSP; any other CR, LF, NUL or
 * control byte is an error), then read by a small recursive-descent
 * parser over a cursor. The only nesting is comments, counted, not
 * recursed, so hostile input costs time linear in its length and no
 * stack. A run of words is read once and kept in two forms, as a display
 * name and as a local part, because only the byte after it ('<', ':',
 * '@' or ',') says which one it was.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "buf.h"

struct ap {
	const char *s;     /* unfolded input */
	size_t i;          /* cursor */
	struct buf name;   /* words as a display name */
	struct buf local;  /* words as a local part (decoded) */
	struct buf domain; /* the domain */
	struct buf cmt;    /* last comment */
	int nwords;        /* words read into name */
	bool local_ok;     /* words form word *("." word) */
	bool want_word;    /* local part expects a word next */
	struct err *err;
};

static int
ap_fail(struct ap *ap, const char *what)
{
	return err_set(ap->err, ERR_DATA, "address list: %s at offset %zu",
	    what, ap->i);
}

static bool
ap_atext(unsigned char c)
{
	if (c >= 0x80)
		return true;
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9'))
		return true;
	return c != '\0' && strchr("!#$%&'*+-/=?^_`{|}~", c) != NULL;
}

/* Unfold s[0..len) into out; refuse stray CR/LF, NUL and controls. */
static int
ap_unfold(const char *s, size_t len, struct buf *out, struct err *err)
{
	size_t i;
	unsigned char c;

	for (i = 0; i < len; i++) {
		c = (unsigned char)s[i];
		if (c == '\r' && i + 1 < len && s[i + 1] == '\n')
			c = (unsigned char)s[++i];
		if (c == '\n') {
			if (i + 1 < len &&
			    (s[i + 1] == ' ' || s[i + 1] == '\t'))
				continue;
			return err_set(err, ERR_DATA,
			    "address list: line break not followed by white space at offset %zu",
			    i);
		}
		if (c == '\0' || (c < 0x20 && c != '\t') || c == 0x7f)
			return err_set(err, ERR_DATA,
			    "address list: control byte 0x%02x at offset %zu",
			    c, i);
		if (buf_add_char(out, (char)c) == -1)
			return err_set(err, ERR_SOFTWARE, "out of memory");
	}
	return 0;
}

/* Skip a comment starting at '('; its text goes to ap->cmt. */
static int
ap_comment(struct ap *ap)
{
	int depth = 0;
	char c;

	buf_reset(&ap->cmt);
	do {
		c = ap->s[ap->i];
		if (c == '\0')
			return ap_fail(ap, "unterminated comment");
		ap->i++;
		if (c == '\\' && ap->s[ap->i] != '\0')
			c = ap->s[ap->i++];
		else if (c == '(' && ++depth > ADDR_MAX_NESTING)
			return ap_fail(ap, "comments nested too deeply");
		else if (c == '(' && depth == 1)
			continue;
		else if (c == ')' && --depth == 0)
			break;
		if (buf_add_char(&ap->cmt, c) == -1)
			return ap_fail(ap, "out of memory");
	} while (depth > 0);
	return 0;
}

/* Skip CFWS; returns 1 when something was skipped, 0 if not, -1. */
static int
ap_cfws(struct ap *ap)
{
	size_t start = ap->i;

	for (;;) {
		if (ap->s[ap->i] == ' ' || ap->s[ap->i] == '\t')
			ap->i++;
		else if (ap->s[ap->i] == '(') {
			if (ap_comment(ap) == -1)
				return -1;
		} else
			break;
	}
	return ap->i != start;
}

/* A quoted string at '"'; the decoded content is appended to out. */
static int
ap_quoted(struct ap *ap, struct buf *out)
{
	char c;

	ap->i++;
	for (;;) {
		c = ap->s[ap->i];
		if (c == '\0')
			return ap_fail(ap, "unbalanced quote");
		ap->i++;
		if (c == '"')
			return 0;
		if (c == '\\') {
			if (ap->s[ap->i] == '\0')
				return ap_fail(ap, "unbalanced quote");
			c = ap->s[ap->i++];
		}
		if (buf_add_char(out, c) == -1)
			return ap_fail(ap, "out of memory");
	}
}

/* Add a token's text to the display name, with one space before it. */
static int
ap_name_add(struct ap *ap, const char *t, size_t n, bool space)
{
	if (ap->nwords > 0 && space && buf_add_char(&ap->name, ' ') == -1)
		return ap_fail(ap, "out of memory");
	ap->nwords++;
	if (n > 0 && buf_add(&ap->name, t, n) == -1)
		return ap_fail(ap, "out of memory");
	return 0;
}

/* One word (atom or quoted string), read into both forms. */
static int
ap_word(struct ap *ap, bool space)
{
	size_t start = ap->local.len, n = 0;

	if (!ap->want_word)
		ap->local_ok = false;
	ap->want_word = false;
	if (ap->s[ap->i] == '"') {
		if (ap_quoted(ap, &ap->local) == -1)
			return -1;
	} else {
		while (ap_atext((unsigned char)ap->s[ap->i + n]))
			n++;
		if (buf_add(&ap->local, ap->s + ap->i, n) == -1)
			return ap_fail(ap, "out of memory");
		ap->i += n;
	}
	n = ap->local.len - start;
	return ap_name_add(ap, n > 0 ? ap->local.data + start : "", n, space);
}

static int
ap_dot(struct ap *ap, bool space)
{
	if (ap->want_word)
		ap->local_ok = false;
	ap->want_word = true;
	ap->i++;
	if (buf_add_char(&ap->local, '.') == -1)
		return ap_fail(ap, "out of memory");
	return ap_name_add(ap, ".", 1, space);
}

/* Words and dots up to the next special character. */
static int
ap_phrase(struct ap *ap)
{
	int sp;
	unsigned char c;

	buf_reset(&ap->name);
	buf_reset(&ap->local);
	ap->nwords = 0;
	ap->local_ok = true;
	ap->want_word = true;
	for (;;) {
		if ((sp = ap_cfws(ap)) == -1)
			return -1;
		c = (unsigned char)ap->s[ap->i];
		if (c == '"' || ap_atext(c)) {
			if (ap_word(ap, sp) == -1)
				return -1;
		} else if (c == '.') {
			if (ap_dot(ap, sp) == -1)
				return -1;
		} else
			return 0;
	}
}

/* A domain literal at '['; whitespace inside is dropped. */
static int
ap_literal(struct ap *ap)
{
	char c;

	for (;;) {
		c = ap->s[ap->i++];
		if (c == '\0' || (c == '[' && ap->domain.len > 0)) {
			ap->i--;
			return ap_fail(ap, "unbalanced '['");
		}
		if (c == '\\') {
			if ((c = ap->s[ap->i]) == '\0')
				continue;
			ap->i++;
		} else if (c == ' ' || c == '\t')
			continue;
		if (buf_add_char(&ap->domain, c) == -1)
			return ap_fail(ap, "out of memory");
		if (c == ']')
			return 0;
	}
}

/* The domain after '@': a literal or atoms separated by dots. */
static int
ap_domain(struct ap *ap)
{
	bool want = true;
	size_t n;

	buf_reset(&ap->domain);
	if (ap_cfws(ap) == -1)
		return -1;
	if (ap->s[ap->i] == '[')
		return ap_literal(ap) == -1 ? -1 : ap_cfws(ap) == -1 ? -1 : 0;
	for (;;) {
		if (ap_cfws(ap) == -1)
			return -1;
		for (n = 0; ap_atext((unsigned char)ap->s[ap->i + n]); n++)
			;
		if (n > 0 && want) {
			if (buf_add(&ap->domain, ap->s + ap->i, n) == -1)
				return ap_fail(ap, "out of memory");
			ap->i += n;
			want = false;
		} else if (ap->s[ap->i] == '.' && !want) {
			(void)buf_add_char(&ap->domain, '.');
			ap->i++;
			want = true;
		} else
			break;
	}
	return want ? ap_fail(ap, "missing or malformed domain") : 0;
}

static bool
ap_dot_atom(const char *s, size_t n)
{
	size_t i;

	if (n == 0 || s[0] == '.' || s[n - 1] == '.')
		return false;
	for (i = 0; i < n; i++)
		if (s[i] == '.' ? s[i + 1] == '.'
		                : !ap_atext((unsigned char)s[i]))
			return false;
	return true;
}

/* local@domain, local quoted only when it is not a dot-atom. */
static int
ap_emit(struct ap *ap, bool qualified, const char *name, struct addr_list *out)
{
	struct buf spec;
	size_t i, n = ap->local.len;
	const char *l = buf_str(&ap->local);
	int r = -1;

	buf_init(&spec, 4 * ADDR_MAX_PATH);
	if (!ap->local_ok || ap->want_word || ap->nwords == 0) {
		ap_fail(ap, "malformed local part");
		goto out;
	}
	if (n > ADDR_MAX_LOCAL) {
		ap_fail(ap, "local part longer than 64 octets");
		goto out;
	}
	if (ap_dot_atom(l, n))
		(void)buf_add(&spec, l, n);
	else {
		(void)buf_add_char(&spec, '"');
		for (i = 0; i < n; i++) {
			if (l[i] == '"' || l[i] == '\\')
				(void)buf_add_char(&spec, '\\');
			(void)buf_add_char(&spec, l[i]);
		}
		(void)buf_add_char(&spec, '"');
	}
	if (qualified)
		(void)buf_add_char(&spec, '@');
	if ((qualified && buf_add_str(&spec, buf_str(&ap->domain)) == -1) ||
	    spec.len > ADDR_MAX_PATH) {
		ap_fail(ap, "address longer than 254 octets");
		goto out;
	}
	r = addr_list_add(out, buf_str(&spec), name,
	    ap->cmt.len > 0 ? buf_str(&ap->cmt) : NULL, ap->err);
out:
	buf_free(&spec);
	return r;
}

/* After '<': [route] addr-spec '>'. */
static int
ap_angle(struct ap *ap, const char *name, struct addr_list *out)
{
	bool qualified = false;

	ap->i++;
	if (ap_cfws(ap) == -1)
		return -1;
	while (ap->s[ap->i] == '@' || ap->s[ap->i] == ',') { /* obs-route */
		ap->i++;
		if (ap->s[ap->i - 1] == '@' && ap_domain(ap) == -1)
			return -1;
		if (ap_cfws(ap) == -1)
			return -1;
		if (ap->s[ap->i] == ':') {
			ap->i++;
			break;
		}
	}
	if (ap_phrase(ap) == -1)
		return -1;
	if (ap->s[ap->i] == '>' && ap->nwords == 0)
		return ap_fail(ap, "empty address <>");
	if (ap->s[ap->i] == '@') {
		ap->i++;
		if (ap_domain(ap) == -1)
			return -1;
		qualified = true;
	}
	if (ap->s[ap->i] != '>')
		return ap_fail(ap, "missing '>'");
	ap->i++;
	if (ap_emit(ap, qualified, name, out) == -1)
		return -1;
	return ap_cfws(ap) == -1 ? -1 : 0;
}

/* One mailbox, or (at top level) a group name and its ':'. */
static int
ap_mailbox(struct ap *ap, bool *group, struct addr_list *out)
{
	char *name;
	int r;

	buf_reset(&ap->cmt);
	if (ap_phrase(ap) == -1)
		return -1;
	switch (ap->s[ap->i]) {
	case '<':
		if (ap->nwords == 0)
			return ap_angle(ap, NULL, out);
		if ((name = buf_steal(&ap->name)) == NULL)
			return ap_fail(ap, "out of memory");
		r = ap_angle(ap, name, out);
		free(name);
		return r;
	case ':':
		if (group == NULL || *group || ap->nwords == 0)
			return ap_fail(ap, "unexpected ':'");
		ap->i++;
		*group = true;
		return 0;
	case '@':
		ap->i++;
		if (ap_domain(ap) == -1)
			return -1;
		return ap_emit(ap, true, NULL, out);
	default:
		if (ap->nwords == 0)
			return 0; /* empty list element (obs-addr-list) */
		return ap_emit(ap, false, NULL, out);
	}
}

static int
ap_list(struct ap *ap, bool allow_groups, struct addr_list *out)
{
	bool group = false, opened;
	char c;

	for (;;) {
		opened = group;
		if (ap_mailbox(ap, allow_groups ? &group : NULL, out) == -1)
			return -1;
		if (group && !opened)
			continue;
		c = ap->s[ap->i];
		if (c == '\0')
			return 0; /* a group left open at the end is closed */
		if (c == ';' && group) {
			group = false;
			ap->i++;
			if (ap_cfws(ap) == -1)
				return -1;
			c = ap->s[ap->i];
			if (c == '\0')
				return 0;
			if (c != ',')
				return ap_fail(ap, "expected ',' after group");
			ap->i++;
		} else if (c == ',')
			ap->i++;
		else if (c == ';' || c == ':' || c == '<' || c == '>' ||
		    c == '@' || c == '[' || c == ']' || c == ')' || c == '\\')
			return ap_fail(ap,
			    c == ')'       ? "unbalanced ')'"
			        : c == ']' ? "unbalanced ']'"
			        : c == '>' ? "unbalanced '>'"
			                   : "unexpected special character");
		else
			return ap_fail(ap, "expected ','");
	}
}

static int
ap_parse(const char *s, size_t len, bool allow_groups, struct addr_list *out,
    struct err *err)
{
	struct ap ap;
	struct buf text;
	size_t before = out->n;
	int r = -1;

	memset(&ap, 0, sizeof ap);
	ap.err = err;
	buf_init(&text, len + 1);
	buf_init(&ap.name, len + 1);
	buf_init(&ap.local, len + 1);
	buf_init(&ap.domain, len + 1);
	buf_init(&ap.cmt, len + 1);
	if (ap_unfold(s, len, &text, err) == -1)
		goto out;
	ap.s = buf_str(&text);
	if (ap_list(&ap, allow_groups, out) == -1)
		goto out;
	r = 0;
out:
	while (r == -1 && out->n > before) {
		out->n--;
		free(out->v[out->n].spec);
		free(out->v[out->n].name);
		free(out->v[out->n].comment);
	}
	buf_free(&text);
	buf_free(&ap.name);
	buf_free(&ap.local);
	buf_free(&ap.domain);
	buf_free(&ap.cmt);
	return r;
}

int
addr_parse_list(const char *s, size_t len, struct addr_list *out,
    struct err *err)
{
	return ap_parse(s, len, true, out, err);
}

int
addr_parse_envelope(const char *s, bool allow_null, char **out,
    bool *unqualified, struct err *err)
{
	struct addr_list l;
	const unsigned char *p;
	int r = -1;

	*out = NULL;
	addr_list_init(&l, 2);
	for (p = (const unsigned char *)s; *p != '\0'; p++)
		if (*p < 0x20 || *p == 0x7f)
			return err_set(err, ERR_USAGE,
			    "address contains a control character");
	if (s[0] == '-' || (s[0] == '<' && s[1] == '-'))
		return err_set(err, ERR_USAGE,
		    "address may not start with '-': %s", s);
	if (*s == '\0' || strcmp(s, "<>") == 0) {
		if (!allow_null)
			return err_set(err, ERR_USAGE, "empty address");
		if ((*out = strdup("")) == NULL)
			return err_set(err, ERR_SOFTWARE, "out of memory");
		if (unqualified != NULL)
			*unqualified = false;
		return 0;
	}
	if (ap_parse(s, strlen(s), false, &l, err) == -1)
		goto out;
	if (l.n != 1) {
		err_set(err, ERR_DATA, "expected one address: %s", s);
		goto out;
	}
	if (l.v[0].name != NULL) {
		err_set(err, ERR_DATA, "display name in envelope address: %s",
		    s);
		goto out;
	}
	if ((*out = strdup(l.v[0].spec)) == NULL) {
		err_set(err, ERR_SOFTWARE, "out of memory");
		goto out;
	}
	if (unqualified != NULL)
		*unqualified = l.v[0].unqualified;
	r = 0;
out:
	addr_list_free(&l);
	return r;
}
