/*
 * idn.c: internationalised domain names, the only file that includes
 * libidn2.
 */
#include "config.h"

#include <idn2.h>

#include "idn.h"

const char *
idn_library_version(void)
{
	return idn2_check_version(NULL);
}
