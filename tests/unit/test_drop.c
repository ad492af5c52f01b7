/*
 * test_drop.c: the maildrop record (drop.h): drop_copy writes the magic
 * and the caller's uid itself, copies checked argument lines and the
 * message byte for byte, and refuses records that are not postern's, an
 * argument with a control character or over the cap, a "uid" line of
 * the caller's, and a record without its data line; drop_write leaves a
 * finished file (mode 0444) under a fresh id and no temporary.
 */
#include "config.h"

#include <sys/mman.h>
#include <sys/stat.h>

#include <dirent.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include "drop.h"
#include "tap.h"

/* An anonymous file holding s, rewound. */
static int
mem(const char *s, size_t n)
{
	int fd = memfd_create("t", 0);

	if (fd == -1 || write(fd, s, n) != (ssize_t)n ||
	    lseek(fd, 0, SEEK_SET) != 0)
		abort();
	return fd;
}

/* drop_copy of in; the output into out (NUL-terminated), or -1. */
static int
copy(const char *in, size_t n, char *out, size_t outlen, const char **why)
{
	int i = mem(in, n), o = memfd_create("o", 0), r;
	ssize_t k;

	r = drop_copy(i, o, 1234, why);
	(void)lseek(o, 0, SEEK_SET);
	k = read(o, out, outlen - 1);
	out[k > 0 ? k : 0] = '\0';
	(void)close(i);
	(void)close(o);
	return r;
}

static void
test_copy(void)
{
	static const char rec[] =
	    "postern-drop 1\narg -t\narg bob@example.org\n"
	    "data\nSubject: x\n\nbody\x01\xff\n";
	static const char want[] = "postern-maildrop 1\nuid 1234\narg -t\n"
	                           "arg bob@example.org\ndata\nSubject: x\n\n"
	                           "body\x01\xff\n";
	char out[8192];
	const char *why = NULL;

	IS_INT(copy(rec, sizeof(rec) - 1, out, sizeof(out), &why), 0,
	    "a record is copied");
	IS_STR(out, want, "the uid line is the helper's, the rest verbatim");
	IS_INT(copy("postern-drop 2\ndata\n", 20, out, sizeof(out), &why), -1,
	    "another magic is refused");
	IS_INT(copy("postern-drop 1\nuid 0\ndata\nx", 27, out, sizeof(out),
	           &why),
	    -1, "a uid line of the caller's is refused");
	IS_STR(why, "malformed record", "as malformed");
	IS_INT(copy("postern-drop 1\narg a\rb\ndata\n", 27, out, sizeof(out),
	           &why),
	    -1, "a CR in an argument is refused");
	IS_INT(copy("postern-drop 1\narg a\tb\ndata\n", 27, out, sizeof(out),
	           &why),
	    -1, "a tab in an argument is refused");
	IS_INT(copy("postern-drop 1\narg x\n", 21, out, sizeof(out), &why), -1,
	    "no data line: refused");
	IS_STR(why, "the record ends before its data", "says so");
}

static void
test_caps(void)
{
	char *rec = malloc(DROP_ARG_MAX + 64), out[256];
	const char *why = NULL;
	size_t n;

	n = (size_t)snprintf(rec, 32, "postern-drop 1\narg ");
	memset(rec + n, 'a', DROP_ARG_MAX + 1);
	n += DROP_ARG_MAX + 1;
	memcpy(rec + n, "\ndata\n", 6);
	n += 6;
	IS_INT(copy(rec, n, out, sizeof(out), &why), -1,
	    "an argument over DROP_ARG_MAX is refused");
	OK(drop_arg_ok("bob@example.org", 15), "an address is an argument");
	OK(!drop_arg_ok("a\x7f", 2), "DEL is not");
	free(rec);
}

static void
test_write(void)
{
	char dir[] = "/tmp/test_drop.XXXXXX", id[DROP_ID_LEN + 1], path[256];
	static const char rec[] = "postern-drop 1\narg x@y\ndata\nhello\n";
	const char *why = NULL;
	struct dirent *d;
	struct stat st;
	bool cantcreat;
	int dfd, in, files = 0;
	DIR *dp;

	if (mkdtemp(dir) == NULL)
		abort();
	dfd = open(dir, O_PATH | O_DIRECTORY);
	in = mem(rec, sizeof(rec) - 1);
	IS_INT(drop_write(dfd, in, 42, id, &why, &cantcreat), 0, "drop_write");
	OK(drop_id_valid(id), "the id is 16 hex digits");
	(void)snprintf(path, sizeof(path), "%s/%s", dir, id);
	IS_INT(stat(path, &st), 0, "the file is there under its id");
	IS_INT(st.st_mode & 07777, 0444, "mode 0444");
	dp = opendir(dir);
	while ((d = readdir(dp)) != NULL)
		files += d->d_name[0] != '.';
	(void)closedir(dp);
	IS_INT(files, 1, "no temporary left");
	(void)unlink(path);
	(void)rmdir(dir);
	(void)close(in);
	(void)close(dfd);
}

int
main(void)
{
	test_copy();
	test_caps();
	test_write();
	return tap_done();
}
