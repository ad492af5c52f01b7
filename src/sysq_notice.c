/*
 * sysq_notice.c: when the service sets a maildrop file aside (x.ID:
 * its arguments or its message were refused), the user who sent it is
 * told by mail, since postern had already exited 0 for them: a short
 * plain-text notice from the null sender (so it never bounces), queued
 * in the system queue to the user's name mapped through the default
 * account's aliases, else qualified with its local_domain. Without
 * either there is no address to write to, and the syslog line stays the
 * only trace. The notice names the id and the reason, never the message.
 */
#include "config.h"

#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "addr.h"
#include "queue.h"
#include "sysq.h"

#define SYSQ_NOTICE_MAX (16 * 1024)

/* The user's address: aliases, else local_domain. NULL when neither. */
static char *
sysq_notice_addr(const struct account *a, const char *name)
{
	struct addr_aliases *al = NULL;
	struct addr_list in, out;
	char *to = NULL;
	struct buf b;
	struct err e;

	addr_list_init(&in, 1);
	addr_list_init(&out, 0);
	buf_init(&b, 1024 * 1024);
	if (a->aliases != NULL && conf_read_file(a->aliases, &b, &e) == 0)
		(void)addr_aliases_parse(b.data ? b.data : "", b.len, &al, &e);
	if (addr_list_add(&in, name, NULL, NULL, &e) == 0 &&
	    addr_resolve(&in, al, a->local_domain, &out, &e) == 0 &&
	    out.n > 0 && !out.v[0].unqualified)
		to = strdup(out.v[0].spec);
	addr_aliases_free(al);
	addr_list_free(&in);
	addr_list_free(&out);
	buf_free(&b);
	return to;
}

/* The notice's bytes (CRLF lines, ASCII). */
static int
sysq_notice_text(struct buf *b, const char *to, const char *id,
    const char *host, uid_t uid, const char *why)
{
	char date[64], safe[ERR_TEXT_MAX];
	time_t now = time(NULL);
	struct tm tm;
	size_t i;

	for (i = 0; why[i] != '\0' && i < sizeof(safe) - 1; i++)
		safe[i] = why[i] >= 0x20 && why[i] < 0x7f ? why[i] : '?';
	safe[i] = '\0';
	(void)strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S %z",
	    localtime_r(&now, &tm));
	return buf_printf(b,
	    "From: Mail Delivery System <MAILER-DAEMON@%s>\r\nTo: <%s>\r\nSubject: Undelivered mail: refused by the system queue (%s)\r\nDate: %s\r\nMessage-ID: <%s.refused@%s>\r\nAuto-Submitted: auto-replied\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\nA message you (uid %lu) gave to sendmail on %s was accepted into\r\nthe system queue as %s, but the queue could not take it:\r\n\r\n  %s\r\n\r\nIt was not sent. The administrator finds it as x.%s in the maildrop.\r\n",
	    host, to, id, date, id, host, (unsigned long)uid, host, id, safe,
	    id);
}

void
sysq_notice(const struct conf *c, const char *id, uid_t uid, const char *why)
{
	struct passwd *pw = getpwuid(uid);
	char host[256] = "localhost", *to = NULL;
	const struct account *a;
	struct queue_env env;
	struct buf b;
	struct err e;

	queue_env_init(&env);
	buf_init(&b, SYSQ_NOTICE_MAX);
	(void)gethostname(host, sizeof(host) - 1);
	if (pw == NULL || conf_select(c, NULL, NULL, &a, &e) == -1 ||
	    (to = sysq_notice_addr(a, pw->pw_name)) == NULL ||
	    strpbrk(host, "<>\r\n ") != NULL)
		goto out;
	if (sysq_notice_text(&b, to, id, host, uid, why) == -1 ||
	    queue_id_new(env.id, &e) == -1)
		goto out;
	env.created = env.next_attempt = time(NULL);
	env.size = b.len;
	if (queue_env_set(&env.account, a->name) == -1 ||
	    queue_env_set(&env.sender, "") == -1 ||
	    queue_env_add_rcpt(&env, to, QUEUE_RCPT_PENDING, NULL) == -1)
		goto out;
	if (queue_dir_init(a->queue_dir, &e) == 0)
		(void)queue_put(a->queue_dir, &env, b.data, b.len, &e);
out:
	free(to);
	buf_free(&b);
	queue_env_free(&env);
}
