// provider.mjs: the OAuth2/OpenID provider of postern's test bed, on
// loopback only: npm's oidc-provider 8 (OpenID-certified; device flow
// RFC 8628, introspection RFC 7662, revocation RFC 7009, PKCE RFC 7636)
// with the development interaction pages, so a test approves a flow with
// plain HTTP requests (tests/lib/oauth2.bash).
//
// Clients: "postern", public (no secret): authorization_code with a
// loopback redirect (http://127.0.0.1/, any port, RFC 8252 7.3),
// device_code and refresh_token; refresh tokens rotate on every use and
// reusing a spent one revokes the grant. "dovecot": the resource server
// that introspects tokens (Dovecot's oauth2 passdb, introspection post).
//
// Environment: OP_PORT (required), OP_MODULES (the node_modules directory
// holding oidc-provider), OP_TOKEN_TTL (access token lifetime, seconds,
// default 60), OP_TOKEN_FORMAT (opaque, or jwt), OP_TOKEN_PAD (with jwt:
// an extra claim of that many characters, for tokens over 2 KB).
// Dovecot introspects at /test/introspection (below).
// Prints "listening PORT" when ready.
import { pathToFileURL } from 'node:url';
import path from 'node:path';

const modules = process.env.OP_MODULES ||
  path.join(path.dirname(new URL(import.meta.url).pathname), 'node_modules');
const { default: Provider } = await import(
  pathToFileURL(path.join(modules, 'oidc-provider', 'lib', 'index.js')).href);

const port = Number(process.env.OP_PORT);
const ttl = Number(process.env.OP_TOKEN_TTL || 60);
const format = process.env.OP_TOKEN_FORMAT || 'opaque';
const pad = Number(process.env.OP_TOKEN_PAD || 0);
const ISS = `http://127.0.0.1:${port}`;

const provider = new Provider(ISS, {
  clients: [
    { client_id: 'postern', token_endpoint_auth_method: 'none',
      application_type: 'native',
      grant_types: ['authorization_code', 'refresh_token',
        'urn:ietf:params:oauth:grant-type:device_code'],
      response_types: ['code'], redirect_uris: ['http://127.0.0.1/'] },
    { client_id: 'dovecot', client_secret: 'dovecot-secret',
      token_endpoint_auth_method: 'client_secret_post',
      grant_types: [], response_types: [], redirect_uris: [] },
  ],
  scopes: ['openid', 'offline_access', 'smtp'],
  pkce: { required: () => true, methods: ['S256'] },
  rotateRefreshToken: true,
  ttl: { AccessToken: ttl, RefreshToken: 86400, DeviceCode: 600,
    Interaction: 600, Session: 3600, Grant: 86400 },
  features: {
    devInteractions: { enabled: true },
    deviceFlow: { enabled: true },
    introspection: { enabled: true },
    revocation: { enabled: true },
    resourceIndicators: {
      enabled: true,
      defaultResource: async () => 'urn:postern:smtp',
      useGrantedResource: async () => true,
      getResourceServerInfo: async () => ({
        scope: 'smtp', audience: 'urn:postern:smtp',
        accessTokenFormat: format, accessTokenTTL: ttl,
        ...(format === 'jwt' ? { jwt: { sign: { alg: 'RS256' } } } : {}),
      }),
    },
  },
  extraTokenClaims: async () => (pad > 0 ? { pad: 'p'.repeat(pad) } : undefined),
  // Consent for offline_access even for native clients (refresh tokens).
  issueRefreshToken: async (ctx, client, code) =>
    client.grantTypeAllowed('refresh_token') &&
    code.scopes.has('offline_access'),
  findAccount: async (ctx, id) => ({
    accountId: id, claims: async () => ({ sub: id, email: id }),
  }),
});
provider.on('server_error', (ctx, err) => console.error('server_error', err));

// oidc-provider cannot introspect its JWT access tokens (they are not
// stored), and an opaque one cannot be made longer than 43 characters.
// For the tests of tokens over 2 KB, POST /test/introspection answers
// for a JWT from its payload (exp; the signature is the provider's own,
// not checked: a test bed) and hands anything else to the provider's
// introspection; POST /test/expire (token=...) makes one JWT inactive.
const spent = new Set();
const payload = (t) => {
  try { return JSON.parse(Buffer.from(t.split('.')[1], 'base64url')); }
  catch { return null; }
};
provider.use(async (ctx, next) => {
  if (ctx.method !== 'POST' || !ctx.path.startsWith('/test/')) return next();
  const form = new URLSearchParams(await new Promise((res) => {
    let b = ''; ctx.req.on('data', (c) => { b += c; }); ctx.req.on('end', () => res(b));
  }));
  const token = form.get('token') || '';
  const p = token.split('.').length === 3 ? payload(token) : null;
  if (ctx.path === '/test/expire') {
    if (p) spent.add(p.jti);
    ctx.body = { ok: !!p };
    return undefined;
  }
  if (p) {
    const active = p.exp > Date.now() / 1000 && !spent.has(p.jti);
    ctx.body = active ? { active, sub: p.sub, scope: p.scope, client_id: p.client_id } : { active };
    return undefined;
  }
  const headers = ctx.get('authorization') ? { authorization: ctx.get('authorization') } : {};
  const r = await fetch(`${ISS}/token/introspection`, { method: 'POST', body: form, headers });
  ctx.body = await r.json();
  return undefined;
});
provider.listen(port, '127.0.0.1', () => console.log(`listening ${port}`));
