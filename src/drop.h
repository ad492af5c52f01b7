/*
 * drop.h: the maildrop record, written by the set-group-ID helper
 * postern-drop and read by the system queue's pickup (sysq.h).
 *
 * What postern hands the helper on standard input:
 *
 *   postern-drop 1\n
 *   arg VALUE\n       one per command-line argument after argv[0]
 *   data\n
 *   MESSAGE           the raw message, to the end of the input
 *
 * What the helper writes, as one new file SPOOLDIR/maildrop/ID (mode
 * 0444, owned by the submitting user, group the helper's; nobody but
 * the system user, who owns the 1730 directory, and the helper's group
 * can reach it, and the group cannot list the directory):
 *
 *   postern-maildrop 1\n
 *   uid N\n           getuid() of the helper, never taken from input
 *   arg VALUE\n       ...as received, each checked
 *   data\n
 *   MESSAGE
 *
 * The pickup trusts the file's owner (st_uid, set by the kernel) and
 * requires the uid line to name the same user. An argument holds no
 * control character (CR, LF, NUL, ...) and at most DROP_ARG_MAX bytes;
 * there are at most DROP_ARGS_MAX of them and the message has at most
 * DROP_MSG_MAX bytes. This module needs nothing of libpostern, so the
 * helper stays small; it never prints or exits.
 */
#ifndef POSTERN_DROP_H
#define POSTERN_DROP_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#define DROP_MAGIC_IN "postern-drop 1"
#define DROP_MAGIC_FILE "postern-maildrop 1"
#define DROP_ARG_MAX 4096                 /* bytes of one argument */
#define DROP_ARGS_MAX 10100               /* arguments of one record */
#define DROP_HEAD_MAX (4 * 1024 * 1024)   /* bytes before the message */
#define DROP_MSG_MAX (256L * 1024 * 1024) /* bytes of the message */
#define DROP_ID_LEN 16                    /* hex digits, as queue ids */
#define DROP_TMP_PREFIX "t."              /* unfinished files */

/* True when s[0..n) may be an argument: no control bytes, capped. */
bool drop_arg_ok(const char *s, size_t n);

/* A new id: the time and random bits, 16 lower-case hex digits. */
int drop_id_new(char id[DROP_ID_LEN + 1]);

/* True when s is DROP_ID_LEN lower-case hex digits. */
bool drop_id_valid(const char *s);

/*
 * Copy a record from in to out as the maildrop file's bytes, with the
 * uid line. 0, or -1 with *why (malformed, too large, I/O).
 */
int drop_copy(int in, int out, uid_t uid, const char **why);

/*
 * Write the record read from in into the directory dirfd as a new file
 * (tmp name, fsync, rename without replacing, syncfs). 0 with id set,
 * or -1 with *why and errno-like *cantcreat (the drop could not be
 * written, rather than a malformed record).
 */
int drop_write(int dirfd, int in, uid_t uid, char id[DROP_ID_LEN + 1],
    const char **why, bool *cantcreat);

#endif
