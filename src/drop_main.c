/*
 * drop_main.c: postern-drop, the only part of postern that runs with
 * elevated rights: installed set-group-ID to the system group (postern
 * by default), it lets a user with no configuration of their own put one
 * message into the system queue's maildrop, SPOOLDIR/maildrop (mode
 * 1730, owned by the system user and this group: the group may create
 * files there, nobody else may list or open them). The group is not the
 * system user's own, so it cannot read /etc/postern.conf.
 *
 * It takes no arguments, reads no configuration, ignores its
 * environment, opens no network connection and reads nothing but its
 * standard input: one record (drop.h) that postern writes. It writes
 * exactly one new file, whose first lines are the record's magic and the
 * caller's real uid (getuid(), never from the input), prints the new
 * id on standard output and exits 0; or prints one line on standard
 * error and exits with a sysexits(3) code, having written nothing.
 */
#include "config.h"

#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "drop.h"

#define DROP_DIR SPOOLDIR "/maildrop"

/*
 * LeakSanitizer cannot stop a set-group-ID process (it is not dumpable),
 * so an --enable-asan build of the helper runs without it (the hook is
 * LSan's own interface; other builds never call it).
 */
int __lsan_is_turned_off(void);
int
__lsan_is_turned_off(void)
{
	return 1;
}

static int
drop_fail(int code, const char *why)
{
	fprintf(stderr, "postern-drop: %s\n", why);
	return code;
}

/* No core file, no inherited descriptors but 0-2, no environment. */
static void
drop_harden(void)
{
	const struct rlimit none = { 0, 0 };

	(void)setrlimit(RLIMIT_CORE, &none);
	(void)prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	(void)clearenv();
	(void)close_range(3, ~0U, 0);
	(void)umask(077);
}

int
main(int argc, char **argv)
{
	char id[DROP_ID_LEN + 1];
	const char *why = NULL;
	bool cantcreat;
	int dirfd, rc;

	(void)argv;
	drop_harden();
	if (argc != 1)
		return drop_fail(EX_USAGE,
		    "takes no arguments: postern runs it with the message on standard input");
	if (geteuid() != getuid())
		return drop_fail(EX_SOFTWARE, "must not be set-user-ID");
	dirfd = open(DROP_DIR, O_PATH | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	if (dirfd == -1) {
		fprintf(stderr,
		    "postern-drop: cannot use the maildrop %s: %s\n", DROP_DIR,
		    strerror(errno));
		return EX_CANTCREAT;
	}
	if (drop_write(dirfd, STDIN_FILENO, getuid(), id, &why, &cantcreat) ==
	    -1) {
		fprintf(stderr,
		    "postern-drop: cannot write into the maildrop %s: %s\n",
		    DROP_DIR, why);
		rc = cantcreat ? EX_CANTCREAT : EX_DATAERR;
	} else {
		printf("%s\n", id);
		rc = fflush(stdout) == 0 ? EX_OK : EX_IOERR;
	}
	(void)close(dirfd);
	return rc;
}
