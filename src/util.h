/*
 * util.h: small helpers with no better home: safe integer parsing, the
 * user's home and XDG directories, bounded string copies.
 *
 * Functions returning char * return memory the caller frees, or NULL on
 * failure with errno set. Nothing here prints or exits.
 */
#ifndef POSTERN_UTIL_H
#define POSTERN_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "err.h"

#ifndef HAVE_STRLCPY
size_t strlcpy(char *, const char *, size_t);
#endif
#ifndef HAVE_STRLCAT
size_t strlcat(char *, const char *, size_t);
#endif
#ifndef HAVE_CLOSEFROM
void closefrom(int);
#endif

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/*
 * Parse a whole decimal string into [min, max]. No sign, no blanks, no
 * trailing bytes. 0 on success; -1 and *why ("not a number", "too large",
 * "too small") otherwise.
 */
int util_parse_uint(const char *, uint64_t min, uint64_t max, uint64_t *out,
    const char **why);

/*
 * The user's home directory: $HOME when it is set, absolute and belongs to
 * the real uid (or is a directory we cannot stat), else the password
 * database's entry for the real uid. Debian's cron runs sendmail without
 * HOME, so the password database is the usual answer there.
 */
char *util_home_dir(void);

/*
 * $XDG_CONFIG_HOME / $XDG_STATE_HOME when set and absolute, else
 * HOME/.config and HOME/.local/state.
 */
char *util_xdg_config_home(void);
char *util_xdg_state_home(void);

/* The default config file ($XDG_CONFIG_HOME/postern/config). */
char *util_default_config_path(void);

/* The default queue directory ($XDG_STATE_HOME/postern/queue). */
char *util_default_queue_path(void);

/*
 * The system queue's state directory (OAuth2 tokens, TLS sessions): the
 * first entry of $STATE_DIRECTORY when systemd sets it (absolute), else
 * STATEDIR. It must exist, be a directory (not a link) owned by the
 * effective user and closed to group and others. The path, or NULL with
 * ERR_CONFIG saying which rule it breaks and how to make it.
 */
char *util_system_state_dir(struct err *);

/* dir + "/" + name, newly allocated. */
char *util_path_join(const char *dir, const char *name);

/*
 * mkdir -p: create every missing component of path with mode 0700.
 * 0, or -1 with ERR_CANTCREAT.
 */
int util_mkdirs(const char *path, struct err *);

/* True when s holds a CR or LF. */
bool util_has_crlf(const char *s);

/*
 * SIGKILL pid and every process descending from it (found through
 * /proc, children before they can be reparented). For a passwordeval
 * command that ran over: /bin/sh does not exec its last command, so
 * killing the shell alone leaves the command running. It keeps the
 * terminal's process group, so a helper may still prompt on the tty.
 */
void util_kill_tree(pid_t pid);

/* write(2) all len bytes, again after EINTR. 0, or -1 with errno. */
int util_write_all(int fd, const void *, size_t len);

/* Zero a secret and free it; NULL is fine. */
void util_freezero(void *, size_t);

/* Milliseconds on the monotonic clock (for durations and deadlines). */
uint64_t util_now_ms(void);

#endif
