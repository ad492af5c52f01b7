/*
 * bs_parse.c: the pure half of -bs (see bs.h): command lines into a verb
 * and an argument, MAIL FROM / RCPT TO paths and parameters, and the
 * reply line for a submission that failed.
 *
 * Command lines arrive NUL-terminated and without their line end; the
 * session has already refused lines over 512 octets and lines holding
 * a NUL. Nothing here allocates, prints or does I/O.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "bs.h"
#include "util.h"
#include "vis.h"

static const struct {
	const char *name;
	enum bs_verb verb;
} bs_verbs[] = {
	{ "HELO", BS_CMD_HELO },
	{ "EHLO", BS_CMD_EHLO },
	{ "MAIL", BS_CMD_MAIL },
	{ "RCPT", BS_CMD_RCPT },
	{ "DATA", BS_CMD_DATA },
	{ "RSET", BS_CMD_RSET },
	{ "NOOP", BS_CMD_NOOP },
	{ "QUIT", BS_CMD_QUIT },
	{ "VRFY", BS_CMD_VRFY },
	{ "EXPN", BS_CMD_EXPN },
	{ "HELP", BS_CMD_HELP },
	/* SMTP verbs a local submission channel does not offer */
	{ "AUTH", BS_CMD_NOTIMPL },
	{ "STARTTLS", BS_CMD_NOTIMPL },
	{ "BDAT", BS_CMD_NOTIMPL },
	{ "ETRN", BS_CMD_NOTIMPL },
	{ "TURN", BS_CMD_NOTIMPL },
	{ "SEND", BS_CMD_NOTIMPL },
	{ "SOML", BS_CMD_NOTIMPL },
	{ "SAML", BS_CMD_NOTIMPL },
};

void
bs_parse_command(const char *line, struct bs_cmd *out)
{
	size_t n = strcspn(line, " "), i;
	const char *arg = line + n;

	memset(out, 0, sizeof(*out));
	while (*arg == ' ')
		arg++;
	out->arg = arg;
	out->arglen = strlen(arg);
	while (out->arglen > 0 &&
	    (arg[out->arglen - 1] == ' ' || arg[out->arglen - 1] == '\t'))
		out->arglen--;
	if (n == 0) {
		out->verb = line[0] == '\0' ? BS_CMD_EMPTY : BS_CMD_UNKNOWN;
		return;
	}
	out->verb = BS_CMD_UNKNOWN;
	for (i = 0; i < ARRAY_SIZE(bs_verbs); i++)
		if (strlen(bs_verbs[i].name) == n &&
		    strncasecmp(line, bs_verbs[i].name, n) == 0)
			out->verb = bs_verbs[i].verb;
}

/* The end of a bracketed path: the '>' outside quotes, or NULL. */
static const char *
bs_path_end(const char *p, const char *end)
{
	bool quoted = false;

	for (; p < end; p++) {
		if (*p == '\\' && p + 1 < end)
			p++;
		else if (*p == '"')
			quoted = !quoted;
		else if (*p == '>' && !quoted)
			return p;
	}
	return NULL;
}

int
bs_parse_path(const char *arg, size_t len, const char *prefix,
    struct bs_path *out, const char **why)
{
	size_t plen = strlen(prefix);
	const char *end = arg + len, *p, *q, *rest;

	memset(out, 0, sizeof(*out));
	out->params = "";
	if (len < plen || strncasecmp(arg, prefix, plen) != 0) {
		*why = "syntax error: expected a path after FROM: or TO:";
		return -1;
	}
	for (p = arg + plen; p < end && *p == ' '; p++)
		;
	if (p < end && *p == '<') {
		if ((q = bs_path_end(p + 1, end)) == NULL) {
			*why = "syntax error: no closing '>' in the path";
			return -1;
		}
		rest = q + 1;
		p++;
	} else {
		for (q = p; q < end && *q != ' '; q++)
			;
		rest = q;
	}
	if (rest < end && *rest != ' ') {
		*why = "syntax error: text after the path";
		return -1;
	}
	if ((size_t)(q - p) >= sizeof(out->path)) {
		*why = "path too long";
		return -1;
	}
	memcpy(out->path, p, (size_t)(q - p));
	out->path[q - p] = '\0';
	while (rest < end && *rest == ' ')
		rest++;
	out->params = rest;
	out->paramslen = (size_t)(end - rest);
	return 0;
}

/* KEYWORD=VALUE, keyword compared case-insensitively; value copied. */
static bool
bs_param_is(const char *kw, size_t n, const char *name, char *val, size_t cap)
{
	size_t k = strlen(name);

	if (n <= k || kw[k] != '=' || strncasecmp(kw, name, k) != 0)
		return false;
	val[0] = '\0';
	if (n - k - 1 < cap) {
		memcpy(val, kw + k + 1, n - k - 1);
		val[n - k - 1] = '\0';
	}
	return true;
}

/* One "KEYWORD[=VALUE]" of a MAIL command. */
static int
bs_mail_param(const char *kw, size_t n, struct bs_mail_params *out,
    const char **why)
{
	char val[24];

	if (bs_param_is(kw, n, "SIZE", val, sizeof(val))) {
		if (util_parse_uint(val, 0, UINT64_MAX, &out->size, why) == 0)
			return 0;
		*why = "SIZE=: not a number";
		return -1;
	}
	if (bs_param_is(kw, n, "BODY", val, sizeof(val))) {
		if (strcasecmp(val, "7BIT") == 0 ||
		    strcasecmp(val, "8BITMIME") == 0) {
			out->body_8bit = val[0] == '8';
			return 0;
		}
		*why = "BODY=: only 7BIT and 8BITMIME are implemented";
	} else
		*why =
		    "unrecognised MAIL parameter (SIZE and BODY are implemented)";
	out->unknown = true;
	return -1;
}

int
bs_parse_mail_params(const char *params, size_t len, struct bs_mail_params *out,
    const char **why)
{
	const char *p = params, *end = params + len, *w;

	memset(out, 0, sizeof(*out));
	while (p < end) {
		for (w = p; w < end && *w != ' '; w++)
			;
		if (w > p && bs_mail_param(p, (size_t)(w - p), out, why) == -1)
			return -1;
		p = w + (w < end);
	}
	return 0;
}

/* The enhanced code we give for a failure without a server reply. */
static const char *
bs_esc_for(enum err_class cls, bool temporary)
{
	if (temporary)
		return "4.3.0";
	switch (cls) {
	case ERR_NOUSER:
		return "5.1.1";
	case ERR_DATA:
		return "5.6.0";
	case ERR_CONFIG:
		return "5.3.5";
	case ERR_NOPERM:
		return "5.7.0";
	case ERR_NOHOST:
		return "5.4.4";
	case ERR_PROTOCOL:
		return "5.5.0";
	default:
		return "5.3.0";
	}
}

/* A server code we may pass on as the reply to the end of data. */
static int
bs_code_for(const struct err *e)
{
	static const int ok[] = { 450, 451, 452, 550, 552, 554 };
	size_t i;

	if (e->smtp_code < 400 || e->smtp_code > 599)
		return e->temporary ? 451 : 554;
	for (i = 0; i < ARRAY_SIZE(ok); i++)
		if (e->smtp_code == ok[i])
			return e->smtp_code;
	return e->smtp_code < 500 ? 451 : 554;
}

void
bs_reply_for_err(const struct err *e, char *out, size_t cap)
{
	char line[ERR_TEXT_MAX + 32]; /* code, esc, the text */
	int code = bs_code_for(e);
	const char *esc = e->esc;
	size_t i;

	if (esc[0] != (char)('0' + code / 100) || esc[1] != '.')
		esc = bs_esc_for(e->cls, code < 500);
	(void)snprintf(line, sizeof(line), "%d %s %s", code, esc,
	    e->text[0] ? e->text : err_class_name(e->cls));
	for (i = 0; line[i] != '\0'; i++)
		if (line[i] == '\n' || line[i] == '\t')
			line[i] = ' '; /* several collected config errors */
	(void)vis_str(out, cap, line, strlen(line), ""); /* other controls */
}
