/*
 * closefrom: close every descriptor from lowfd up. For libcs without it
 * (glibc before 2.34). Async-signal-safe: used in a child before exec.
 */
#include "config.h"

#include <unistd.h>

#include "../util.h"

void
closefrom(int lowfd)
{
	long max = sysconf(_SC_OPEN_MAX);
	int fd;

	if (max < 0 || max > 65536)
		max = 65536;
	for (fd = lowfd; fd < max; fd++)
		(void)close(fd);
}
