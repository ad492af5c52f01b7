/*
 * version.h: the text of `postern --version`.
 */
#ifndef POSTERN_VERSION_H
#define POSTERN_VERSION_H

#include "buf.h"

/*
 * Append the version report to out: postern's version, each library's
 * version or "disabled", the SASL mechanisms, and the config and queue
 * paths this user would get. 0, or -1 when out is full or memory ran out.
 */
int version_report(struct buf *out);

#endif
