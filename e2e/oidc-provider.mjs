// A real OpenID provider for the Go tests (sso, cmd/meetingintel): the
// OpenID Certified npm package oidc-provider, on 127.0.0.1 and a random
// port, shaped like Microsoft Entra ID or Google.
//
// Configuration is the JSON in OIDC_TEST_CONFIG:
//   { "shape": "entra" | "google",
//     "tenant": "<tid>",                      // entra: issuer /{tenant}/v2.0
//     "clients": [{ "client_id", "client_secret"?, "redirect_uris": [...] }],
//     "accounts": { "<login>": { claims... } } }
// The login form takes any password; the login names the account.
// Once listening it prints one JSON line: {"issuer": "..."}.
// POST /_test/rotate adds a new signing key and signs with it from then on
// (the old key stays published, as providers do during a rotation).
// It stops on SIGTERM or when stdin closes (its parent test died).
import http from 'node:http';
import { generateKeyPairSync } from 'node:crypto';
import Provider from 'oidc-provider';

const cfg = JSON.parse(process.env.OIDC_TEST_CONFIG || '{}');
const accounts = cfg.accounts || {};

function newKey(kid) {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { ...privateKey.export({ format: 'jwk' }), kid, alg: 'RS256', use: 'sig' };
}

const server = http.createServer();
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const { port } = server.address();
const prefix = cfg.shape === 'entra' ? `/${cfg.tenant}/v2.0` : '';
const issuer = `http://127.0.0.1:${port}${prefix}`;

let keys = [newKey('k1')];
let provider;

function build() {
  const p = new Provider(issuer, {
    clients: (cfg.clients || []).map((c) => ({
      client_id: c.client_id,
      client_secret: c.client_secret,
      redirect_uris: c.redirect_uris,
      post_logout_redirect_uris: c.post_logout_redirect_uris || [],
      token_endpoint_auth_method: c.client_secret ? 'client_secret_basic' : 'none',
      grant_types: ['authorization_code'],
      response_types: ['code'],
    })),
    jwks: { keys },
    cookies: { keys: ['test-only-cookie-key-0123456789'] },
    // Claims go into the ID token itself, as Entra and Google put them.
    conformIdTokenClaims: false,
    claims: {
      openid: ['sub', 'oid', 'tid', 'roles', 'hd'],
      email: ['email', 'email_verified'],
      profile: ['name', 'preferred_username'],
    },
    pkce: { required: () => true },
    features: { devInteractions: { enabled: true }, rpInitiatedLogout: { enabled: true } },
    async findAccount(ctx, id) {
      const claims = accounts[id] || {};
      return { accountId: id, async claims() { return { sub: id, ...claims }; } };
    },
  });
  p.proxy = false;
  return p;
}
provider = build();

server.on('request', async (req, res) => {
  if (req.method === 'POST' && req.url === '/_test/rotate') {
    // The newest key signs (oidc-provider signs with the first of an alg).
    keys = [newKey(`k${keys.length + 1}`), ...keys];
    provider = build();
    res.writeHead(204).end();
    return;
  }
  if (!req.url.startsWith(prefix + '/') && req.url !== prefix) {
    res.writeHead(404).end();
    return;
  }
  // Mounted under the issuer's path: oidc-provider reads the mount point
  // from originalUrl.
  req.originalUrl = req.url;
  req.url = req.url.slice(prefix.length) || '/';
  provider.callback()(req, res);
});

process.on('SIGTERM', () => server.close(() => process.exit(0)));
process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
process.stdout.write(JSON.stringify({ issuer }) + '\n');
