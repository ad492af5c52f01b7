/*
 * cli_int.h: the command line's insides, shared by cli.c (the argv walk,
 * recipients, the final checks) and cli_opts.c (one handler per option
 * and the two option tables). Not for other modules: they use cli.h.
 */
#ifndef POSTERN_CLI_INT_H
#define POSTERN_CLI_INT_H

#include <stddef.h>

#include "cli.h"

enum cli_arg {
	CLI_ARG_NONE,     /* a flag */
	CLI_ARG_REQUIRED, /* value glued or in the next argument */
	CLI_ARG_GLUED     /* optional value: glued only for a short option
	                     (-q30m); "=VALUE" or a next non-option for a
	                     long one (--doctor ACCOUNT) */
};

/* An option's handler: val is NULL for a flag or an absent value. */
typedef int cli_fn(struct cli_request *, const char *val, struct err *);

struct cli_opt {
	const char *name; /* long name, or NULL */
	char letter;      /* short letter, or 0 */
	enum cli_arg arg;
	cli_fn *fn;
};

/* The short option -c, or NULL. */
const struct cli_opt *cli_opt_short(int c);

/* The long option --name (n bytes, not terminated), or NULL. */
const struct cli_opt *cli_opt_long(const char *name, size_t n);

/* Add the warning line "pre what post"; a full buffer drops it. 0. */
int cli_warn(struct cli_request *, const char *pre, const char *what,
    const char *post);

#endif
