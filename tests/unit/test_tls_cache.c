/*
 * test_tls_cache.c: the TLS session cache file (src/tls_cache.c): its
 * name and header, mode 0600 in a 0700 directory, a round trip, and the
 * files that are never used (copied under another name, readable by
 * others, a symlink, too large, empty); the trust anchor cache's name and
 * header, which carries the trust file's stamp and changes with it, and
 * the stamps too fresh to trust (less than 2 s old).
 */
#include "config.h"

#include <sys/stat.h>

#include <fcntl.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tap.h"
#include "tls_cache.h"

static char dir[] = "/tmp/test_tls_cache.XXXXXX";

#define HEX "01080f161d242b323940474e555c636a71787f868d949ba2a9b0b7bec5ccd3da"

static void
test_name(char **path, char *hdr)
{
	unsigned char md[32];
	char d[512];
	size_t i;

	for (i = 0; i < sizeof(md); i++)
		md[i] = (unsigned char)(i * 7 + 1);
	(void)snprintf(d, sizeof(d), "%s/tls", dir);
	OK(tls_cache_path(d, md, path, hdr) == 0, "path built");
	IS_STR(*path + strlen(d), "/" HEX, "named by the hex SHA-256");
	IS_STR(hdr, "postern-tls-session 1 " HEX "\n",
	    "header repeats the name");
}

static void
test_round_trip(const char *path, const char *hdr)
{
	unsigned char *d = NULL;
	struct stat st;
	size_t n = 0;
	char tls[512];

	OK(tls_cache_write(path, hdr,
	       "\x01session\0"
	       "data",
	       13) == 0,
	    "written (directory created)");
	OK(stat(path, &st) == 0 && (st.st_mode & 0777) == 0600,
	    "file mode 0600");
	(void)snprintf(tls, sizeof(tls), "%s/tls", dir);
	OK(stat(tls, &st) == 0 && (st.st_mode & 0777) == 0700,
	    "directory mode 0700");
	OK(tls_cache_read(path, hdr, &d, &n) == 0 && n == 13 &&
	        memcmp(d,
	            "\x01session\0"
	            "data",
	            13) == 0,
	    "read back the same bytes");
	free(d);
	OK(tls_cache_write(path, hdr, "new", 3) == 0 &&
	        tls_cache_read(path, hdr, &d, &n) == 0 && n == 3 &&
	        memcmp(d, "new", 3) == 0,
	    "replaced");
	free(d);
}

static void
test_refused(const char *path, const char *hdr)
{
	char other[512], link[512], big[512];
	unsigned char *d = (unsigned char *)"x";
	size_t n = 1;
	char *huge;
	FILE *f;

	/* another identity's header (a file copied under this name) */
	(void)snprintf(other, sizeof(other), "%s0", hdr);
	other[strlen(hdr) - 2] = other[strlen(hdr) - 2] == 'a' ? 'b' : 'a';
	other[strlen(hdr) - 1] = '\n';
	other[strlen(hdr)] = '\0';
	OK(tls_cache_write(path, other, "data", 4) == 0 &&
	        tls_cache_read(path, hdr, &d, &n) == -1 && d == NULL && n == 0,
	    "another identity's file is not used");
	OK(tls_cache_write(path, hdr, "data", 4) == 0 &&
	        chmod(path, 0640) == 0 &&
	        tls_cache_read(path, hdr, &d, &n) == -1,
	    "a file others may read is not used");
	(void)chmod(path, 0600);
	(void)snprintf(link, sizeof(link), "%s.link", path);
	OK(symlink(path, link) == 0 && tls_cache_read(link, hdr, &d, &n) == -1,
	    "a symlink is not followed");
	(void)unlink(link);
	OK(tls_cache_read("/nonexistent/x", hdr, &d, &n) == -1,
	    "no file: no session");
	OK(tls_cache_write(path, hdr, "", 0) == 0 &&
	        tls_cache_read(path, hdr, &d, &n) == -1,
	    "a header without data is not used");
	huge = calloc(1, TLS_CACHE_MAX);
	OK(huge != NULL &&
	        tls_cache_write(path, hdr, huge, TLS_CACHE_MAX) == -1,
	    "a session larger than the cap is not written");
	(void)snprintf(big, sizeof(big), "%s.big", path);
	if ((f = fopen(big, "w")) != NULL) {
		(void)fputs(hdr, f);
		(void)fwrite(huge, 1, TLS_CACHE_MAX, f);
		(void)fclose(f);
	}
	(void)chmod(big, 0600);
	OK(tls_cache_read(big, hdr, &d, &n) == -1,
	    "a file larger than the cap is not read");
	(void)unlink(big);
	free(huge);
}

/* Write s to file (truncating). */
static void
put(const char *file, const char *s)
{
	FILE *f = fopen(file, "w");

	if (f != NULL) {
		(void)fputs(s, f);
		(void)fclose(f);
	}
}

/* The header of trust as it is now, whatever its age. */
static int
stamp(const char *path, const char *trust, char **root, char *hdr)
{
	struct stat st;

	*root = NULL;
	if (stat(trust, &st) == -1)
		return -1;
	return tls_cache_root_stamp(path, &st, root, hdr);
}

static void
test_root(const char *path)
{
	char trust[512], h1[TLS_CACHE_HDR_MAX], h2[TLS_CACHE_HDR_MAX];
	char want[600], *root = NULL;
	struct timespec ts[2] = { { 1000000000, 5 }, { 1000000000, 5 } };

	(void)snprintf(trust, sizeof(trust), "%s/ca.pem", dir);
	OK(tls_cache_root_hdr(path, trust, &root, h1) == -1 && root == NULL,
	    "no trust file: no root cache");
	put(trust, "one");
	OK(tls_cache_root_hdr(path, trust, &root, h1) == -1 && root == NULL,
	    "a trust file changed just now: no root cache (racy)");
	OK(tls_cache_root_hdr(path, "/bin/sh", &root, h1) == 0,
	    "an old file: root header");
	free(root);
	OK(stamp(path, trust, &root, h1) == 0, "root header from the stamp");
	(void)snprintf(want, sizeof(want), "%s.root", path);
	IS_STR(root, want, "the root file is the session file + .root");
	free(root);
	OK(strncmp(h1, "postern-tls-root 1 " HEX " ", 84) == 0 &&
	        h1[strlen(h1) - 1] == '\n',
	    "header: magic, the identity, the stamp, one line");
	OK(stamp(path, trust, &root, h2) == 0 && strcmp(h1, h2) == 0,
	    "the same file: the same header");
	free(root);
	put(trust, "two");
	(void)utimensat(AT_FDCWD, trust, ts, 0);
	OK(stamp(path, trust, &root, h1) == 0, "again");
	free(root);
	ts[0].tv_nsec = ts[1].tv_nsec = 6;
	(void)utimensat(AT_FDCWD, trust, ts, 0);
	OK(stamp(path, trust, &root, h2) == 0 && strcmp(h1, h2) != 0,
	    "touched (mtime 1 ns later): another header");
	free(root);
	put(trust, "three");
	(void)utimensat(AT_FDCWD, trust, ts, 0);
	OK(stamp(path, trust, &root, h1) == 0 && strcmp(h1, h2) != 0,
	    "rewritten, the same mtime: another header");
	free(root);
	OK(tls_cache_root_hdr(path, dir, &root, h1) == -1 && root == NULL,
	    "a directory is no trust file");
	(void)unlink(trust);
}

static void
test_racy(void)
{
	struct stat st;
	struct timespec now = { 1001, 999999999 };

	memset(&st, 0, sizeof(st));
	st.st_mtim.tv_sec = st.st_ctim.tv_sec = 1000;
	OK(tls_cache_racy(&st, &now), "changed 1.999999999 s ago: racy");
	now.tv_sec = 1002;
	now.tv_nsec = 0;
	OK(!tls_cache_racy(&st, &now), "changed 2 s ago: not");
	st.st_ctim.tv_sec = 1001;
	OK(tls_cache_racy(&st, &now), "the later of mtime and ctime counts");
	st.st_ctim.tv_sec = 999;
	st.st_mtim.tv_sec = 1001;
	OK(tls_cache_racy(&st, &now), "mtime too");
	now.tv_sec = 1000;
	OK(tls_cache_racy(&st, &now), "a change in the future: racy");
}

int
main(void)
{
	char *path = NULL, hdr[TLS_CACHE_HDR_MAX], cmd[100];

	if (mkdtemp(dir) == NULL)
		return 99;
	test_name(&path, hdr);
	test_round_trip(path, hdr);
	test_refused(path, hdr);
	test_root(path);
	test_racy();
	free(path);
	(void)snprintf(cmd, sizeof(cmd), "%s/tls", dir);
	{
		/* remove what we made: the file, the directory, the tmpdir */
		char f[200];
		(void)snprintf(f, sizeof(f), "%s/%s", cmd, HEX);
		(void)unlink(f);
		(void)rmdir(cmd);
		(void)rmdir(dir);
	}
	return tap_done();
}
