/*
 * configure_write.c: `postern --configure ADDRESS --write` puts the
 * account block into the configuration file itself (see
 * configure_write.h): the directory made (0700), the file created with
 * mode 0600, never an existing file replaced or changed silently.
 */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "configure_write.h"
#include "util.h"

/* The directory part of path, made with mode 0700 when missing. */
static int
cwrite_dir(const char *path, struct err *e)
{
	char *copy = strdup(path);
	int r;

	if (copy == NULL)
		return err_set(e, ERR_SOFTWARE, "out of memory");
	r = util_mkdirs(dirname(copy), e);
	free(copy);
	return r;
}

int
configure_write(const char *path, const char *block, size_t len, struct err *e)
{
	int fd, r = -1;

	if (cwrite_dir(path, e) == -1)
		return -1;
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
	    0600);
	if (fd == -1 && errno == EEXIST)
		return err_set(e, ERR_CANTCREAT,
		    "%s exists: nothing was written to it; add the account block printed above to it yourself (or pass -C NEWFILE)",
		    path);
	if (fd == -1)
		return err_set(e, ERR_CANTCREAT, "cannot create %s: %s", path,
		    strerror(errno));
	if (util_write_all(fd, block, len) == -1 || fsync(fd) == -1)
		err_set(e, ERR_IO, "cannot write %s: %s", path,
		    strerror(errno));
	else
		r = 0;
	if (close(fd) == -1 && r == 0)
		r = err_set(e, ERR_IO, "cannot write %s: %s", path,
		    strerror(errno));
	if (r == -1)
		(void)unlink(path); /* ours: made just now with O_EXCL */
	return r;
}
