/*
 * configure_write.h: the account block of --configure written to the
 * configuration file by postern itself (--configure ADDRESS --write),
 * so that a fresh home needs no mkdir, chmod or shell redirection.
 *
 * The file's directory is made with mode 0700 when missing; the file is
 * created with O_EXCL and mode 0600 and fsynced. An existing file is
 * never replaced, appended to or changed: that is an error saying so.
 * Nothing here prints or exits.
 */
#ifndef POSTERN_CONFIGURE_WRITE_H
#define POSTERN_CONFIGURE_WRITE_H

#include <stddef.h>

#include "err.h"

/*
 * Create path with the len bytes of block. 0, or -1 with e:
 * ERR_CANTCREAT (it exists, or cannot be made), ERR_IO (the write or
 * fsync failed; the new file is removed).
 */
int configure_write(const char *path, const char *block, size_t len,
    struct err *);

#endif
