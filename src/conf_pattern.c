/*
 * conf_pattern.c: msmtp's %U, %H, %C, %M patterns in `from` and `domain`
 * (see conf_pattern.h).
 */
#include "config.h"

#include <sys/socket.h>

#include <netdb.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf_pattern.h"
#include "util.h"

#define CONF_PATTERN_MAX 1024 /* an expanded value */

/* The value of %c, or NULL with *why. */
static const char *
conf_pattern_value(char c, const struct conf_pattern_env *env, const char **why)
{
	const char *v = NULL;

	switch (c) {
	case 'U':
		v = env->user;
		*why = "%U: no user name";
		break;
	case 'H':
		v = env->host;
		*why = "%H: no host name";
		break;
	case 'C':
		v = env->canon;
		*why = "%C: no host name";
		break;
	case 'M':
		v = env->mailname;
		*why = "%M: no mailname file (" SYSCONFDIR "/mailname)";
		break;
	case '%':
		v = "%";
		break;
	case 'F':
		*why = "%F (the message's From) is not supported: set from";
		break;
	default:
		*why = "unknown pattern (use %U, %H, %C, %M or %%)";
		break;
	}
	return v;
}

int
conf_pattern_expand(const char *in, const struct conf_pattern_env *env,
    struct buf *out, const char **why)
{
	const char *p, *v;

	for (p = in; *p != '\0'; p++) {
		if (*p != '%') {
			if (buf_add_char(out, *p) == -1)
				goto toolong;
			continue;
		}
		if ((v = conf_pattern_value(p[1], env, why)) == NULL)
			return -1;
		if (buf_add_str(out, v) == -1)
			goto toolong;
		p++;
	}
	return 0;
toolong:
	*why = "the expanded value is too long";
	return -1;
}

/* --- gathering the values (I/O) ------------------------------------- */

struct conf_pattern_store {
	struct conf_pattern_env env;
	char host[256];
	char *canon;
	char mailname[256];
};

static const char *
conf_pattern_user(void)
{
	const char *u = getenv("USER");
	struct passwd *pw;

	if (u == NULL || *u == '\0')
		u = getenv("LOGNAME");
	if ((u == NULL || *u == '\0') && (pw = getpwuid(getuid())) != NULL)
		u = pw->pw_name;
	return u != NULL && *u != '\0' ? u : NULL;
}

static const char *
conf_pattern_host(struct conf_pattern_store *st)
{
	const char *h = getenv("HOSTNAME");

	if (h != NULL && *h != '\0')
		return h;
	if (gethostname(st->host, sizeof(st->host) - 1) == -1)
		return NULL;
	st->host[sizeof(st->host) - 1] = '\0';
	return st->host[0] ? st->host : NULL;
}

/* Only called when a value holds %C: it may ask DNS. */
static const char *
conf_pattern_canon(struct conf_pattern_store *st)
{
	struct addrinfo hints, *res = NULL;

	if (st->env.host == NULL)
		return NULL;
	memset(&hints, 0, sizeof(hints));
	hints.ai_flags = AI_CANONNAME;
	if (getaddrinfo(st->env.host, NULL, &hints, &res) == 0 &&
	    res->ai_canonname != NULL)
		st->canon = strdup(res->ai_canonname);
	if (res != NULL)
		freeaddrinfo(res);
	return st->canon != NULL ? st->canon : st->env.host;
}

static const char *
conf_pattern_mailname(struct conf_pattern_store *st)
{
	static const char *const files[] = { SYSCONFDIR "/mailname",
		"/etc/mailname" };
	size_t i;
	FILE *f;

	for (i = 0; i < ARRAY_SIZE(files); i++) {
		if ((f = fopen(files[i], "re")) == NULL)
			continue;
		if (fgets(st->mailname, sizeof(st->mailname), f) == NULL)
			st->mailname[0] = '\0';
		(void)fclose(f);
		st->mailname[strcspn(st->mailname, " \t\r\n")] = '\0';
		if (st->mailname[0] != '\0')
			return st->mailname;
	}
	return NULL;
}

/* Fill what v needs and is not known yet. */
static void
conf_pattern_gather(struct conf_pattern_store *st, const char *v)
{
	if (strstr(v, "%U") && st->env.user == NULL)
		st->env.user = conf_pattern_user();
	if ((strstr(v, "%H") || strstr(v, "%C")) && st->env.host == NULL)
		st->env.host = conf_pattern_host(st);
	if (strstr(v, "%C") && st->env.canon == NULL)
		st->env.canon = conf_pattern_canon(st);
	if (strstr(v, "%M") && st->env.mailname == NULL)
		st->env.mailname = conf_pattern_mailname(st);
}

/* Expand one field in place; 0, or -1 after appending the error. */
static int
conf_pattern_field(struct conf *c, struct conf_pattern_store *st,
    struct account *a, char **field, enum conf_key_id key)
{
	const struct conf_origin *o = &a->origin[key];
	const char *why = NULL;
	struct buf out;
	int r = 0;

	if (*field == NULL || strchr(*field, '%') == NULL)
		return 0;
	conf_pattern_gather(st, *field);
	buf_init(&out, CONF_PATTERN_MAX);
	if (conf_pattern_expand(*field, &st->env, &out, &why) == -1) {
		(void)buf_printf(&c->errors, "%s:%u: %s: %s\n",
		    o->file ? o->file : "-", o->line, conf_keys[key].name, why);
		r = -1;
	} else {
		free(*field);
		*field = buf_steal(&out);
	}
	buf_free(&out);
	return r;
}

int
conf_expand_patterns(struct conf *c)
{
	struct conf_pattern_store st;
	int nerr = 0;
	size_t i;

	memset(&st, 0, sizeof(st));
	for (i = 0; i < c->naccounts; i++) {
		struct account *a = c->accounts[i];

		nerr -= conf_pattern_field(c, &st, a, &a->from, CONF_KEY_FROM);
		nerr -=
		    conf_pattern_field(c, &st, a, &a->domain, CONF_KEY_DOMAIN);
	}
	free(st.canon);
	return nerr;
}
