/*
 * conf.h: the configuration: msmtp-compatible files, resolved accounts.
 *
 * The syntax is msmtp's: "defaults", "account NAME [: PARENT[,PARENT]]",
 * "key value" lines, '#' comments at the start of a line, values in
 * double quotes (with \" and \\), a leading "~/" in paths. Every key is
 * declared once in the table in conf_table.c (type, field, bounds,
 * choices, default, help); nothing else knows the key names.
 *
 * Two phases, as OpenSSH: conf_parse() reads one file's bytes with every
 * field unset (an account starts as a copy of the "defaults" seen so far,
 * then each parent's explicitly set fields are laid over it); then
 * conf_finish() fills the secure defaults and checks rules that involve
 * several keys. Errors do not stop either phase: each one is appended to
 * the error buffer as "path:line: message\n" and the phase returns -1 at
 * the end. conf_load() is the thin I/O wrapper: search order, open,
 * fstat, permission check, read, parse, finish.
 *
 * Every value keeps its origin (file and line, or "default") for
 * --print-config. struct account and struct conf own their strings;
 * secrets are wiped when freed.
 */
#ifndef POSTERN_CONF_H
#define POSTERN_CONF_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"
#include "err.h"

#define CONF_LINE_MAX (64 * 1024)       /* OAuth tokens fit inline */
#define CONF_FILE_MAX (4 * 1024 * 1024) /* a bigger file is refused */
#define CONF_ERRORS_MAX (64 * 1024)     /* collected error text */
#define CONF_NAME_MAX 128               /* account name */

enum conf_type {
	CONF_BOOL,   /* on|off (an empty value means on) */
	CONF_UINT,   /* decimal in [min, max]; durations take s/m/h/d */
	CONF_STRING, /* any text */
	CONF_ENUM,   /* one of choices, case-insensitive; stored as index */
	CONF_PATH,   /* a file name; "~/" expands to the home directory */
	CONF_SECRET, /* like STRING, masked in output, file permission check */
	CONF_CMD     /* a shell command line, run later (passwordeval) */
};

/* The index of each choice, for the ENUM fields main.c reads. */
enum conf_auth {
	CONF_AUTH_OFF = 0,
	CONF_AUTH_ON, /* choose the best mechanism the server offers */
	/* >= CONF_AUTH_ON + 1: a mechanism, see conf_auth_mechanism() */
};
enum conf_hdr { CONF_HDR_AUTO = 0, CONF_HDR_ON, CONF_HDR_OFF, CONF_HDR_COUNT };
enum conf_hdr_auto { CONF_HDRA_AUTO = 0, CONF_HDRA_OFF, CONF_HDRA_COUNT };
enum conf_dsn_ret {
	CONF_RET_OFF = 0,
	CONF_RET_HDRS,
	CONF_RET_FULL,
	CONF_RET_COUNT
};
enum conf_oauth2_provider {
	CONF_OAUTH2_OFF = 0,
	CONF_OAUTH2_CUSTOM,
	CONF_OAUTH2_MICROSOFT,
	CONF_OAUTH2_GOOGLE,
	CONF_OAUTH2_FASTMAIL,
	CONF_OAUTH2_COUNT
};
enum conf_oauth2_flow {
	CONF_FLOW_AUTO = 0,
	CONF_FLOW_LOOPBACK,
	CONF_FLOW_DEVICE,
	CONF_FLOW_COUNT
};
enum conf_oauth2_store {
	CONF_STORE_KEYRING = 0,
	CONF_STORE_FILE,
	CONF_STORE_COUNT
};
enum conf_syslog {
	CONF_SYSLOG_OFF = 0,
	CONF_SYSLOG_ON, /* LOG_USER, as msmtp */
	CONF_SYSLOG_USER,
	CONF_SYSLOG_MAIL,
	CONF_SYSLOG_LOCAL0,
	CONF_SYSLOG_LOCAL1,
	CONF_SYSLOG_LOCAL2,
	CONF_SYSLOG_LOCAL3,
	CONF_SYSLOG_LOCAL4,
	CONF_SYSLOG_LOCAL5,
	CONF_SYSLOG_LOCAL6,
	CONF_SYSLOG_LOCAL7,
	CONF_SYSLOG_COUNT
};

/*
 * Every key, by its row in the table (conf_table.c): code names a key by
 * identifier, so a misspelt key does not compile.
 */
enum conf_key_id {
	CONF_KEY_HOST = 0,
	CONF_KEY_PORT,
	CONF_KEY_TLS,
	CONF_KEY_TLS_STARTTLS,
	CONF_KEY_TLS_TRUST_FILE,
	CONF_KEY_TLS_FINGERPRINT,
	CONF_KEY_TLS_CERT_FILE,
	CONF_KEY_TLS_KEY_FILE,
	CONF_KEY_TLS_PRIORITIES,
	CONF_KEY_TLS_HOST_OVERRIDE,
	CONF_KEY_TLS_CERTCHECK,
	CONF_KEY_TLS_SESSION_CACHE,
	CONF_KEY_TIMEOUT,
	CONF_KEY_DATA_TIMEOUT,
	CONF_KEY_SOURCE_IP,
	CONF_KEY_IPV4,
	CONF_KEY_IPV6,
	CONF_KEY_DOMAIN,
	CONF_KEY_PROTOCOL,
	CONF_KEY_AUTH,
	CONF_KEY_USER,
	CONF_KEY_PASSWORD,
	CONF_KEY_PASSWORDEVAL,
	CONF_KEY_PASSWORD_CREDENTIAL,
	CONF_KEY_KEYRING,
	CONF_KEY_OAUTH2_PROVIDER,
	CONF_KEY_OAUTH2_CLIENT_ID,
	CONF_KEY_OAUTH2_CLIENT_SECRET,
	CONF_KEY_OAUTH2_CLIENT_SECRET_EVAL,
	CONF_KEY_OAUTH2_TENANT,
	CONF_KEY_OAUTH2_FLOW,
	CONF_KEY_OAUTH2_ISSUER,
	CONF_KEY_OAUTH2_AUTHORIZE_ENDPOINT,
	CONF_KEY_OAUTH2_TOKEN_ENDPOINT,
	CONF_KEY_OAUTH2_DEVICE_ENDPOINT,
	CONF_KEY_OAUTH2_SCOPE,
	CONF_KEY_OAUTH2_TOKEN_STORE,
	CONF_KEY_FROM,
	CONF_KEY_FROM_FULL_NAME,
	CONF_KEY_ALLOW_FROM_OVERRIDE,
	CONF_KEY_DSN_NOTIFY,
	CONF_KEY_DSN_RETURN,
	CONF_KEY_DSN_REQUIRED,
	CONF_KEY_SET_FROM_HEADER,
	CONF_KEY_SET_DATE_HEADER,
	CONF_KEY_SET_MSGID_HEADER,
	CONF_KEY_REMOVE_BCC_HEADERS,
	CONF_KEY_UNDISCLOSED_RECIPIENTS,
	CONF_KEY_ALIASES,
	CONF_KEY_LOCAL_DOMAIN,
	CONF_KEY_LOGFILE,
	CONF_KEY_LOGFILE_TIME_FORMAT,
	CONF_KEY_SYSLOG,
	CONF_KEY_QUEUE,
	CONF_KEY_QUEUE_DIR,
	CONF_KEY_QUEUE_LIFETIME,
	CONF_KEY_RETRY_MIN,
	CONF_KEY_RETRY_MAX,
	CONF_KEY_QUEUE_ONLY,
	CONF_KEY_SYSTEM_DIRECT,
	CONF_KEY_COUNT
};

struct conf_origin {
	const char *file; /* NULL: not set in any file */
	unsigned int line;
};

struct account {
	char *name;
	struct conf_origin where; /* the "account" line */

	/* server */
	char *host;
	unsigned int port;
	bool tls;
	bool tls_starttls;
	char *tls_trust_file;  /* "system": the system store */
	char *tls_fingerprint; /* pin instead of the CA check */
	char *tls_cert_file;
	char *tls_key_file;
	char *tls_priorities;
	char *tls_host_override;
	bool tls_certcheck;
	bool tls_session_cache;    /* resume TLS sessions, state dir */
	unsigned int timeout;      /* seconds per command; 0: none */
	unsigned int data_timeout; /* reply after end of data; 0: timeout */
	char *source_ip;
	bool ipv4;
	bool ipv6;
	char *domain; /* EHLO argument */
	int protocol; /* smtp only */

	/* authentication */
	int auth; /* enum conf_auth */
	char *user;
	char *password;            /* SECRET */
	char *passwordeval;        /* CMD: run by secrets.c, not here */
	char *password_credential; /* $CREDENTIALS_DIRECTORY/NAME (systemd) */
	bool keyring;

	/* OAuth2 (oauth2_conf.c resolves presets and endpoints) */
	int oauth2_provider; /* enum conf_oauth2_provider */
	char *oauth2_client_id;
	char *oauth2_client_secret;      /* SECRET */
	char *oauth2_client_secret_eval; /* CMD */
	char *oauth2_tenant;
	int oauth2_flow; /* enum conf_oauth2_flow */
	char *oauth2_issuer;
	char *oauth2_authorize_endpoint;
	char *oauth2_token_endpoint;
	char *oauth2_device_endpoint;
	char *oauth2_scope;
	int oauth2_token_store; /* enum conf_oauth2_store */

	/* envelope and headers */
	char *from;
	char *from_full_name;
	bool allow_from_override;
	char *dsn_notify;
	int dsn_return;       /* enum conf_dsn_ret */
	bool dsn_required;    /* no DSN at the server: refuse, not drop */
	int set_from_header;  /* enum conf_hdr */
	int set_date_header;  /* enum conf_hdr_auto */
	int set_msgid_header; /* enum conf_hdr_auto */
	bool remove_bcc_headers;
	bool undisclosed_recipients;
	char *aliases;
	char *local_domain;

	/* logging */
	char *logfile;
	char *logfile_time_format;
	int syslog; /* enum conf_syslog */

	/* queue */
	bool queue;
	char *queue_dir;
	unsigned int queue_lifetime; /* seconds */
	unsigned int retry_min;      /* seconds */
	unsigned int retry_max;      /* seconds */
	bool queue_only;
	bool system_direct; /* users without a file send with this account */

	/* Loaded by conf_load_system: the system queue's account, whose
	 * state (tokens, TLS sessions) is util_system_state_dir's. */
	bool system;

	/* Where each key's value came from, by enum conf_key_id. */
	struct conf_origin origin[CONF_KEY_COUNT];
};

struct conf {
	struct account **accounts; /* user file first, then system-only */
	size_t naccounts;
	char **files; /* files read; origins point here */
	size_t nfiles;
	struct buf searched; /* "a, b, c": every file looked for */
	struct buf notes;    /* lines for -v */
	struct buf errors;   /* "path:line: message\n" lines */
};

/* An empty configuration. */
void conf_init(struct conf *);
void conf_free(struct conf *);

/*
 * Phase one: parse data[0..len) (path is used for messages and origins;
 * home expands "~/"). Accounts are appended to conf; one already defined
 * by an earlier file is skipped, because the user's file replaces a
 * system account as a whole. *has_secret says whether a SECRET key was
 * set. 0, or -1 after appending the errors to conf->errors.
 */
int conf_parse(struct conf *, const char *path, const char *data, size_t len,
    const char *home, bool *has_secret);

/*
 * Phase two: fill the defaults of every account (queue_dir from
 * default_queue_dir) and check the cross-key rules. 0 or -1 + errors.
 */
int conf_finish(struct conf *, const char *default_queue_dir);

/*
 * The whole load: -C FILE (config_file) or the user's file (search order
 * in postern.conf(5)), then SYSCONFDIR/postern.conf, then conf_finish.
 * A file holding a secret must be owned by the user and not readable by
 * group or others, checked with fstat on the open descriptor. ERR_CONFIG
 * with the collected errors in err->text (and all of them in
 * conf->errors); ERR_NOINPUT when -C names a file that cannot be opened.
 */
int conf_load(struct conf *, const char *config_file, struct err *);

/*
 * Whether the caller has a configuration file of their own (the user
 * search order above, without -C): one that exists, or that cannot be
 * checked for another reason than ENOENT.
 */
bool conf_user_exists(void);

/*
 * The system queue's load (postern -q --system): SYSCONFDIR/postern.conf
 * alone (ERR_NOINPUT when it cannot be opened), the accounts' default
 * queue_dir being queue_dir, then conf_finish. Errors as conf_load.
 */
int conf_load_system(struct conf *, const char *queue_dir, struct err *);

/*
 * The secrecy rule, given fstat's answer: 0 or -1 with *why. is_system
 * relaxes it for the system file (owner root, group may read).
 */
int conf_check_secrecy(unsigned int mode, unsigned int uid, unsigned int euid,
    bool is_system, const char **why);

/*
 * Read a file the configuration names (the aliases) into out, up to the
 * buffer's cap. 0, or -1 with ERR_CONFIG naming the file.
 */
int conf_read_file(const char *path, struct buf *out, struct err *);

/* The account called name, or NULL. */
const struct account *conf_find(const struct conf *, const char *name);

/*
 * Account selection (msmtp's rules): name (-a) when given; else the
 * first account whose from matches sender (case-insensitive; a glob when
 * from holds ?, * or [; user+detail@dom matches user@dom); else
 * "default"; else ERR_CONFIG naming the files searched.
 */
int conf_select(const struct conf *, const char *name, const char *sender,
    const struct account **, struct err *);

/* True when from is a pattern (fnmatch: ? * [), not one address. */
bool conf_from_is_pattern(const char *from);

/* True when the account's from pattern accepts addr. */
bool conf_from_matches(const char *pattern, const char *addr);

/* What sending needs (a host, a from when no -f): 0 or ERR_CONFIG. */
int conf_check_send(const struct account *, bool have_sender, struct err *);

/*
 * --print-config: one "key value  # origin" line per key, secrets
 * masked. Keys never set and without a default are shown as unset.
 */
int conf_print(const struct account *, struct buf *out);

/* The mechanism named by auth ("PLAIN", ...), or NULL for on/off. */
const char *conf_auth_mechanism(int auth);

/* The account's CA file for TLS_VERIFY, or NULL for the system store
 * (tls_trust_file system). */
const char *conf_trust_file(const struct account *);

/* The account's dsn_notify as given, or NULL when off. */
const char *conf_dsn_notify(const struct account *);

/* The RET keyword of a dsn_return value: "HDRS", "FULL"; NULL for off. */
const char *conf_dsn_ret_keyword(int dsn_return);

/* "off", "on", "LOG_MAIL", ... */
const char *conf_syslog_name(int syslog);

/* The syslog(3) facility of a syslog value; 0 for off (do not log). */
int conf_syslog_facility(int syslog);

/* True when the key was set in a file (not a default). */
bool conf_isset(const struct account *, enum conf_key_id);

/*
 * The key table (conf_table.c), for conf.c and the documentation tests;
 * other modules use struct account.
 */
#define CONF_K_DURATION 0x1 /* UINT: takes an s, m, h or d suffix */
#define CONF_K_OFF 0x2      /* UINT: "off" means 0 */

struct conf_key {
	const char *name;
	enum conf_type type;
	size_t offset;              /* offsetof(struct account, field) */
	unsigned int min, max;      /* UINT bounds */
	const char *const *choices; /* ENUM, NULL-terminated */
	const char *def; /* default value, set by conf_finish; NULL: none */
	const char *computed; /* or: how conf.c computes it (prose) */
	const char *help;
	unsigned int flags;
};

extern const struct conf_key conf_keys[CONF_KEY_COUNT];
extern const size_t conf_nkeys; /* CONF_KEY_COUNT */

/*
 * Look a key up by name, legacy names included; a legacy name may
 * rewrite the value (*val). 0 and *key set; 1 for a key that is read and
 * ignored; -1 with *why for an unknown or unsupported key.
 */
int conf_key_lookup(const char *name, const char **val,
    const struct conf_key **key, const char **why);

/* Set, copy, free and print one field, by table entry. */
int conf_key_set(const struct conf_key *, struct account *, const char *val,
    const char *home, struct buf *why);
int conf_key_copy(const struct conf_key *, struct account *dst,
    const struct account *src);
void conf_key_free(const struct conf_key *, struct account *);
int conf_key_print(const struct conf_key *, const struct account *,
    struct buf *out);

/*
 * -a NAME that is not in the configuration (e says so): add the
 * accounts that exist, and the closest name (at most 2 edits, case
 * ignored) as "did you mean" (conf_suggest.c).
 */
void conf_account_hint(const struct conf *, const char *name, struct err *);

#endif
