/*
 * idn.h: internationalised domain names. idn.c is the only file that
 * includes libidn2.
 */
#ifndef POSTERN_IDN_H
#define POSTERN_IDN_H

/* The libidn2 version in use at run time ("2.3.3"). */
const char *idn_library_version(void);

#endif
