// node oidc-provider (OpenID Certified) on loopback over TLS, configured
// for edgetoken's interop tests (tests/interop/test_oidc_provider.py).
//
//   node provider.mjs --cert server.pem --key server.key --client-cert client-rsa.pem
//                     --redirect-uri http://localhost:PORT/ --ready FILE [--host localhost]
//
// Listens on an ephemeral port of 127.0.0.1, then writes the issuer URL to
// FILE. Clients (secrets are test-only):
//   cc-post   client_credentials, client_secret_post
//   cc-basic  client_credentials, client_secret_basic
//   cc-jwt    client_credentials, private_key_jwt (the client certificate's key)
//   web       authorization_code + PKCE + refresh_token (rotating), secret post
//   device    device code + refresh_token, public (none)
// Logins go through oidc-provider's development interactions (any user
// name and password).
import fs from 'node:fs';
import https from 'node:https';
import crypto from 'node:crypto';
import Provider from 'oidc-provider';

const args = {};
for (let i = 2; i < process.argv.length; i += 2) args[process.argv[i].slice(2)] = process.argv[i + 1];

export const SECRETS = {
  'cc-post': 'post-secret+/=~',
  'cc-basic': 'basic secret:with+odd/chars',
  web: 'web-secret',
};

const host = args.host || 'localhost';
let handler = (req, res) => { res.statusCode = 503; res.end(); };
const server = https.createServer({
  cert: fs.readFileSync(args.cert), key: fs.readFileSync(args.key),
}, (req, res) => handler(req, res));

server.listen(0, '127.0.0.1', () => {
  const issuer = `https://${host}:${server.address().port}`;
  const jwk = crypto.createPublicKey(fs.readFileSync(args['client-cert'])).export({ format: 'jwk' });
  const api = 'api:read';
  const provider = new Provider(issuer, {
    clients: [
      { client_id: 'cc-post', client_secret: SECRETS['cc-post'], grant_types: ['client_credentials'],
        response_types: [], redirect_uris: [], token_endpoint_auth_method: 'client_secret_post', scope: api },
      { client_id: 'cc-basic', client_secret: SECRETS['cc-basic'], grant_types: ['client_credentials'],
        response_types: [], redirect_uris: [], token_endpoint_auth_method: 'client_secret_basic', scope: api },
      { client_id: 'cc-jwt', grant_types: ['client_credentials'], response_types: [], redirect_uris: [],
        token_endpoint_auth_method: 'private_key_jwt', jwks: { keys: [{ ...jwk, use: 'sig' }] }, scope: api },
      { client_id: 'web', client_secret: SECRETS.web, grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'], redirect_uris: [args['redirect-uri']],
        token_endpoint_auth_method: 'client_secret_post' },
      { client_id: 'device', grant_types: ['urn:ietf:params:oauth:grant-type:device_code', 'refresh_token'],
        response_types: [], redirect_uris: [], token_endpoint_auth_method: 'none' },
    ],
    scopes: ['openid', 'offline_access', 'profile', api],
    features: {
      devInteractions: { enabled: true },
      clientCredentials: { enabled: true },
      deviceFlow: { enabled: true },
      revocation: { enabled: true },
    },
    pkce: { required: () => true },
    // Every refresh rotates: the old refresh token stops working.
    rotateRefreshToken: () => true,
    cookies: { keys: ['edgetoken-interop-test-only'] },
    findAccount: (ctx, id) => ({ accountId: id, claims: () => ({ sub: id }) }),
  });
  provider.on('server_error', (ctx, err) => console.error('server_error', err));
  provider.on('grant.error', (ctx, err) => console.error('grant.error', err.message, err.error_description || ''));
  handler = provider.callback();
  fs.writeFileSync(args.ready, issuer);
});
