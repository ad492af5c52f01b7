#!/bin/sh
# layers.sh: the layering of doc/HACKING, checked (TAP). Storage (the
# queue's files and envelope format) includes nothing of the engine or of
# the layers above it; the engine (smtp*, tls*, net, sasl*) includes
# nothing of storage or of the layers above it, and computes no XDG path
# (the caller names the TLS session cache directory).
set -u
srcdir=${POSTERN_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}
cd "$srcdir/src" || exit 1
storage="queue.h queue_env.h queue_defaults.h queue_list.h queue.c queue_env.c queue_list.c"
engine=$(ls smtp*.[ch] tls*.[ch] net.[ch] sasl*.[ch] 2>/dev/null)
above="smtp.h tls.h net.h sasl.h deliver.h deliver_log.h attempt.h submit.h job.h queue_run.h queue_run_int.h conf.h bs.h"
echo "1..3"
fail=0
# 1: storage includes no engine header and nothing above it
hits=$(for h in $above; do
	[ "$h" = conf.h ] && continue # queue.c reads files with conf_read_file
	grep -Hn "#include \"$h\"" $storage
done)
if [ -z "$hits" ]; then
	echo "ok 1 - storage includes no engine or higher header"
else
	echo "not ok 1 - storage includes no engine or higher header"
	printf '%s\n' "$hits" | sed 's/^/#   /'
	fail=1
fi
# 2: the engine includes no storage or higher header
hits=$(for h in queue.h queue_env.h queue_list.h deliver.h deliver_log.h attempt.h submit.h job.h queue_run.h; do
	grep -Hn "#include \"$h\"" $engine
done)
if [ -z "$hits" ]; then
	echo "ok 2 - the engine includes no storage or higher header"
else
	echo "not ok 2 - the engine includes no storage or higher header"
	printf '%s\n' "$hits" | sed 's/^/#   /'
	fail=1
fi
# 3: the engine computes no XDG path
hits=$(grep -Hn "util_xdg\|util_default_\|util_home" $engine)
if [ -z "$hits" ]; then
	echo "ok 3 - the engine computes no XDG path"
else
	echo "not ok 3 - the engine computes no XDG path"
	printf '%s\n' "$hits" | sed 's/^/#   /'
	fail=1
fi
exit $fail
