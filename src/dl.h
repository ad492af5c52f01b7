/*
 * dl.h: loading an optional library at run time (dlopen) and resolving
 * a table of its symbols, once.
 *
 * The callers (http.c for libcurl, secrets_libsecret.c for libsecret)
 * keep a static struct dl_lib naming the sonames to try and the
 * symbols to resolve into their function tables. dl_load never prints
 * or exits: on failure why holds dlerror's text or "SONAME: no SYMBOL".
 * A loaded library is never closed (GLib cannot be unloaded safely).
 */
#ifndef POSTERN_DL_H
#define POSTERN_DL_H

#include <stddef.h>

#define DL_WHY_MAX 256

/* One symbol and where its address goes. */
struct dl_sym {
	const char *name;
	void **slot;
};

struct dl_lib {
	const char *const *sonames; /* tried in order; NULL-terminated */
	const struct dl_sym *syms;
	size_t nsyms;
	int state;            /* 0 not tried, 1 loaded, -1 failed */
	char why[DL_WHY_MAX]; /* why it failed, for the caller's message */
};

/*
 * Load the first soname that dlopen finds and resolve every symbol,
 * the first time; later calls return the first outcome. 0, or -1 with
 * lib->why.
 */
int dl_load(struct dl_lib *lib);

#endif
