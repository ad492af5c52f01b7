/*
 * secrets_libsecret.c: the Secret Service keyring through libsecret; the
 * only file that includes libsecret (see keyring.h).
 *
 * libsecret is loaded at run time (dl.c: dlopen of libsecret-1.so.0),
 * the first time the keyring is actually consulted: it brings GLib, GIO,
 * GObject and their dependencies (a dozen libraries, about 2 MiB of
 * resident memory and a few milliseconds of relocations) that a
 * submission whose password is in the config file, in ~/.netrc or not
 * needed never uses.
 * Every libsecret and GLib function goes through the table kr, resolved
 * once; postern is not linked against them, so a direct call would not
 * link. Without the library at run time the keyring behaves as in a
 * build without it (lookups find nothing; store and forget say why).
 *
 * libsecret's convenience calls (secret_password_lookup_sync and friends)
 * unlock locked items, which opens a prompt, and GLib autolaunches a bus
 * over X11 when there is no session bus. So: DBUS_SESSION_BUS_ADDRESS is
 * checked first (before loading anything); searches never set
 * SECRET_SEARCH_UNLOCK (a locked item comes back locked, without its
 * secret); a store into a locked collection is refused before it is
 * tried. Every call runs under one GCancellable that a watchdog thread
 * cancels after KEYRING_TIMEOUT seconds, so a Secret Service that never
 * answers cannot hang us.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libsecret/secret.h>

#include "dl.h"
#include "keyring.h"
#include "util.h"

/* libsecret's soname has been .0 since its first release. */
static const char *const keyring_sonames[] = { "libsecret-1.so.0", NULL };

#define KEYRING_FUNCS(X)                                                       \
	X(g_cancellable_new)                                                   \
	X(g_cancellable_cancel)                                                \
	X(g_mutex_init)                                                        \
	X(g_mutex_lock)                                                        \
	X(g_mutex_unlock)                                                      \
	X(g_mutex_clear)                                                       \
	X(g_cond_init)                                                         \
	X(g_cond_signal)                                                       \
	X(g_cond_wait_until)                                                   \
	X(g_cond_clear)                                                        \
	X(g_thread_new)                                                        \
	X(g_thread_join)                                                       \
	X(g_get_monotonic_time)                                                \
	X(g_object_unref)                                                      \
	X(g_error_matches)                                                     \
	X(g_error_free)                                                        \
	X(g_io_error_quark)                                                    \
	X(g_dbus_error_quark)                                                  \
	X(g_hash_table_new)                                                    \
	X(g_hash_table_insert)                                                 \
	X(g_hash_table_unref)                                                  \
	X(g_str_hash)                                                          \
	X(g_str_equal)                                                         \
	X(g_list_free_full)                                                    \
	X(secret_error_get_quark)                                              \
	X(secret_service_get_sync)                                             \
	X(secret_service_search_sync)                                          \
	X(secret_service_store_sync)                                           \
	X(secret_collection_for_alias_sync)                                    \
	X(secret_collection_get_locked)                                        \
	X(secret_item_get_locked)                                              \
	X(secret_item_get_secret)                                              \
	X(secret_item_delete_sync)                                             \
	X(secret_value_new)                                                    \
	X(secret_value_get)                                                    \
	X(secret_value_unref)

/* g_str_equal is also a function-like macro; we need the function. */
#undef g_str_equal

#define KEYRING_PTR(f) __typeof__(&f) f;
static struct {
	KEYRING_FUNCS(KEYRING_PTR)
} kr;

#define KEYRING_SYM(f) { #f, (void **)&kr.f },
static const struct dl_sym keyring_syms[] = { KEYRING_FUNCS(KEYRING_SYM) };

/*
 * libsecret, loaded and kr resolved the first time (dl.h; never closed:
 * GLib cannot be unloaded safely); its why is for store and forget.
 */
static struct dl_lib keyring_lib = { keyring_sonames, keyring_syms,
	ARRAY_SIZE(keyring_syms), 0, "" };

/* A store or forget without the library. */
static int
keyring_unloaded(const char *what, struct err *e)
{
	return err_set(e, ERR_UNAVAILABLE,
	    "cannot %s the password: the keyring library cannot be loaded (install libsecret-1-0): %s",
	    what, keyring_lib.why);
}

static int
keyring_token_unloaded(struct err *e)
{
	return err_set(e, ERR_UNAVAILABLE,
	    "cannot keep OAuth2 tokens in the keyring: the keyring library cannot be loaded (install libsecret-1-0): %s; or set oauth2_token_store file",
	    keyring_lib.why);
}

/* Ours, and msmtp's: host, service=smtp, user. */
static const SecretSchema keyring_ours = {
	.name = KEYRING_SCHEMA,
	.flags = SECRET_SCHEMA_NONE,
	.attributes = { { "host", SECRET_SCHEMA_ATTRIBUTE_STRING },
	    { "service", SECRET_SCHEMA_ATTRIBUTE_STRING },
	    { "user", SECRET_SCHEMA_ATTRIBUTE_STRING }, { NULL, 0 } },
};

/* Not matching the name also finds secret-tool's generic items. */
static const SecretSchema keyring_msmtp = {
	.name = KEYRING_SCHEMA_MSMTP,
	.flags = SECRET_SCHEMA_DONT_MATCH_NAME,
	.attributes = { { "host", SECRET_SCHEMA_ATTRIBUTE_STRING },
	    { "service", SECRET_SCHEMA_ATTRIBUTE_STRING },
	    { "user", SECRET_SCHEMA_ATTRIBUTE_STRING }, { NULL, 0 } },
};

/* OAuth2 tokens (oauth2_store.c): one item per account and kind. */
static const SecretSchema keyring_oauth2 = {
	.name = KEYRING_SCHEMA_OAUTH2,
	.flags = SECRET_SCHEMA_NONE,
	.attributes = { { "issuer", SECRET_SCHEMA_ATTRIBUTE_STRING },
	    { "client_id", SECRET_SCHEMA_ATTRIBUTE_STRING },
	    { "user", SECRET_SCHEMA_ATTRIBUTE_STRING },
	    { "kind", SECRET_SCHEMA_ATTRIBUTE_STRING }, { NULL, 0 } },
};

static const SecretSchema keyring_network = {
	.name = KEYRING_SCHEMA_NETWORK,
	.flags = SECRET_SCHEMA_DONT_MATCH_NAME,
	.attributes = { { "server", SECRET_SCHEMA_ATTRIBUTE_STRING },
	    { "protocol", SECRET_SCHEMA_ATTRIBUTE_STRING },
	    { "user", SECRET_SCHEMA_ATTRIBUTE_STRING }, { NULL, 0 } },
};

/* One call's connection, cancellable and watchdog. */
struct keyring_call {
	SecretService *service;
	GCancellable *cancel;
	GThread *watchdog;
	GMutex lock;
	GCond cond;
	bool done;
	gint64 deadline;
};

bool
keyring_available(void)
{
	return dl_load(&keyring_lib) == 0;
}

const char *
keyring_backend_version(void)
{
	static char version[64];

	/* libsecret has no run-time version call; report what we built
	 * with, without loading it. */
	(void)snprintf(version, sizeof(version),
	    "libsecret %d.%d.%d (loaded when used)", SECRET_MAJOR_VERSION,
	    SECRET_MINOR_VERSION, SECRET_MICRO_VERSION);
	return version;
}

static gpointer
keyring_watchdog(gpointer arg)
{
	struct keyring_call *c = arg;

	kr.g_mutex_lock(&c->lock);
	while (!c->done)
		if (!kr.g_cond_wait_until(&c->cond, &c->lock, c->deadline)) {
			if (!c->done)
				kr.g_cancellable_cancel(c->cancel);
			break;
		}
	kr.g_mutex_unlock(&c->lock);
	return NULL;
}

/* The GError as one of the failures keyring.h promises. */
static int
keyring_fail(GError *ge, const char *what, struct err *e)
{
	const char *msg = ge ? ge->message : "unknown error";

	if (ge &&
	    kr.g_error_matches(ge, kr.g_io_error_quark(), G_IO_ERROR_CANCELLED))
		err_set_temp(e, ERR_TEMP,
		    "the keyring did not answer within %d seconds (%s)",
		    KEYRING_TIMEOUT, what);
	else if (ge &&
	    (kr.g_error_matches(ge, kr.g_dbus_error_quark(),
	         G_DBUS_ERROR_SERVICE_UNKNOWN) ||
	        kr.g_error_matches(ge, kr.g_dbus_error_quark(),
	            G_DBUS_ERROR_NAME_HAS_NO_OWNER)))
		err_setr_temp(e, ERR_TEMP, ERR_REASON_KEYRING_UNREACHABLE,
		    "no Secret Service on the D-Bus session bus (start gnome-keyring or another keyring daemon): %s",
		    msg);
	else if (ge &&
	    kr.g_error_matches(ge, kr.secret_error_get_quark(),
	        SECRET_ERROR_IS_LOCKED))
		err_set_temp(e, ERR_TEMP,
		    "the keyring is locked; unlock it (log in to the desktop session) and try again");
	else if (ge && ge->domain == kr.g_io_error_quark())
		err_setr_temp(e, ERR_TEMP, ERR_REASON_KEYRING_UNREACHABLE,
		    "cannot connect to the D-Bus session bus: %s", msg);
	else
		err_set_temp(e, ERR_TEMP, "keyring %s failed: %s", what, msg);
	if (ge)
		kr.g_error_free(ge);
	return -1;
}

/*
 * Check the bus, load the library, start the watchdog, connect. 0, 1
 * when the library cannot be loaded (keyring_lib.why), or -1 + temporary err.
 */
static int
keyring_begin(struct keyring_call *c, struct err *e)
{
	const char *bus = getenv("DBUS_SESSION_BUS_ADDRESS");
	GError *ge = NULL;

	memset(c, 0, sizeof(*c));
	if (bus == NULL || *bus == '\0')
		return err_setr_temp(e, ERR_TEMP,
		    ERR_REASON_KEYRING_UNREACHABLE,
		    "the keyring is not reachable: no D-Bus session bus (DBUS_SESSION_BUS_ADDRESS is not set, as under cron, ssh or a system service)");
	if (dl_load(&keyring_lib) == -1)
		return 1;
	c->cancel = kr.g_cancellable_new();
	kr.g_mutex_init(&c->lock);
	kr.g_cond_init(&c->cond);
	c->deadline =
	    kr.g_get_monotonic_time() + KEYRING_TIMEOUT * G_TIME_SPAN_SECOND;
	c->watchdog = kr.g_thread_new("keyring-watchdog", keyring_watchdog, c);
	c->service = kr.secret_service_get_sync(SECRET_SERVICE_OPEN_SESSION,
	    c->cancel, &ge);
	if (c->service == NULL)
		return keyring_fail(ge, "connection", e);
	return 0;
}

static void
keyring_end(struct keyring_call *c)
{
	if (c->watchdog != NULL) {
		kr.g_mutex_lock(&c->lock);
		c->done = true;
		kr.g_cond_signal(&c->cond);
		kr.g_mutex_unlock(&c->lock);
		kr.g_thread_join(c->watchdog);
		kr.g_mutex_clear(&c->lock);
		kr.g_cond_clear(&c->cond);
	}
	if (c->service != NULL)
		kr.g_object_unref(c->service);
	if (c->cancel != NULL)
		kr.g_object_unref(c->cancel);
	memset(c, 0, sizeof(*c));
}

static GHashTable *
keyring_attrs(const SecretSchema *schema, const char *host, const char *user)
{
	GHashTable *h = kr.g_hash_table_new(kr.g_str_hash, kr.g_str_equal);

	kr.g_hash_table_insert(h,
	    (gpointer)(schema == &keyring_network ? "server" : "host"),
	    (gpointer)host);
	kr.g_hash_table_insert(h,
	    (gpointer)(schema == &keyring_network ? "protocol" : "service"),
	    (gpointer) "smtp");
	kr.g_hash_table_insert(h, (gpointer) "user", (gpointer)user);
	return h;
}

static GHashTable *
keyring_token_attrs(const struct keyring_token *k)
{
	GHashTable *h = kr.g_hash_table_new(kr.g_str_hash, kr.g_str_equal);

	kr.g_hash_table_insert(h, (gpointer) "issuer", (gpointer)k->issuer);
	kr.g_hash_table_insert(h, (gpointer) "client_id",
	    (gpointer)k->client_id);
	kr.g_hash_table_insert(h, (gpointer) "user", (gpointer)k->user);
	kr.g_hash_table_insert(h, (gpointer) "kind", (gpointer)k->kind);
	return h;
}

/*
 * Search one schema for attrs (consumed). 0 found (out filled), 1
 * nothing unlocked found, -1 error. *locked counts matching items that
 * are locked.
 */
static int
keyring_search(struct keyring_call *c, const SecretSchema *schema,
    GHashTable *attrs, struct buf *out, unsigned *locked, struct err *e)
{
	GError *ge = NULL;
	GList *items, *l;
	int r = 1;

	items = kr.secret_service_search_sync(c->service, schema, attrs,
	    SECRET_SEARCH_ALL | SECRET_SEARCH_LOAD_SECRETS, c->cancel, &ge);
	kr.g_hash_table_unref(attrs);
	if (ge != NULL)
		return keyring_fail(ge, "lookup", e);
	for (l = items; l != NULL && r == 1; l = l->next) {
		SecretValue *v = NULL;
		const gchar *data;
		gsize len;

		if (kr.secret_item_get_locked(l->data)) {
			(*locked)++;
			continue;
		}
		if ((v = kr.secret_item_get_secret(l->data)) == NULL)
			continue;
		data = kr.secret_value_get(v, &len);
		buf_wipe(out);
		if (buf_add(out, data, len) == -1)
			r = err_set(e, ERR_CONFIG,
			    "the password in the keyring is too long");
		else
			r = 0;
		kr.secret_value_unref(v);
	}
	kr.g_list_free_full(items, kr.g_object_unref);
	return r;
}

int
keyring_lookup(const char *host, const char *user, struct buf *out,
    enum keyring_schema *which, struct err *e)
{
	static const SecretSchema *const order[] = { &keyring_ours,
		&keyring_msmtp, &keyring_network };
	struct keyring_call c;
	unsigned locked = 0, i;
	int r = -1;

	if ((r = keyring_begin(&c, e)) != 0)
		goto out; /* 1: no library, as a build without the keyring */
	for (i = 0, r = 1; i < G_N_ELEMENTS(order) && r == 1; i++) {
		r = keyring_search(&c, order[i],
		    keyring_attrs(order[i], host, user), out, &locked, e);
		if (r == 0)
			*which = (enum keyring_schema)i;
	}
	if (r == 1 && locked > 0)
		r = err_setr_temp(e, ERR_TEMP, ERR_REASON_KEYRING_LOCKED,
		    "the keyring is locked: once it is unlocked (log in to the desktop session), queued mail goes out at the next queue run (postern -q)");
out:
	keyring_end(&c);
	return r;
}

/* The default collection, unlocked; never prompts to unlock it. */
static int
keyring_default_unlocked(struct keyring_call *c, struct err *e)
{
	SecretCollection *coll;
	GError *ge = NULL;
	bool locked;

	coll = kr.secret_collection_for_alias_sync(c->service,
	    SECRET_COLLECTION_DEFAULT, SECRET_COLLECTION_NONE, c->cancel, &ge);
	if (ge != NULL)
		return keyring_fail(ge, "store", e);
	if (coll == NULL)
		return err_set(e, ERR_UNAVAILABLE,
		    "the keyring has no default collection to store into (create one with your keyring manager, e.g. seahorse)");
	locked = kr.secret_collection_get_locked(coll);
	kr.g_object_unref(coll);
	if (locked)
		return err_set_temp(e, ERR_TEMP,
		    "the keyring is locked; unlock it (log in to the desktop session) and try again");
	return 0;
}

/* Store secret under schema and attrs (consumed), replacing. */
static int
keyring_store_in(const SecretSchema *schema, GHashTable *attrs,
    const char *label, const char *secret, struct keyring_call *c,
    struct err *e)
{
	SecretValue *v = NULL;
	GError *ge = NULL;
	int r = -1;

	if (keyring_default_unlocked(c, e) == -1)
		goto out;
	v = kr.secret_value_new(secret, -1, "text/plain");
	if (!kr.secret_service_store_sync(c->service, schema, attrs,
	        SECRET_COLLECTION_DEFAULT, label, v, c->cancel, &ge))
		r = keyring_fail(ge, "store", e);
	else
		r = 0;
out:
	if (v != NULL)
		kr.secret_value_unref(v);
	kr.g_hash_table_unref(attrs);
	return r;
}

int
keyring_store(const char *host, const char *user, const char *label,
    const char *password, struct err *e)
{
	struct keyring_call c;
	int r;

	if ((r = keyring_begin(&c, e)) == 1)
		r = keyring_unloaded("store", e);
	if (r == 0)
		r = keyring_store_in(&keyring_ours,
		    keyring_attrs(&keyring_ours, host, user), label, password,
		    &c, e);
	keyring_end(&c);
	return r;
}

int
keyring_token_lookup(const struct keyring_token *k, struct buf *out,
    struct err *e)
{
	struct keyring_call c;
	unsigned locked = 0;
	int r;

	if ((r = keyring_begin(&c, e)) == 1)
		r = keyring_token_unloaded(e);
	if (r == 0)
		r = keyring_search(&c, &keyring_oauth2, keyring_token_attrs(k),
		    out, &locked, e);
	if (r == 1 && locked > 0)
		r = err_set_temp(e, ERR_TEMP,
		    "the keyring is locked; unlock it (log in to the desktop session) and try again");
	keyring_end(&c);
	return r;
}

int
keyring_token_store(const struct keyring_token *k, const char *label,
    const char *secret, struct err *e)
{
	struct keyring_call c;
	int r;

	if ((r = keyring_begin(&c, e)) == 1)
		r = keyring_token_unloaded(e);
	if (r == 0)
		r = keyring_store_in(&keyring_oauth2, keyring_token_attrs(k),
		    label, secret, &c, e);
	keyring_end(&c);
	return r;
}

int
keyring_forget(const char *host, const char *user, unsigned *removed,
    struct err *e)
{
	struct keyring_call c;
	GHashTable *attrs = NULL;
	GList *items = NULL, *l;
	GError *ge = NULL;
	int r = -1;

	*removed = 0;
	if ((r = keyring_begin(&c, e)) == 1)
		r = keyring_unloaded("forget", e);
	if (r == -1)
		goto out;
	attrs = keyring_attrs(&keyring_ours, host, user);
	items = kr.secret_service_search_sync(c.service, &keyring_ours, attrs,
	    SECRET_SEARCH_ALL, c.cancel, &ge);
	if (ge != NULL) {
		keyring_fail(ge, "search", e);
		goto out;
	}
	for (l = items, r = 0; l != NULL && r == 0; l = l->next) {
		if (kr.secret_item_get_locked(l->data))
			r = err_set_temp(e, ERR_TEMP,
			    "the keyring is locked; unlock it (log in to the desktop session) and try again");
		else if (!kr.secret_item_delete_sync(l->data, c.cancel, &ge))
			r = keyring_fail(ge, "delete", e);
		else
			(*removed)++;
	}
out:
	if (items != NULL)
		kr.g_list_free_full(items, kr.g_object_unref);
	if (attrs != NULL)
		kr.g_hash_table_unref(attrs);
	keyring_end(&c);
	return r;
}
