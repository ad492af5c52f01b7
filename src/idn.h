/*
 * idn.h: internationalised domain names. idn.c is the only file that
 * includes libidn2.
 *
 * Names are converted with IDNA2008 and UTS #46 non-transitional
 * processing on NFC-normalised input (idn2_to_ascii_8z with
 * IDN2_NFC_INPUT | IDN2_NONTRANSITIONAL), so "smtp.例え.jp" becomes
 * "smtp.xn--r8jz45g.jp" and "straße.de" keeps its sharp s
 * ("xn--strae-oqa.de"). A name that is pure ASCII is returned as it is
 * without calling libidn2 (the fast path): it may already hold A-labels.
 *
 * Nothing here prints or exits. A name libidn2 refuses (disallowed code
 * point, bidi rule, a label over 63 octets, a name over 253, bytes that
 * are not UTF-8) is ERR_DATA, and the text names the host or address
 * and gives libidn2's reason (idn2_strerror), e.g.
 *   host "a☃.example": not a valid international domain name:
 *   string contains a disallowed character
 */
#ifndef POSTERN_IDN_H
#define POSTERN_IDN_H

#include <stdbool.h>
#include <stddef.h>

#include "err.h"

/* Longest domain name in A-labels, NUL included (RFC 1035: 253 + 1). */
#define IDN_NAME_MAX 254

/* The libidn2 version in use at run time ("2.3.3"). */
const char *idn_library_version(void);

/* Whether s has only bytes below 0x80. */
bool idn_is_ascii(const char *s);

/*
 * name in A-labels into out (cap bytes, at most IDN_NAME_MAX needed).
 * what says what the name is, for the error ("host", "tls_host_override",
 * "local_domain"). 0, or -1 with ERR_DATA (see above); ERR_SOFTWARE on
 * ENOMEM.
 */
int idn_to_ascii(const char *what, const char *name, char *out, size_t cap,
    struct err *);

/*
 * name (A-labels or U-labels) in U-labels, for display; *out is
 * malloc'ed (free() it). A pure ASCII name without "xn--" is copied
 * without calling libidn2. Errors as idn_to_ascii.
 */
int idn_to_unicode(const char *what, const char *name, char **out,
    struct err *);

/*
 * An envelope address "local@domain" with the domain in A-labels and the
 * local part untouched; *out is malloc'ed (free() it). An address
 * without '@', or with an ASCII domain or domain literal ("[...]"), is
 * copied as it is; a literal with non-ASCII bytes is refused. The error
 * names the address: "address <x@y>: ...".
 */
int idn_addr_to_ascii(const char *addr, char **out, struct err *);

/* Whether the local part of addr (all of it without '@') is ASCII. */
bool idn_addr_local_ascii(const char *addr);

#endif
