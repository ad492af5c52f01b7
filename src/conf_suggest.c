/*
 * conf_suggest.c: -a NAME that is not in the configuration: the accounts
 * there are, and the closest name as "did you mean" (issue 17 item 11).
 * Pure: the configuration in, the error text extended.
 */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "buf.h"
#include "conf.h"
#include "err.h"

static unsigned
conf_min3(unsigned a, unsigned b, unsigned c)
{
	unsigned m = a < b ? a : b;

	return m < c ? m : c;
}

/* Levenshtein distance of a and b (case ignored), capped at 3. */
static unsigned
conf_distance(const char *a, const char *b)
{
	unsigned row[CONF_NAME_MAX + 2], diag, up;
	size_t la = strlen(a), lb = strlen(b), i, j;

	if (la > CONF_NAME_MAX || lb > CONF_NAME_MAX)
		return 3;
	for (j = 0; j <= lb; j++)
		row[j] = (unsigned)j;
	for (i = 1; i <= la; i++) {
		diag = row[0];
		row[0] = (unsigned)i;
		for (j = 1; j <= lb; j++) {
			up = row[j];
			row[j] = tolower((unsigned char)a[i - 1]) ==
			        tolower((unsigned char)b[j - 1])
			    ? diag
			    : 1 + conf_min3(diag, up, row[j - 1]);
			diag = up;
		}
	}
	return row[lb] < 3 ? row[lb] : 3;
}

void
conf_account_hint(const struct conf *c, const char *name, struct err *e)
{
	const char *best = NULL;
	unsigned d, bestd = 3;
	struct buf list;
	size_t i, n = strlen(e->text);

	buf_init(&list, ERR_TEXT_MAX);
	for (i = 0; i < c->naccounts; i++) {
		const char *an = c->accounts[i]->name;

		(void)buf_printf(&list, "%s%s", list.len ? ", " : "", an);
		if ((d = conf_distance(name, an)) < bestd) {
			bestd = d;
			best = an;
		}
	}
	if (c->naccounts == 0)
		(void)snprintf(e->text + n, sizeof(e->text) - n,
		    "; there is no account at all: postern --configure you@example.org makes one");
	else if (best != NULL)
		(void)snprintf(e->text + n, sizeof(e->text) - n,
		    "; did you mean %s? The accounts are: %s", best,
		    buf_str(&list));
	else
		(void)snprintf(e->text + n, sizeof(e->text) - n,
		    "; the accounts are: %s", buf_str(&list));
	buf_free(&list);
}
