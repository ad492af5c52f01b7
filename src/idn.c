/*
 * idn.c: internationalised domain names, the only file that includes
 * libidn2 (see idn.h).
 *
 * Every conversion goes through idn_run, which checks libidn2's return
 * value, copies its result into memory of ours (libidn2's own buffer is
 * released with idn2_free at once) and turns a failure into an error that
 * names the host or address and quotes idn2_strerror. Pure ASCII input
 * never reaches libidn2 on the way to A-labels.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <idn2.h>

#include "idn.h"
#include "util.h"

#define IDN_FLAGS (IDN2_NFC_INPUT | IDN2_NONTRANSITIONAL)

const char *
idn_library_version(void)
{
	return idn2_check_version(NULL);
}

bool
idn_is_ascii(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s >= 0x80)
			return false;
	return true;
}

/* Whether some label of an ASCII name is an A-label ("xn--..."). */
static bool
idn_has_alabel(const char *s)
{
	const char *p = s;

	for (;;) {
		if (strncasecmp(p, "xn--", 4) == 0)
			return true;
		if ((p = strchr(p, '.')) == NULL)
			return false;
		p++;
	}
}

/*
 * name through libidn2 (to A-labels, or to U-labels with unicode), the
 * result in *out (malloc'ed). The error says "<what> "<name>": ...".
 */
static int
idn_run(const char *what, const char *name, bool unicode, char **out,
    struct err *e)
{
	char *res = NULL;
	int rc;

	*out = NULL;
	if (unicode)
		rc = idn2_to_unicode_8z8z(name, &res, IDN_FLAGS);
	else
		rc = idn2_to_ascii_8z(name, &res, IDN_FLAGS);
	if (rc == IDN2_MALLOC)
		return err_set(e, ERR_SOFTWARE, "out of memory");
	if (rc != IDN2_OK || res == NULL) {
		idn2_free(res);
		return err_set(e, ERR_DATA,
		    "%s \"%s\": not a valid international domain name: %s",
		    what, name, idn2_strerror(rc));
	}
	*out = strdup(res);
	idn2_free(res);
	if (*out == NULL)
		return err_set(e, ERR_SOFTWARE, "out of memory");
	return 0;
}

int
idn_to_ascii(const char *what, const char *name, char *out, size_t cap,
    struct err *e)
{
	char *a = NULL;
	int r = -1;

	if (idn_is_ascii(name)) {
		if (strlcpy(out, name, cap) >= cap)
			return err_set(e, ERR_DATA, "%s \"%s\": name too long",
			    what, name);
		return 0;
	}
	if (idn_run(what, name, false, &a, e) == -1)
		return -1;
	if (strlcpy(out, a, cap) >= cap) {
		(void)err_set(e, ERR_DATA,
		    "%s \"%s\": not a valid international domain name: longer than %zu octets in A-labels",
		    what, name, cap - 1);
		goto out;
	}
	r = 0;
out:
	free(a);
	return r;
}

int
idn_to_unicode(const char *what, const char *name, char **out, struct err *e)
{
	char *a = NULL;

	if (idn_is_ascii(name) && !idn_has_alabel(name)) {
		if ((*out = strdup(name)) == NULL)
			return err_set(e, ERR_SOFTWARE, "out of memory");
		return 0;
	}
	/* libidn2 decodes a bad A-label loosely: validate it first. */
	if (idn_run(what, name, false, &a, e) == -1)
		return -1;
	free(a);
	return idn_run(what, name, true, out, e);
}

bool
idn_addr_local_ascii(const char *addr)
{
	const char *at = strrchr(addr, '@');
	size_t i, n = at ? (size_t)(at - addr) : strlen(addr);

	for (i = 0; i < n; i++)
		if ((unsigned char)addr[i] >= 0x80)
			return false;
	return true;
}

int
idn_addr_to_ascii(const char *addr, char **out, struct err *e)
{
	const char *at = strrchr(addr, '@');
	char dom[IDN_NAME_MAX], what[ERR_TEXT_MAX / 2];
	size_t n;

	*out = NULL;
	if (at != NULL && at[1] == '[' && !idn_is_ascii(at + 1))
		return err_set(e, ERR_DATA,
		    "address <%s>: a domain literal must be ASCII", addr);
	if (at == NULL || idn_is_ascii(at + 1)) {
		if ((*out = strdup(addr)) == NULL)
			return err_set(e, ERR_SOFTWARE, "out of memory");
		return 0;
	}
	(void)snprintf(what, sizeof(what), "address <%s>: domain", addr);
	if (idn_to_ascii(what, at + 1, dom, sizeof(dom), e) == -1)
		return -1;
	n = (size_t)(at - addr) + 1;
	if ((*out = malloc(n + strlen(dom) + 1)) == NULL)
		return err_set(e, ERR_SOFTWARE, "out of memory");
	memcpy(*out, addr, n);
	memcpy(*out + n, dom, strlen(dom) + 1);
	return 0;
}
