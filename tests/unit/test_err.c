/*
 * test_err.c: error classes map to the documented sysexits codes.
 */
#include "config.h"

#include <sysexits.h>

#include "err.h"
#include "tap.h"

int
main(void)
{
	struct err e;

	IS_INT(err_exit_code(ERR_NONE), 0, "no error exits 0");
	IS_INT(err_exit_code(ERR_USAGE), EX_USAGE, "usage is 64");
	IS_INT(err_exit_code(ERR_DATA), EX_DATAERR, "data is 65");
	IS_INT(err_exit_code(ERR_NOUSER), EX_NOUSER, "no user is 67");
	IS_INT(err_exit_code(ERR_NOHOST), EX_NOHOST, "no host is 68");
	IS_INT(err_exit_code(ERR_UNAVAILABLE), EX_UNAVAILABLE,
	    "unavailable is 69");
	IS_INT(err_exit_code(ERR_IO), EX_IOERR, "i/o is 74");
	IS_INT(err_exit_code(ERR_TEMP), EX_TEMPFAIL, "temporary is 75");
	IS_INT(err_exit_code(ERR_PROTOCOL), EX_PROTOCOL, "protocol is 76");
	IS_INT(err_exit_code(ERR_NOPERM), EX_NOPERM, "no permission is 77");
	IS_INT(err_exit_code(ERR_CONFIG), EX_CONFIG, "config is 78");
	IS_INT(err_exit_code((enum err_class)999), EX_SOFTWARE,
	    "an out-of-range class is a software error");

	IS_INT(err_set(&e, ERR_CONFIG, "%s:%d: unknown key", "rc", 7), -1,
	    "err_set returns -1");
	IS_STR(e.text, "rc:7: unknown key", "err_set formats the text");
	OK(e.cls == ERR_CONFIG && !e.temporary, "and is permanent");
	(void)err_set_temp(&e, ERR_TEMP, "451 later");
	OK(e.temporary && e.cls == ERR_TEMP, "err_set_temp is temporary");
	(void)err_set(&e, ERR_IO, "wrapped: %s", e.text);
	IS_STR(e.text, "wrapped: 451 later",
	    "err_set may format its own previous text");
	err_clear(&e);
	OK(e.cls == ERR_NONE && e.text[0] == '\0', "err_clear resets");
	return tap_done();
}
