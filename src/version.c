/*
 * version.c: the text of `postern --version` (see version.h).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "http.h"
#include "idn.h"
#include "keyring.h"
#include "sasl.h"
#include "sasl_lib.h"
#include "tls.h"
#include "util.h"
#include "version.h"

static int
version_paths(struct buf *out)
{
	char *conf = util_default_config_path();
	char *queue = util_default_queue_path();
	int r;

	r = buf_printf(out,
	    "Config file:     %s\n"
	    "System config:   %s\n"
	    "Queue directory: %s\n"
	    "System queue:    %s (user %s, group %s)\n"
	    "Maildrop helper: %s\n"
	    "System state:    %s (or $STATE_DIRECTORY)\n",
	    conf ? conf : "(no home directory)", SYSCONFDIR "/postern.conf",
	    queue ? queue : "(no home directory)", SPOOLDIR, SYSTEM_USER,
	    SYSTEM_GROUP, DROP_HELPER, STATEDIR);
	free(conf);
	free(queue);
	return r;
}

/*
 * How much of libcurl's version to show: itself and its TLS library
 * ("libcurl/7.88.1 GnuTLS/3.7.9"; Fedora's is OpenSSL), not every
 * library it was built with.
 */
static int
version_curl_len(void)
{
	const char *v = http_backend_version(), *sp = strchr(v, ' ');

	if (strncmp(v, "libcurl/", 8) != 0 || sp == NULL)
		return (int)strlen(v);
	return (int)(sp - v) + 1 + (int)strcspn(sp + 1, " ");
}

int
version_report(struct buf *out)
{
	struct buf mechs;
	int r = -1;

	buf_init(&mechs, 4096);
	if (sasl_builtin_mechanisms(&mechs) == -1 ||
	    buf_add_str(&mechs, " (built in)") == -1)
		goto out;
	if (sasl_lib_available() &&
	    (buf_add_str(&mechs, "; ") == -1 ||
	        sasl_lib_mechanisms(&mechs) == -1 ||
	        buf_add_str(&mechs, " (GNU SASL)") == -1))
		goto out;
	if (buf_printf(out,
	        "postern %s\n"
	        "GnuTLS:          %s\n"
	        "libidn2:         %s\n"
	        "Keyring:         %s\n"
	        "GNU SASL:        %s\n"
	        "SASL mechanisms: %s\n"
	        "OAuth2 HTTP:     %.*s (loaded when OAuth2 is used)\n",
	        PACKAGE_VERSION, tls_library_version(), idn_library_version(),
	        keyring_backend_version(), sasl_lib_version(),
	        mechs.len ? buf_str(&mechs) : "none", version_curl_len(),
	        http_backend_version()) == -1)
		goto out;
	if (version_paths(out) == -1)
		goto out;
	r = 0;
out:
	buf_free(&mechs);
	return r;
}
