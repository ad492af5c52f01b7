/*
 * conf_table.c: the key table (see conf.h): every configuration key,
 * declared once by its enum conf_key_id, with its type, the struct
 * account field it fills, bounds, choices, default and a line of help,
 * in the manner of tmux's options-table.c. A default is either a value
 * (def, set by conf_finish when the key was not set) or prose saying how
 * conf.c computes it (computed). The choices of the enum keys and the
 * syslog facilities are indexed by their enums (conf.h), so tables that
 * must agree are checked at compile time.
 */
#include "config.h"

#include <stddef.h>
#include <syslog.h>

#include "conf.h"
#include "queue_defaults.h"
#include "util.h"

#define OFF(f) offsetof(struct account, f)
#define DAY (24U * 3600U)

static const char *const conf_auth_choices[] = { "off", "on", "plain", "login",
	"cram-md5", "digest-md5", "scram-sha-1", "scram-sha-1-plus",
	"scram-sha-256", "scram-sha-256-plus", "gssapi", "external", "ntlm",
	"oauthbearer", "xoauth2", NULL };
/* The choices of each enum key, in the order of its enum (conf.h). */
static const char *const conf_hdr_choices[CONF_HDR_COUNT + 1] = {
	[CONF_HDR_AUTO] = "auto",
	[CONF_HDR_ON] = "on",
	[CONF_HDR_OFF] = "off",
};
static const char *const conf_hdra_choices[CONF_HDRA_COUNT + 1] = {
	[CONF_HDRA_AUTO] = "auto",
	[CONF_HDRA_OFF] = "off",
};
static const char *const conf_ret_choices[CONF_RET_COUNT + 1] = {
	[CONF_RET_OFF] = "off",
	[CONF_RET_HDRS] = "hdrs",
	[CONF_RET_FULL] = "full",
};
/* What RET=... says on the wire for each dsn_return value. */
static const char *const conf_ret_keywords[] = {
	[CONF_RET_OFF] = NULL,
	[CONF_RET_HDRS] = "HDRS",
	[CONF_RET_FULL] = "FULL",
};
_Static_assert(ARRAY_SIZE(conf_ret_keywords) == CONF_RET_COUNT,
    "a RET keyword for every dsn_return choice");
static const char *const conf_proto_choices[] = { "smtp", NULL };
static const char *const conf_oauth2_choices[CONF_OAUTH2_COUNT + 1] = {
	[CONF_OAUTH2_OFF] = "off",
	[CONF_OAUTH2_CUSTOM] = "custom",
	[CONF_OAUTH2_MICROSOFT] = "microsoft",
	[CONF_OAUTH2_GOOGLE] = "google",
	[CONF_OAUTH2_FASTMAIL] = "fastmail",
};
static const char *const conf_flow_choices[CONF_FLOW_COUNT + 1] = {
	[CONF_FLOW_AUTO] = "auto",
	[CONF_FLOW_LOOPBACK] = "loopback",
	[CONF_FLOW_DEVICE] = "device",
};
static const char *const conf_store_choices[CONF_STORE_COUNT + 1] = {
	[CONF_STORE_KEYRING] = "keyring",
	[CONF_STORE_FILE] = "file",
};

/* syslog: a name and a facility for each value; the two must agree. */
static const char *const conf_syslog_choices[CONF_SYSLOG_COUNT + 1] = {
	[CONF_SYSLOG_OFF] = "off",
	[CONF_SYSLOG_ON] = "on",
	[CONF_SYSLOG_USER] = "LOG_USER",
	[CONF_SYSLOG_MAIL] = "LOG_MAIL",
	[CONF_SYSLOG_LOCAL0] = "LOG_LOCAL0",
	[CONF_SYSLOG_LOCAL1] = "LOG_LOCAL1",
	[CONF_SYSLOG_LOCAL2] = "LOG_LOCAL2",
	[CONF_SYSLOG_LOCAL3] = "LOG_LOCAL3",
	[CONF_SYSLOG_LOCAL4] = "LOG_LOCAL4",
	[CONF_SYSLOG_LOCAL5] = "LOG_LOCAL5",
	[CONF_SYSLOG_LOCAL6] = "LOG_LOCAL6",
	[CONF_SYSLOG_LOCAL7] = "LOG_LOCAL7",
};
static const int conf_syslog_facilities[] = {
	[CONF_SYSLOG_OFF] = 0,
	[CONF_SYSLOG_ON] = LOG_USER,
	[CONF_SYSLOG_USER] = LOG_USER,
	[CONF_SYSLOG_MAIL] = LOG_MAIL,
	[CONF_SYSLOG_LOCAL0] = LOG_LOCAL0,
	[CONF_SYSLOG_LOCAL1] = LOG_LOCAL1,
	[CONF_SYSLOG_LOCAL2] = LOG_LOCAL2,
	[CONF_SYSLOG_LOCAL3] = LOG_LOCAL3,
	[CONF_SYSLOG_LOCAL4] = LOG_LOCAL4,
	[CONF_SYSLOG_LOCAL5] = LOG_LOCAL5,
	[CONF_SYSLOG_LOCAL6] = LOG_LOCAL6,
	[CONF_SYSLOG_LOCAL7] = LOG_LOCAL7,
};
_Static_assert(ARRAY_SIZE(conf_syslog_facilities) == CONF_SYSLOG_COUNT,
    "a facility for every syslog choice");

const struct conf_key conf_keys[CONF_KEY_COUNT] = {
	[CONF_KEY_HOST] = { .name = "host",
	    .type = CONF_STRING,
	    .offset = OFF(host),
	    .help = "the submission server" },
	[CONF_KEY_PORT] = { .name = "port",
	    .type = CONF_UINT,
	    .offset = OFF(port),
	    .min = 1,
	    .max = 65535,
	    .computed = "587, or 465 with tls_starttls off",
	    .help = "the server's port" },
	[CONF_KEY_TLS] = { .name = "tls",
	    .type = CONF_BOOL,
	    .offset = OFF(tls),
	    .def = "on",
	    .help = "use TLS (off is for a local relay)" },
	[CONF_KEY_TLS_STARTTLS] = { .name = "tls_starttls",
	    .type = CONF_BOOL,
	    .offset = OFF(tls_starttls),
	    .computed = "on, off for port 465",
	    .help = "STARTTLS (on) or TLS from the first byte (off)" },
	[CONF_KEY_TLS_TRUST_FILE] = { .name = "tls_trust_file",
	    .type = CONF_PATH,
	    .offset = OFF(tls_trust_file),
	    .def = "system",
	    .help = "CA certificates to verify the server, or system" },
	[CONF_KEY_TLS_FINGERPRINT] = { .name = "tls_fingerprint",
	    .type = CONF_STRING,
	    .offset = OFF(tls_fingerprint),
	    .help =
	        "SHA-256 fingerprint (hex pairs and colons) to pin instead" },
	[CONF_KEY_TLS_CERT_FILE] = { .name = "tls_cert_file",
	    .type = CONF_PATH,
	    .offset = OFF(tls_cert_file),
	    .help = "client certificate (PEM)" },
	[CONF_KEY_TLS_KEY_FILE] = { .name = "tls_key_file",
	    .type = CONF_PATH,
	    .offset = OFF(tls_key_file),
	    .help = "key of the client certificate (PEM)" },
	[CONF_KEY_TLS_PRIORITIES] = { .name = "tls_priorities",
	    .type = CONF_STRING,
	    .offset = OFF(tls_priorities),
	    .help = "GnuTLS priority string" },
	[CONF_KEY_TLS_HOST_OVERRIDE] = { .name = "tls_host_override",
	    .type = CONF_STRING,
	    .offset = OFF(tls_host_override),
	    .help = "name to verify in the certificate instead of host" },
	[CONF_KEY_TLS_CERTCHECK] = { .name = "tls_certcheck",
	    .type = CONF_BOOL,
	    .offset = OFF(tls_certcheck),
	    .def = "on",
	    .help = "verify the server certificate" },
	[CONF_KEY_TLS_SESSION_CACHE] = { .name = "tls_session_cache",
	    .type = CONF_BOOL,
	    .offset = OFF(tls_session_cache),
	    .def = "on",
	    .help =
	        "resume TLS sessions (kept in $XDG_STATE_HOME/postern/tls)" },
	[CONF_KEY_TIMEOUT] = { .name = "timeout",
	    .type = CONF_UINT,
	    .offset = OFF(timeout),
	    .min = 0,
	    .max = DAY,
	    .def = "60",
	    .help = "seconds to wait for each command; off for none",
	    .flags = CONF_K_DURATION | CONF_K_OFF },
	[CONF_KEY_DATA_TIMEOUT] = { .name = "data_timeout",
	    .type = CONF_UINT,
	    .offset = OFF(data_timeout),
	    .min = 0,
	    .max = DAY,
	    .def = "600",
	    .help =
	        "seconds to wait for the reply after the end of the message; off for the same as timeout",
	    .flags = CONF_K_DURATION | CONF_K_OFF },
	[CONF_KEY_SOURCE_IP] = { .name = "source_ip",
	    .type = CONF_STRING,
	    .offset = OFF(source_ip),
	    .help = "local address to connect from" },
	[CONF_KEY_IPV4] = { .name = "ipv4",
	    .type = CONF_BOOL,
	    .offset = OFF(ipv4),
	    .def = "on",
	    .help = "connect over IPv4" },
	[CONF_KEY_IPV6] = { .name = "ipv6",
	    .type = CONF_BOOL,
	    .offset = OFF(ipv6),
	    .def = "on",
	    .help = "connect over IPv6" },
	[CONF_KEY_DOMAIN] = { .name = "domain",
	    .type = CONF_STRING,
	    .offset = OFF(domain),
	    .def = "localhost",
	    .help = "argument of EHLO" },
	[CONF_KEY_PROTOCOL] = { .name = "protocol",
	    .type = CONF_ENUM,
	    .offset = OFF(protocol),
	    .choices = conf_proto_choices,
	    .def = "smtp",
	    .help = "only smtp (no lmtp)" },
	[CONF_KEY_AUTH] = { .name = "auth",
	    .type = CONF_ENUM,
	    .offset = OFF(auth),
	    .choices = conf_auth_choices,
	    .computed = "on when user is set, else off",
	    .help = "SMTP AUTH: on (best offered), off, or a mechanism" },
	[CONF_KEY_USER] = { .name = "user",
	    .type = CONF_STRING,
	    .offset = OFF(user),
	    .help = "user name for AUTH" },
	[CONF_KEY_PASSWORD] = { .name = "password",
	    .type = CONF_SECRET,
	    .offset = OFF(password),
	    .help = "password (prefer the keyring or passwordeval)" },
	[CONF_KEY_PASSWORDEVAL] = { .name = "passwordeval",
	    .type = CONF_CMD,
	    .offset = OFF(passwordeval),
	    .help = "command whose first output line is the password" },
	[CONF_KEY_PASSWORD_CREDENTIAL] = { .name = "password_credential",
	    .type = CONF_STRING,
	    .offset = OFF(password_credential),
	    .help = "systemd credential holding the password" },
	[CONF_KEY_KEYRING] = { .name = "keyring",
	    .type = CONF_BOOL,
	    .offset = OFF(keyring),
	    .def = "on",
	    .help = "look the password up in the Secret Service keyring" },
	/* OAuth2: the rows stay together (doc/oauth2.md). */
	[CONF_KEY_OAUTH2_PROVIDER] = { .name = "oauth2_provider",
	    .type = CONF_ENUM,
	    .offset = OFF(oauth2_provider),
	    .choices = conf_oauth2_choices,
	    .def = "off",
	    .help =
	        "get and refresh OAuth2 tokens: microsoft, google, fastmail, custom" },
	[CONF_KEY_OAUTH2_CLIENT_ID] = { .name = "oauth2_client_id",
	    .type = CONF_STRING,
	    .offset = OFF(oauth2_client_id),
	    .help = "the client ID you registered (doc/oauth2.md)" },
	[CONF_KEY_OAUTH2_CLIENT_SECRET] = { .name = "oauth2_client_secret",
	    .type = CONF_SECRET,
	    .offset = OFF(oauth2_client_secret),
	    .help = "the client secret, when the provider gave one" },
	[CONF_KEY_OAUTH2_CLIENT_SECRET_EVAL] = { .name =
	                                             "oauth2_client_secret_eval",
	    .type = CONF_CMD,
	    .offset = OFF(oauth2_client_secret_eval),
	    .help = "command whose first output line is the client secret" },
	[CONF_KEY_OAUTH2_TENANT] = { .name = "oauth2_tenant",
	    .type = CONF_STRING,
	    .offset = OFF(oauth2_tenant),
	    .def = "common",
	    .help =
	        "Microsoft tenant: common, consumers, organizations or an ID" },
	[CONF_KEY_OAUTH2_FLOW] = { .name = "oauth2_flow",
	    .type = CONF_ENUM,
	    .offset = OFF(oauth2_flow),
	    .choices = conf_flow_choices,
	    .def = "auto",
	    .help =
	        "how --authorize asks: loopback (browser) or device (code)" },
	[CONF_KEY_OAUTH2_ISSUER] = { .name = "oauth2_issuer",
	    .type = CONF_STRING,
	    .offset = OFF(oauth2_issuer),
	    .help = "custom provider: issuer URL for RFC 8414/OIDC discovery" },
	[CONF_KEY_OAUTH2_AUTHORIZE_ENDPOINT] = { .name =
	                                             "oauth2_authorize_endpoint",
	    .type = CONF_STRING,
	    .offset = OFF(oauth2_authorize_endpoint),
	    .help = "custom provider: authorization endpoint URL" },
	[CONF_KEY_OAUTH2_TOKEN_ENDPOINT] = { .name = "oauth2_token_endpoint",
	    .type = CONF_STRING,
	    .offset = OFF(oauth2_token_endpoint),
	    .help = "custom provider: token endpoint URL" },
	[CONF_KEY_OAUTH2_DEVICE_ENDPOINT] = { .name = "oauth2_device_endpoint",
	    .type = CONF_STRING,
	    .offset = OFF(oauth2_device_endpoint),
	    .help = "custom provider: device authorization endpoint URL" },
	[CONF_KEY_OAUTH2_SCOPE] = { .name = "oauth2_scope",
	    .type = CONF_STRING,
	    .offset = OFF(oauth2_scope),
	    .help = "scopes to ask for (required for custom providers)" },
	[CONF_KEY_OAUTH2_TOKEN_STORE] = { .name = "oauth2_token_store",
	    .type = CONF_ENUM,
	    .offset = OFF(oauth2_token_store),
	    .choices = conf_store_choices,
	    .def = "keyring",
	    .help =
	        "where tokens are kept: keyring, or file ($XDG_STATE_HOME; the system file: always a file in its state directory)" },
	[CONF_KEY_FROM] = { .name = "from",
	    .type = CONF_STRING,
	    .offset = OFF(from),
	    .help = "envelope sender; a glob selects the account for -f" },
	[CONF_KEY_FROM_FULL_NAME] = { .name = "from_full_name",
	    .type = CONF_STRING,
	    .offset = OFF(from_full_name),
	    .help = "full name for a From header postern adds" },
	[CONF_KEY_ALLOW_FROM_OVERRIDE] = { .name = "allow_from_override",
	    .type = CONF_BOOL,
	    .offset = OFF(allow_from_override),
	    .def = "on",
	    .help = "let -f replace from" },
	[CONF_KEY_DSN_NOTIFY] = { .name = "dsn_notify",
	    .type = CONF_STRING,
	    .offset = OFF(dsn_notify),
	    .help = "DSN NOTIFY: off, never, or success,failure,delay" },
	[CONF_KEY_DSN_RETURN] = { .name = "dsn_return",
	    .type = CONF_ENUM,
	    .offset = OFF(dsn_return),
	    .choices = conf_ret_choices,
	    .def = "off",
	    .help = "DSN RET: off, hdrs or full" },
	[CONF_KEY_DSN_REQUIRED] = { .name = "dsn_required",
	    .type = CONF_BOOL,
	    .offset = OFF(dsn_required),
	    .def = "off",
	    .help =
	        "refuse to send when DSN is asked for and the server lacks it" },
	[CONF_KEY_SET_FROM_HEADER] = { .name = "set_from_header",
	    .type = CONF_ENUM,
	    .offset = OFF(set_from_header),
	    .choices = conf_hdr_choices,
	    .def = "auto",
	    .help =
	        "add a missing From (auto), always replace it (on), never (off)" },
	[CONF_KEY_SET_DATE_HEADER] = { .name = "set_date_header",
	    .type = CONF_ENUM,
	    .offset = OFF(set_date_header),
	    .choices = conf_hdra_choices,
	    .def = "auto",
	    .help = "add a missing Date" },
	[CONF_KEY_SET_MSGID_HEADER] = { .name = "set_msgid_header",
	    .type = CONF_ENUM,
	    .offset = OFF(set_msgid_header),
	    .choices = conf_hdra_choices,
	    .def = "auto",
	    .help = "add a missing Message-ID" },
	[CONF_KEY_REMOVE_BCC_HEADERS] = { .name = "remove_bcc_headers",
	    .type = CONF_BOOL,
	    .offset = OFF(remove_bcc_headers),
	    .def = "on",
	    .help = "remove Bcc and Resent-Bcc" },
	[CONF_KEY_UNDISCLOSED_RECIPIENTS] = { .name = "undisclosed_recipients",
	    .type = CONF_BOOL,
	    .offset = OFF(undisclosed_recipients),
	    .def = "off",
	    .help = "replace To, Cc and Bcc with undisclosed-recipients:;" },
	[CONF_KEY_ALIASES] = { .name = "aliases",
	    .type = CONF_PATH,
	    .offset = OFF(aliases),
	    .help = "alias file for local names (local: address, ...)" },
	[CONF_KEY_LOCAL_DOMAIN] = { .name = "local_domain",
	    .type = CONF_STRING,
	    .offset = OFF(local_domain),
	    .help = "domain that qualifies bare local names" },
	[CONF_KEY_LOGFILE] = { .name = "logfile",
	    .type = CONF_PATH,
	    .offset = OFF(logfile),
	    .help = "log one line per message" },
	[CONF_KEY_LOGFILE_TIME_FORMAT] = { .name = "logfile_time_format",
	    .type = CONF_STRING,
	    .offset = OFF(logfile_time_format),
	    .help = "strftime format of the log file's time stamps" },
	[CONF_KEY_SYSLOG] = { .name = "syslog",
	    .type = CONF_ENUM,
	    .offset = OFF(syslog),
	    .choices = conf_syslog_choices,
	    .def = "LOG_MAIL",
	    .help = "log to syslog: off, on (LOG_USER), or a facility" },
	[CONF_KEY_QUEUE] = { .name = "queue",
	    .type = CONF_BOOL,
	    .offset = OFF(queue),
	    .def = "on",
	    .help = "queue the message when delivery fails temporarily" },
	[CONF_KEY_QUEUE_DIR] = { .name = "queue_dir",
	    .type = CONF_PATH,
	    .offset = OFF(queue_dir),
	    .computed = "$XDG_STATE_HOME/postern/queue",
	    .help = "queue directory" },
	[CONF_KEY_QUEUE_LIFETIME] = { .name = "queue_lifetime",
	    .type = CONF_UINT,
	    .offset = OFF(queue_lifetime),
	    .min = 60,
	    .max = 365 * DAY,
	    .def = QUEUE_LIFETIME_DEFAULT_TEXT,
	    .help = "give up on a queued message after this long",
	    .flags = CONF_K_DURATION },
	[CONF_KEY_RETRY_MIN] = { .name = "retry_min",
	    .type = CONF_UINT,
	    .offset = OFF(retry_min),
	    .min = 1,
	    .max = 30 * DAY,
	    .def = QUEUE_RETRY_MIN_DEFAULT_TEXT,
	    .help = "first retry delay (doubling)",
	    .flags = CONF_K_DURATION },
	[CONF_KEY_RETRY_MAX] = { .name = "retry_max",
	    .type = CONF_UINT,
	    .offset = OFF(retry_max),
	    .min = 1,
	    .max = 30 * DAY,
	    .def = QUEUE_RETRY_MAX_DEFAULT_TEXT,
	    .help = "longest retry delay",
	    .flags = CONF_K_DURATION },
	[CONF_KEY_QUEUE_ONLY] = { .name = "queue_only",
	    .type = CONF_BOOL,
	    .offset = OFF(queue_only),
	    .def = "off",
	    .help = "always queue, never connect at submission (like -odq)" },
	[CONF_KEY_SYSTEM_DIRECT] = { .name = "system_direct",
	    .type = CONF_BOOL,
	    .offset = OFF(system_direct),
	    .def = "off",
	    .help =
	        "system file: users without a file deliver directly with it" },
};
_Static_assert(ARRAY_SIZE(conf_keys) == CONF_KEY_COUNT,
    "a table row for every conf_key_id");
const size_t conf_nkeys = CONF_KEY_COUNT;

const char *
conf_auth_mechanism(int auth)
{
	static const char *const mech[] = { NULL, NULL, "PLAIN", "LOGIN",
		"CRAM-MD5", "DIGEST-MD5", "SCRAM-SHA-1", "SCRAM-SHA-1-PLUS",
		"SCRAM-SHA-256", "SCRAM-SHA-256-PLUS", "GSSAPI", "EXTERNAL",
		"NTLM", "OAUTHBEARER", "XOAUTH2" };
	_Static_assert(ARRAY_SIZE(mech) == ARRAY_SIZE(conf_auth_choices) - 1,
	    "one mechanism name per auth choice");

	if (auth < 0 || (size_t)auth >= ARRAY_SIZE(mech))
		return NULL;
	return mech[auth];
}

const char *
conf_dsn_ret_keyword(int dsn_return)
{
	if (dsn_return < 0 || dsn_return >= CONF_RET_COUNT)
		return NULL;
	return conf_ret_keywords[dsn_return];
}

const char *
conf_syslog_name(int syslog)
{
	if (syslog < 0 || syslog >= CONF_SYSLOG_COUNT)
		return "off";
	return conf_syslog_choices[syslog];
}

int
conf_syslog_facility(int syslog)
{
	if (syslog < 0 || syslog >= CONF_SYSLOG_COUNT)
		return 0;
	return conf_syslog_facilities[syslog];
}

bool
conf_isset(const struct account *a, enum conf_key_id k)
{
	return k < CONF_KEY_COUNT && a->origin[k].file != NULL;
}
