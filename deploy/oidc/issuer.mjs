// The development OpenID Connect issuer (`make up`, the tests): oidc-provider, a certified OpenID
// Connect provider library, with the development users of deploy/oidc/users.json.
//
// People sign in with the authorization-code flow and PKCE (client `complaints-web`, public): the
// issuer's login page asks for a user and the development password (OIDC_DEV_PASSWORD, made per
// machine by `make up`, per session by the tests), then redirects back with a code; the token endpoint
// trades it for a JWT access token (RFC 9068, `typ: at+jwt`) for the audience OIDC_AUDIENCE, signed
// with an ES256 key made at start (a restart rotates it: services find the new `kid` in the JWKS).
// Claims: `sub` (the user id, e.g. `hk-central/reception`), `office_id` (absent for group users),
// `roles` (a list). Client `complaints-web-short` is the same with 2-second access tokens (tests of
// expiry). Settings (environment): OIDC_PORT (8010), OIDC_HOST (127.0.0.1), OIDC_ISSUER (default
// http://OIDC_HOST:OIDC_PORT), OIDC_AUDIENCE (urn:complaints:api), OIDC_DEV_PASSWORD (required),
// OIDC_REDIRECT_URIS (comma-separated; default http://127.0.0.1:8000/dashboard/callback and
// http://127.0.0.1/callback). Development only: users and password are not for production.
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import Provider from 'oidc-provider';

const here = path.dirname(fileURLToPath(import.meta.url));
const host = process.env.OIDC_HOST || '127.0.0.1';
const port = Number(process.env.OIDC_PORT || 8010);
const issuer = process.env.OIDC_ISSUER || `http://${host}:${port}`;
const audience = process.env.OIDC_AUDIENCE || 'urn:complaints:api';
const password = process.env.OIDC_DEV_PASSWORD;
if (!password || password.length < 12) {
  console.error('[oidc] OIDC_DEV_PASSWORD (12+ characters) is required: the development users sign in with it');
  process.exit(2);
}
const redirectUris = (process.env.OIDC_REDIRECT_URIS
  || 'http://127.0.0.1:8000/dashboard/callback,http://127.0.0.1/callback').split(',');
const users = JSON.parse(fs.readFileSync(path.join(here, 'users.json'), 'utf8'));
const byId = new Map(users.map((user) => [user.sub, user]));

const { privateKey } = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' });
const jwk = { ...privateKey.export({ format: 'jwk' }), kid: crypto.randomUUID(), alg: 'ES256', use: 'sig' };

const client = (clientId) => ({
  client_id: clientId,
  token_endpoint_auth_method: 'none',
  id_token_signed_response_alg: 'ES256',
  grant_types: ['authorization_code'],
  response_types: ['code'],
  redirect_uris: redirectUris,
});

const provider = new Provider(issuer, {
  clients: [client('complaints-web'), client('complaints-web-short')],
  jwks: { keys: [jwk] },
  cookies: { keys: [crypto.randomBytes(32).toString('hex')] },
  pkce: { required: () => true },
  scopes: ['openid', 'complaints'],
  claims: { openid: ['sub'] },
  ttl: {
    AccessToken: (ctx, token, clientInfo) => (clientInfo?.clientId === 'complaints-web-short' ? 2 : 3600),
  },
  features: {
    devInteractions: { enabled: false },
    resourceIndicators: {
      enabled: true,
      defaultResource: () => audience,
      useGrantedResource: () => true,
      getResourceServerInfo: () => ({
        scope: 'complaints',
        audience,
        accessTokenFormat: 'jwt',
        accessTokenTTL: undefined,
        jwt: { sign: { alg: 'ES256' } },
      }),
    },
  },
  async findAccount(ctx, sub) {
    if (!byId.has(sub)) return undefined;
    return { accountId: sub, claims: async () => ({ sub }) };
  },
  async extraTokenClaims(ctx, token) {
    const user = byId.get(token.accountId);
    if (!user) return undefined;
    return { roles: user.roles, ...(user.office_id ? { office_id: user.office_id } : {}) };
  },
});
provider.proxy = false;

const escape = (text) => String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const loginPage = (uid, error = '') => `<!doctype html><html><head><meta charset="utf-8"><title>Sign in</title></head>
<body><h1>Sign in (development issuer)</h1>${error ? `<p role="alert">${escape(error)}</p>` : ''}
<form method="post" action="/interaction/${escape(uid)}/login">
<label>User <input name="username" autocomplete="username"></label>
<label>Password <input name="password" type="password" autocomplete="current-password"></label>
<button type="submit">Sign in</button></form></body></html>`;

async function readForm(req) {
  let body = '';
  for await (const chunk of req) {
    body += chunk;
    if (body.length > 10_000) throw new Error('form too large');
  }
  return new URLSearchParams(body);
}

function timingSafeEqual(a, b) {
  const x = crypto.createHash('sha256').update(a).digest();
  const y = crypto.createHash('sha256').update(b).digest();
  return crypto.timingSafeEqual(x, y);
}

// The login interaction: the only page this issuer adds to oidc-provider's own endpoints.
async function interaction(req, res) {
  const match = req.url.match(/^\/interaction\/([^/?]+)(\/login)?/);
  const details = await provider.interactionDetails(req, res);
  if (details.uid !== match[1]) throw new Error('interaction mismatch');
  if (req.method === 'GET' && details.prompt.name === 'consent') {
    // First-party clients: what the client asked for is granted without asking the person.
    const { prompt, params, session } = details;
    const grant = details.grantId
      ? await provider.Grant.find(details.grantId)
      : new provider.Grant({ accountId: session.accountId, clientId: params.client_id });
    if (prompt.details.missingOIDCScope) grant.addOIDCScope(prompt.details.missingOIDCScope.join(' '));
    if (prompt.details.missingOIDCClaims) grant.addOIDCClaims(prompt.details.missingOIDCClaims);
    for (const [indicator, scopes] of Object.entries(prompt.details.missingResourceScopes || {})) {
      grant.addResourceScope(indicator, scopes.join(' '));
    }
    const grantId = await grant.save();
    await provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
    return;
  }
  if (req.method === 'GET') {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
    res.end(loginPage(details.uid));
    return;
  }
  if (req.method === 'POST' && match[2]) {
    const form = await readForm(req);
    const username = form.get('username') || '';
    if (!byId.has(username) || !timingSafeEqual(form.get('password') || '', password)) {
      res.writeHead(401, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
      res.end(loginPage(details.uid, 'unknown user or wrong password'));
      return;
    }
    await provider.interactionFinished(req, res, { login: { accountId: username } }, { mergeWithLastSubmission: false });
    return;
  }
  res.writeHead(405).end();
}

const callback = provider.callback();
const server = http.createServer((req, res) => {
  if (req.url.startsWith('/interaction/')) {
    interaction(req, res).catch((error) => {
      console.error('[oidc] interaction failed:', error.message);
      if (!res.headersSent) res.writeHead(400, { 'content-type': 'text/plain' });
      res.end(`sign-in failed: ${error.message}`);
    });
    return;
  }
  callback(req, res);
});
server.listen(port, host, () => {
  console.log(`[oidc] development issuer ${issuer} (audience ${audience}, ${users.length} users) listening on ${host}:${port}`);
});
for (const signal of ['SIGTERM', 'SIGINT']) process.on(signal, () => server.close(() => process.exit(0)));
