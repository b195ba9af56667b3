// A real MCP server, built with the official TypeScript SDK, that is an
// OAuth protected resource: the end-to-end tests point it at an issuer
// (`oidc serve`, or the in-process issuer of the Go tests) and check that
// tokens from there open it, and that the SDK's own OAuth client finds its
// way from the 401 to a token.
//
//   node server.mjs --issuer URL [--scope "s1 s2"]
//
// (or ISSUER=URL in the environment). It listens on 127.0.0.1 on a free
// port and prints its MCP endpoint, http://127.0.0.1:PORT/mcp, as the
// first line of stdout once it is ready; it logs to stderr. It stops on
// SIGTERM or when stdin closes (so a killed test leaves no server).
//
// The auth parts are the SDK's: requireBearerAuth answers 401 with
// `WWW-Authenticate: Bearer ... resource_metadata="..."`, and
// mcpAuthMetadataRouter serves the protected resource metadata (RFC 9728)
// at /.well-known/oauth-protected-resource/mcp, naming the issuer as the
// authorization server (it also mirrors the issuer's metadata at
// /.well-known/oauth-authorization-server, as the SDK does). Access tokens
// must be JWTs (RFC 9068: typ at+jwt) signed by a key of the issuer's
// jwks_uri, with the issuer's iss, not expired, and with this server's
// /mcp URL in aud. --scope makes those scopes required (403
// insufficient_scope otherwise) and advertises them in scopes_supported.
import http from 'node:http';
import { parseArgs } from 'node:util';
import { createRemoteJWKSet, jwtVerify, decodeJwt } from 'jose';
import * as z from 'zod/v4';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { createMcpExpressApp } from '@modelcontextprotocol/sdk/server/express.js';
import { requireBearerAuth } from '@modelcontextprotocol/sdk/server/auth/middleware/bearerAuth.js';
import { mcpAuthMetadataRouter, getOAuthProtectedResourceMetadataUrl } from '@modelcontextprotocol/sdk/server/auth/router.js';
import { InvalidTokenError } from '@modelcontextprotocol/sdk/server/auth/errors.js';

const log = (...args) => console.error('mcp server:', ...args);

const { values: opts } = parseArgs({
  options: {
    issuer: { type: 'string', default: process.env.ISSUER },
    scope: { type: 'string', default: '' },
  },
});
if (!opts.issuer) {
  log('usage: node server.mjs --issuer URL [--scope "s1 s2"] (or ISSUER=URL)');
  process.exit(2);
}
const issuer = opts.issuer;
const requiredScopes = opts.scope.split(' ').filter(Boolean);

// The issuer's metadata: OpenID discovery, else RFC 8414.
async function issuerMetadata() {
  const base = issuer.replace(/\/$/, '');
  let why = '';
  for (const wk of ['/.well-known/openid-configuration', '/.well-known/oauth-authorization-server']) {
    try {
      const res = await fetch(base + wk, { signal: AbortSignal.timeout(10_000) });
      if (!res.ok) {
        why += ` ${wk}: HTTP ${res.status};`;
        continue;
      }
      const md = await res.json();
      if (md.issuer !== issuer) throw new Error(`${wk}: issuer is ${JSON.stringify(md.issuer)}, not ${JSON.stringify(issuer)}`);
      if (!md.jwks_uri) throw new Error(`${wk}: no jwks_uri`);
      return md;
    } catch (err) {
      why += ` ${err.message};`;
    }
  }
  throw new Error(`no metadata for issuer ${issuer}:${why}`);
}

const server = http.createServer();
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const origin = `http://127.0.0.1:${server.address().port}`;
const resource = new URL(`${origin}/mcp`);
const resourceMetadataUrl = getOAuthProtectedResourceMetadataUrl(resource);

let metadata;
try {
  metadata = await issuerMetadata();
} catch (err) {
  log(err.message);
  process.exit(1);
}
const jwks = createRemoteJWKSet(new URL(metadata.jwks_uri), { timeoutDuration: 10_000 });

// The SDK puts the message in a quoted error_description, as it is.
const quotable = (s) => String(s).replace(/["\\]/g, "'");

const verifier = {
  async verifyAccessToken(token) {
    let payload;
    try {
      ({ payload } = await jwtVerify(token, jwks, { issuer, audience: resource.href, typ: 'at+jwt' }));
    } catch (err) {
      let aud = '';
      try {
        aud = ` (aud ${JSON.stringify(decodeJwt(token).aud)})`;
      } catch {
        // not a JWT at all
      }
      log(`token refused: ${err.code ?? ''} ${err.message}${aud}`);
      throw new InvalidTokenError(quotable(`${err.message}${aud}`));
    }
    if (typeof payload.exp !== 'number') throw new InvalidTokenError('the token has no exp');
    return {
      token,
      clientId: String(payload.client_id ?? payload.azp ?? ''),
      scopes: String(payload.scope ?? '').split(' ').filter(Boolean),
      expiresAt: payload.exp,
      resource, // jwtVerify checked that aud names it
      extra: { sub: payload.sub, iss: payload.iss, aud: payload.aud },
    };
  },
};

const bearer = requireBearerAuth({ verifier, requiredScopes, resourceMetadataUrl, expectedResource: resource });

function mcpServer() {
  const mcp = new McpServer({ name: 'oidc-e2e-mcp', version: '1.0.0' });
  mcp.registerTool(
    'whoami',
    { description: 'Who the bearer token says the caller is: its sub, client_id, scopes and aud.' },
    async (extra) => {
      const a = extra.authInfo;
      const who = { sub: a?.extra?.sub, client_id: a?.clientId, scopes: a?.scopes, aud: a?.extra?.aud, iss: a?.extra?.iss };
      return { content: [{ type: 'text', text: JSON.stringify(who) }], structuredContent: who };
    },
  );
  mcp.registerTool(
    'echo',
    { description: 'Returns its text.', inputSchema: { text: z.string() } },
    async ({ text }) => ({ content: [{ type: 'text', text }] }),
  );
  return mcp;
}

const app = createMcpExpressApp({ host: '127.0.0.1' });
app.use((req, res, next) => {
  res.on('finish', () => log(`${req.method} ${req.originalUrl} ${res.statusCode}`));
  next();
});
app.use(
  mcpAuthMetadataRouter({
    oauthMetadata: metadata,
    resourceServerUrl: resource,
    scopesSupported: requiredScopes.length ? requiredScopes : undefined,
    resourceName: 'oidc end-to-end MCP server',
  }),
);
app.post('/mcp', bearer, async (req, res) => {
  // Stateless: a server and a transport per request.
  const mcp = mcpServer();
  const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
  res.on('close', () => {
    transport.close();
    mcp.close();
  });
  try {
    await mcp.connect(transport);
    await transport.handleRequest(req, res, req.body);
  } catch (err) {
    log('handling a request:', err);
    if (!res.headersSent) res.status(500).json({ jsonrpc: '2.0', error: { code: -32603, message: 'Internal server error' }, id: null });
  }
});
const notAllowed = (req, res) =>
  res.status(405).set('Allow', 'POST').json({ jsonrpc: '2.0', error: { code: -32000, message: 'Method not allowed: stateless server, POST only.' }, id: null });
app.get('/mcp', bearer, notAllowed);
app.delete('/mcp', bearer, notAllowed);

server.on('request', app);

const stop = () => {
  server.close();
  server.closeAllConnections();
  process.exit(0);
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
process.stdin.on('end', stop);
process.stdin.resume();

log(`resource ${resource.href}, metadata ${resourceMetadataUrl}, issuer ${issuer}`);
console.log(resource.href);
