// The real OpenID Provider of the end-to-end tests: panva's oidc-provider
// with its development login and consent pages, on 127.0.0.1 and a port the
// system picks. It prints the issuer URL on stdout when it is ready, and
// stops on SIGTERM or when stdin closes (so a killed test leaves no server).
import http from 'node:http';
import { readFileSync } from 'node:fs';
import Provider from 'oidc-provider';

const server = http.createServer();
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const issuer = `http://127.0.0.1:${server.address().port}`;

// Loopback redirect URIs of native clients accept any port (RFC 8252 7.3).
const loopback = ['http://127.0.0.1/callback', 'http://localhost/callback', 'http://[::1]/callback'];
const native = {
  application_type: 'native',
  redirect_uris: loopback,
  grant_types: ['authorization_code', 'refresh_token', 'implicit', 'urn:ietf:params:oauth:grant-type:device_code'],
  response_types: ['code', 'code id_token', 'code id_token token'],
};
const machine = { ...native, grant_types: [...native.grant_types, 'client_credentials'] };
// The public half of client-key.json (a test key, committed on purpose),
// for private_key_jwt.
const clientJWKS = JSON.parse(readFileSync(new URL('./client-jwks.json', import.meta.url)));

const provider = new Provider(issuer, {
  clients: [
    { ...native, client_id: 'oidc-cli', token_endpoint_auth_method: 'none' },
    { ...machine, client_id: 'oidc-cli-confidential', client_secret: 'oidc-cli-secret', token_endpoint_auth_method: 'client_secret_basic' },
    { ...machine, client_id: 'oidc-cli-jwt', token_endpoint_auth_method: 'private_key_jwt', jwks: clientJWKS },
    { ...machine, client_id: 'oidc-cli-secret-jwt', client_secret: 'oidc-cli-secret-of-thirty-two-bytes-at-least', token_endpoint_auth_method: 'client_secret_jwt' },
    { ...native, client_id: 'oidc-cli-post', client_secret: 'oidc-cli-post-secret', token_endpoint_auth_method: 'client_secret_post' },
  ],
  pkce: { required: () => true },
  // Hybrid responses put an ID token (with c_hash, and at_hash next to an
  // access token) in the fragment.
  responseTypes: ['code', 'code id_token', 'code id_token token', 'none'],
  cookies: { keys: ['oidc-e2e-cookie-key'] },
  claims: {
    openid: ['sub'],
    profile: ['name', 'given_name', 'family_name', 'preferred_username'],
    email: ['email', 'email_verified'],
  },
  findAccount: (ctx, id) => ({
    accountId: id,
    claims: () => ({
      sub: id,
      name: `${id[0].toUpperCase()}${id.slice(1)} Example`,
      given_name: id,
      preferred_username: id,
      email: `${id}@example.com`,
      email_verified: true,
    }),
  }),
  features: {
    devInteractions: { enabled: true },
    userinfo: { enabled: true },
    introspection: { enabled: true },
    revocation: { enabled: true },
    clientCredentials: { enabled: true },
    deviceFlow: { enabled: true },
    dPoP: { enabled: true },
    requestObjects: { enabled: true },
    rpInitiatedLogout: { enabled: true },
    // A resource indicator gets an RFC 9068 JWT access token for it.
    resourceIndicators: {
      enabled: true,
      defaultResource: () => undefined,
      useGrantedResource: () => true,
      getResourceServerInfo: (ctx, resource) => ({
        scope: 'api:read',
        audience: resource,
        accessTokenFormat: 'jwt',
        jwt: { sign: { alg: 'RS256' } },
      }),
    },
  },
});

server.on('request', provider.callback());

const stop = () => {
  server.close();
  server.closeAllConnections();
  process.exit(0);
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
process.stdin.on('end', stop);
process.stdin.resume();

console.log(issuer);
