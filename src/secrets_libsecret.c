/*
 * secrets_libsecret.c: the Secret Service keyring through libsecret; the
 * only file that includes libsecret (see keyring.h).
 *
 * libsecret's convenience calls (secret_password_lookup_sync and friends)
 * unlock locked items, which opens a prompt, and GLib autolaunches a bus
 * over X11 when there is no session bus. So: DBUS_SESSION_BUS_ADDRESS is
 * checked first; searches never set SECRET_SEARCH_UNLOCK (a locked item
 * comes back locked, without its secret); a store into a locked
 * collection is refused before it is tried. Every call runs under one
 * GCancellable that a watchdog thread cancels after KEYRING_TIMEOUT
 * seconds, so a Secret Service that never answers cannot hang us.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libsecret/secret.h>

#include "keyring.h"

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
	return true;
}

const char *
keyring_backend_version(void)
{
	static char version[32];

	/* libsecret has no run-time version call; report what we built with. */
	(void)snprintf(version, sizeof(version), "libsecret %d.%d.%d",
	    SECRET_MAJOR_VERSION, SECRET_MINOR_VERSION, SECRET_MICRO_VERSION);
	return version;
}

static gpointer
keyring_watchdog(gpointer arg)
{
	struct keyring_call *c = arg;

	g_mutex_lock(&c->lock);
	while (!c->done)
		if (!g_cond_wait_until(&c->cond, &c->lock, c->deadline)) {
			if (!c->done)
				g_cancellable_cancel(c->cancel);
			break;
		}
	g_mutex_unlock(&c->lock);
	return NULL;
}

/* The GError as one of the failures keyring.h promises. */
static int
keyring_fail(GError *ge, const char *what, struct err *e)
{
	const char *msg = ge ? ge->message : "unknown error";

	if (ge && g_error_matches(ge, G_IO_ERROR, G_IO_ERROR_CANCELLED))
		err_set_temp(e, ERR_TEMP,
		    "the keyring did not answer within %d seconds (%s)",
		    KEYRING_TIMEOUT, what);
	else if (ge &&
	    (g_error_matches(ge, G_DBUS_ERROR, G_DBUS_ERROR_SERVICE_UNKNOWN) ||
	        g_error_matches(ge, G_DBUS_ERROR,
	            G_DBUS_ERROR_NAME_HAS_NO_OWNER)))
		err_set_temp(e, ERR_TEMP,
		    "no Secret Service on the D-Bus session bus (start "
		    "gnome-keyring or another keyring daemon): %s",
		    msg);
	else if (ge &&
	    g_error_matches(ge, SECRET_ERROR, SECRET_ERROR_IS_LOCKED))
		err_set_temp(e, ERR_TEMP,
		    "the keyring is locked; unlock it (log in to the desktop "
		    "session) and try again");
	else if (ge && ge->domain == G_IO_ERROR)
		err_set_temp(e, ERR_TEMP,
		    "cannot connect to the D-Bus session bus: %s", msg);
	else
		err_set_temp(e, ERR_TEMP, "keyring %s failed: %s", what, msg);
	if (ge)
		g_error_free(ge);
	return -1;
}

/* Check the bus, start the watchdog, connect. 0 or -1 + temporary err. */
static int
keyring_begin(struct keyring_call *c, struct err *e)
{
	const char *bus = getenv("DBUS_SESSION_BUS_ADDRESS");
	GError *ge = NULL;

	memset(c, 0, sizeof(*c));
	if (bus == NULL || *bus == '\0')
		return err_set_temp(e, ERR_TEMP,
		    "the keyring is not reachable: no D-Bus session bus "
		    "(DBUS_SESSION_BUS_ADDRESS is not set, as under cron, "
		    "ssh or a system service)");
	c->cancel = g_cancellable_new();
	g_mutex_init(&c->lock);
	g_cond_init(&c->cond);
	c->deadline =
	    g_get_monotonic_time() + KEYRING_TIMEOUT * G_TIME_SPAN_SECOND;
	c->watchdog = g_thread_new("keyring-watchdog", keyring_watchdog, c);
	c->service = secret_service_get_sync(SECRET_SERVICE_OPEN_SESSION,
	    c->cancel, &ge);
	if (c->service == NULL)
		return keyring_fail(ge, "connection", e);
	return 0;
}

static void
keyring_end(struct keyring_call *c)
{
	if (c->watchdog != NULL) {
		g_mutex_lock(&c->lock);
		c->done = true;
		g_cond_signal(&c->cond);
		g_mutex_unlock(&c->lock);
		g_thread_join(c->watchdog);
		g_mutex_clear(&c->lock);
		g_cond_clear(&c->cond);
	}
	if (c->service != NULL)
		g_object_unref(c->service);
	if (c->cancel != NULL)
		g_object_unref(c->cancel);
	memset(c, 0, sizeof(*c));
}

static GHashTable *
keyring_attrs(const SecretSchema *schema, const char *host, const char *user)
{
	GHashTable *h = g_hash_table_new(g_str_hash, g_str_equal);

	g_hash_table_insert(h,
	    (gpointer)(schema == &keyring_network ? "server" : "host"),
	    (gpointer)host);
	g_hash_table_insert(h,
	    (gpointer)(schema == &keyring_network ? "protocol" : "service"),
	    (gpointer) "smtp");
	g_hash_table_insert(h, (gpointer) "user", (gpointer)user);
	return h;
}

/*
 * Search one schema. 0 found (out filled), 1 nothing unlocked found,
 * -1 error. *locked counts matching items that are locked.
 */
static int
keyring_search(struct keyring_call *c, const SecretSchema *schema,
    const char *host, const char *user, struct buf *out, unsigned *locked,
    struct err *e)
{
	GHashTable *attrs = keyring_attrs(schema, host, user);
	GError *ge = NULL;
	GList *items, *l;
	int r = 1;

	items = secret_service_search_sync(c->service, schema, attrs,
	    SECRET_SEARCH_ALL | SECRET_SEARCH_LOAD_SECRETS, c->cancel, &ge);
	g_hash_table_unref(attrs);
	if (ge != NULL)
		return keyring_fail(ge, "lookup", e);
	for (l = items; l != NULL && r == 1; l = l->next) {
		SecretValue *v = NULL;
		const gchar *data;
		gsize len;

		if (secret_item_get_locked(l->data)) {
			(*locked)++;
			continue;
		}
		if ((v = secret_item_get_secret(l->data)) == NULL)
			continue;
		data = secret_value_get(v, &len);
		buf_wipe(out);
		if (buf_add(out, data, len) == -1)
			r = err_set(e, ERR_CONFIG,
			    "the password in the keyring is too long");
		else
			r = 0;
		secret_value_unref(v);
	}
	g_list_free_full(items, g_object_unref);
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

	if (keyring_begin(&c, e) == -1)
		goto out;
	for (i = 0, r = 1; i < G_N_ELEMENTS(order) && r == 1; i++) {
		r = keyring_search(&c, order[i], host, user, out, &locked, e);
		if (r == 0)
			*which = (enum keyring_schema)i;
	}
	if (r == 1 && locked > 0)
		r = err_set_temp(e, ERR_TEMP,
		    "the keyring is locked; unlock it (log in to the desktop "
		    "session) and try again");
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

	coll = secret_collection_for_alias_sync(c->service,
	    SECRET_COLLECTION_DEFAULT, SECRET_COLLECTION_NONE, c->cancel, &ge);
	if (ge != NULL)
		return keyring_fail(ge, "store", e);
	if (coll == NULL)
		return err_set(e, ERR_UNAVAILABLE,
		    "the keyring has no default collection to store into "
		    "(create one with your keyring manager, e.g. seahorse)");
	locked = secret_collection_get_locked(coll);
	g_object_unref(coll);
	if (locked)
		return err_set_temp(e, ERR_TEMP,
		    "the keyring is locked; unlock it (log in to the desktop "
		    "session) and try again");
	return 0;
}

int
keyring_store(const char *host, const char *user, const char *label,
    const char *password, struct err *e)
{
	struct keyring_call c;
	GHashTable *attrs = NULL;
	SecretValue *v = NULL;
	GError *ge = NULL;
	int r = -1;

	if (keyring_begin(&c, e) == -1 || keyring_default_unlocked(&c, e) == -1)
		goto out;
	attrs = keyring_attrs(&keyring_ours, host, user);
	v = secret_value_new(password, -1, "text/plain");
	if (!secret_service_store_sync(c.service, &keyring_ours, attrs,
	        SECRET_COLLECTION_DEFAULT, label, v, c.cancel, &ge))
		r = keyring_fail(ge, "store", e);
	else
		r = 0;
out:
	if (v != NULL)
		secret_value_unref(v);
	if (attrs != NULL)
		g_hash_table_unref(attrs);
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
	if (keyring_begin(&c, e) == -1)
		goto out;
	attrs = keyring_attrs(&keyring_ours, host, user);
	items = secret_service_search_sync(c.service, &keyring_ours, attrs,
	    SECRET_SEARCH_ALL, c.cancel, &ge);
	if (ge != NULL) {
		keyring_fail(ge, "search", e);
		goto out;
	}
	for (l = items, r = 0; l != NULL && r == 0; l = l->next) {
		if (secret_item_get_locked(l->data))
			r = err_set_temp(e, ERR_TEMP,
			    "the keyring is locked; unlock it (log in to the "
			    "desktop session) and try again");
		else if (!secret_item_delete_sync(l->data, c.cancel, &ge))
			r = keyring_fail(ge, "delete", e);
		else
			(*removed)++;
	}
out:
	g_list_free_full(items, g_object_unref);
	if (attrs != NULL)
		g_hash_table_unref(attrs);
	keyring_end(&c);
	return r;
}
