/*
 * dl.c: an optional library loaded at run time and its symbol table
 * resolved, once (see dl.h).
 */
#include "config.h"

#include <dlfcn.h>
#include <stdio.h>

#include "dl.h"
#include "util.h"

/* The first soname that loads, or NULL with lib->why. */
static void *
dl_open(struct dl_lib *lib, const char **name)
{
	const char *const *s;
	void *h;

	for (s = lib->sonames; *s != NULL; s++)
		if ((h = dlopen(*s, RTLD_NOW | RTLD_LOCAL)) != NULL) {
			*name = *s;
			return h;
		}
	/* dlerror names the last one tried. */
	(void)strlcpy(lib->why, dlerror(), sizeof(lib->why));
	return NULL;
}

int
dl_load(struct dl_lib *lib)
{
	const char *name = NULL;
	void *h;
	size_t i;

	if (lib->state != 0)
		return lib->state == 1 ? 0 : -1;
	lib->state = -1;
	if ((h = dl_open(lib, &name)) == NULL)
		return -1;
	for (i = 0; i < lib->nsyms; i++)
		if ((*lib->syms[i].slot = dlsym(h, lib->syms[i].name)) ==
		    NULL) {
			(void)snprintf(lib->why, sizeof(lib->why), "%s: no %s",
			    name, lib->syms[i].name);
			return -1;
		}
	lib->state = 1;
	return 0;
}
