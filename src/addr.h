/*
 * addr.h: RFC 5322 address lists, envelope address checks and aliases.
 *
 * Everything here works on memory and never prints or exits; functions
 * return 0 or -1 after filling the caller's struct err.
 *
 * addr_parse_list() reads an address-list as found in a To/Cc/Bcc/From
 * field body or in one argv recipient ("a@b, Bob <c@d>, team: e@f;"):
 * mailboxes, name-addr, groups, comments (nested), quoted strings,
 * folding (CRLF WSP), domain literals and the obsolete forms (route
 * addresses, CFWS between the atoms of a dotted local part or domain).
 * Each mailbox becomes a struct addr whose spec is the addr-spec with
 * comments and folding removed and quoting made minimal: the local part
 * is quoted only when it is not a dot-atom, so the spec can go straight
 * into MAIL FROM/RCPT TO. A bare local name ("root") is accepted and
 * flagged unqualified; addr_resolve() then maps it through the aliases
 * and local_domain or refuses it.
 *
 * Non-ASCII bytes (UTF-8) are kept as they are: a non-ASCII local part
 * sets utf8_local (the message needs SMTPUTF8), a non-ASCII domain sets
 * utf8_domain (IDN conversion is idn.c's job, later). CR or LF outside
 * folding, NUL and other control bytes, unbalanced quotes, brackets or
 * comments, comments nested deeper than ADDR_MAX_NESTING and lists longer
 * than the list's cap are errors (ERR_DATA), never crashes.
 */
#ifndef POSTERN_ADDR_H
#define POSTERN_ADDR_H

#include <stdbool.h>
#include <stddef.h>

#include "err.h"

#define ADDR_MAX_PATH 254   /* RFC 5321 4.5.3.1.3, without the <> */
#define ADDR_MAX_LOCAL 64   /* RFC 5321 4.5.3.1.1 */
#define ADDR_MAX_NESTING 32 /* comment nesting */
#define ADDR_MAX_RCPTS 1000 /* default cap on a list */
#define ADDR_MAX_ALIAS_DEPTH 16

struct addr {
	char *spec;       /* "local@domain", or "local" when unqualified */
	char *name;       /* display name (unquoted, decoded), or NULL */
	char *comment;    /* text of the last comment, e.g. "Cron Daemon" */
	bool unqualified; /* no "@domain" */
	bool utf8_local;  /* local part has bytes >= 0x80 */
	bool utf8_domain; /* domain has bytes >= 0x80 */
};

struct addr_list {
	struct addr *v;
	size_t n;   /* entries in v */
	size_t cap; /* allocated entries */
	size_t max; /* cap on n */
};

/* An empty list holding at most max entries (0 means ADDR_MAX_RCPTS). */
void addr_list_init(struct addr_list *, size_t max);

/* Release every entry; the list is empty (same max) afterwards. */
void addr_list_free(struct addr_list *);

/*
 * Append a copy of spec (and of name and comment when not NULL). The
 * flags are computed from spec. -1 (ERR_DATA) past the cap,
 * ERR_SOFTWARE on ENOMEM.
 */
int addr_list_add(struct addr_list *, const char *spec, const char *name,
    const char *comment, struct err *);

/*
 * Parse the address-list in s[0..len) (it need not be NUL-terminated and
 * may hold folding CRLF WSP) and append its mailboxes to out; groups
 * contribute their members, an empty group ("undisclosed-recipients:;")
 * nothing. An empty or all-blank string is an empty list, not an error.
 * On error (ERR_DATA, text naming the problem) out keeps what it had
 * before the call.
 */
int addr_parse_list(const char *s, size_t len, struct addr_list *out,
    struct err *);

/*
 * Check one envelope address given on the command line (-f, argv
 * recipient) and return its SMTP form in *out (free() it): surrounding
 * <> are removed, quoting made minimal. "" and "<>" are the null sender,
 * accepted only when allow_null (*out is then ""). Refused (ERR_USAGE for
 * CR/LF/NUL/controls and a leading '-', ERR_DATA for bad syntax): a path
 * over ADDR_MAX_PATH octets, a local part over ADDR_MAX_LOCAL, a display
 * name, a group, more than one address. An unqualified name ("root") is
 * accepted; *unqualified (may be NULL) says so.
 */
int addr_parse_envelope(const char *s, bool allow_null, char **out,
    bool *unqualified, struct err *);

/*
 * Aliases in msmtp's format: one "local: address, address" per line,
 * '#' starts a comment line, blank lines are ignored, names are matched
 * case-insensitively, "default:" matches every local name that has no
 * entry of its own. Values are address-lists (addr_parse_list). Errors
 * are ERR_CONFIG with "line N: ..." in the text (the caller adds the
 * path). The object is immutable after parsing.
 */
struct addr_aliases;

int addr_aliases_parse(const char *data, size_t len, struct addr_aliases **out,
    struct err *);
void addr_aliases_free(struct addr_aliases *);

/*
 * Qualify the entries of in and append the results to out, dropping
 * exact duplicates. Qualified addresses are copied. An unqualified name
 * is replaced by its alias entry (or the default entry), recursively; a
 * name met again inside its own expansion is not expanded again (so
 * "root: root, admin@example.org" works). A name with no alias becomes
 * name@local_domain when local_domain is set; otherwise it is refused
 * with ERR_NOUSER naming the recipient. Expansion deeper than
 * ADDR_MAX_ALIAS_DEPTH is ERR_CONFIG; more results than out's cap is
 * ERR_DATA. aliases and local_domain may be NULL.
 */
int addr_resolve(const struct addr_list *in, const struct addr_aliases *,
    const char *local_domain, struct addr_list *out, struct err *);

#endif
