// The official TypeScript SDK's MCP client, with its own OAuth support,
// run headlessly against a protected MCP server: the end-to-end tests use
// it to check that `oidc serve` (or any issuer run with auto-approve) is an
// authorization server the SDK can use, and that a resource's metadata
// leads the SDK there.
//
//   node client.mjs MCP_URL [--client-id ID [--client-secret S]]
//                           [--scope "s1 s2"] [--tool whoami] [--timeout 20]
//
// (MCP_CLIENT_ID and MCP_CLIENT_SECRET in the environment work too.) The
// SDK does everything OAuth: on the server's 401 it reads
// resource_metadata from WWW-Authenticate, fetches the protected resource
// metadata (RFC 9728), then the authorization server's metadata (RFC 8414
// or OpenID discovery), registers a client (RFC 7591) unless a client id
// is given, and builds the authorization request (PKCE S256, RFC 8707
// resource). This script is only the user agent: redirectToAuthorization
// GETs the authorization URL and follows redirects until the loopback
// redirect URI, on which it listens itself (127.0.0.1, a free port, path
// /callback); an issuer with auto-approve sends it there at once. Then
// finishAuth(code) has the SDK redeem the code, and a fresh connection
// initializes, lists the tools and calls one.
//
// It prints one JSON object on stdout: what was discovered, the client id
// used, the token's claims (decoded, not verified), the tool's result and
// every HTTP request the SDK and the user agent made, in order. On failure
// the object has "error" (the SDK's message) and the script exits 1.
import http from 'node:http';
import { parseArgs } from 'node:util';
import { randomBytes } from 'node:crypto';
import { decodeJwt } from 'jose';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { UnauthorizedError } from '@modelcontextprotocol/sdk/client/auth.js';

const log = (...args) => console.error('mcp client:', ...args);

const { values: opts, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    'client-id': { type: 'string', default: process.env.MCP_CLIENT_ID ?? '' },
    'client-secret': { type: 'string', default: process.env.MCP_CLIENT_SECRET ?? '' },
    scope: { type: 'string', default: '' },
    tool: { type: 'string', default: 'whoami' },
    timeout: { type: 'string', default: '20' },
  },
});
if (positionals.length !== 1) {
  log('usage: node client.mjs MCP_URL [--client-id ID [--client-secret S]] [--scope S] [--tool NAME] [--timeout SECONDS]');
  process.exit(2);
}
const mcpURL = new URL(positionals[0]);
const summary = { mcp_url: mcpURL.href, requests: [] };
const requests = summary.requests;

// The end, either way: the summary on stdout, the exit code.
let finished = false;
function finish(err) {
  if (finished) return;
  finished = true;
  if (err) {
    summary.error = err.message ?? String(err);
    log(`failed: ${summary.error}`);
    for (const r of requests) log(`  ${r.by} ${r.method} ${r.url} -> ${r.status}`);
  }
  process.stdout.write(JSON.stringify(summary) + '\n', () => process.exit(err ? 1 : 0));
}
setTimeout(() => finish(new Error(`gave up after ${opts.timeout}s`)), Number(opts.timeout) * 1000).unref();

// Every request, in order: the SDK's (through the transport's fetch) and
// the user agent's.
async function traced(by, url, init) {
  const entry = { by, method: init?.method ?? 'GET', url: String(url) };
  requests.push(entry);
  try {
    const res = await fetch(url, init);
    entry.status = res.status;
    const www = res.headers.get('www-authenticate');
    if (www) entry.www_authenticate = www;
    const location = res.headers.get('location');
    if (location) entry.location = location;
    return res;
  } catch (err) {
    entry.status = 0;
    entry.error = err.cause?.message ?? err.message;
    throw err;
  }
}
const sdkFetch = (url, init) => traced('sdk', url, init);

// The loopback redirect URI (RFC 8252 7.3): the authorization response
// arrives here.
// Each authorization (the first, and a step-up) waits for its own.
let gotCallback = () => {};
const nextCallback = () => new Promise((resolve) => (gotCallback = resolve));
const loopback = http.createServer((req, res) => {
  const u = new URL(req.url, 'http://127.0.0.1');
  if (u.pathname !== '/callback') {
    res.writeHead(404).end();
    return;
  }
  res.writeHead(200, { 'content-type': 'text/plain' }).end('You can close this window.\n');
  gotCallback(u.searchParams);
});
await new Promise((resolve) => loopback.listen(0, '127.0.0.1', resolve));
const redirectUrl = `http://127.0.0.1:${loopback.address().port}/callback`;

class HeadlessProvider {
  constructor() {
    this.expectedState = randomBytes(16).toString('base64url');
    if (opts['client-id']) {
      this.client = { client_id: opts['client-id'] };
      if (opts['client-secret']) this.client.client_secret = opts['client-secret'];
      summary.client = { preregistered: true, client_id: opts['client-id'] };
    }
  }
  get redirectUrl() {
    return redirectUrl;
  }
  get clientMetadata() {
    const md = {
      client_name: 'oidc end-to-end MCP client',
      redirect_uris: [redirectUrl],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'none',
    };
    if (opts.scope) md.scope = opts.scope;
    return md;
  }
  // A fresh state for every authorization request.
  state() {
    this.expectedState = randomBytes(16).toString('base64url');
    return this.expectedState;
  }
  clientInformation() {
    return this.client;
  }
  saveClientInformation(info) {
    if (!summary.client) {
      // Nothing was given or registered before: the SDK registered.
      summary.client = { preregistered: false, client_id: info.client_id, registration: { ...info, issuer: undefined } };
    }
    this.client = info;
  }
  tokens() {
    return this.savedTokens;
  }
  saveTokens(tokens) {
    this.savedTokens = tokens;
  }
  saveCodeVerifier(v) {
    this.verifier = v;
  }
  codeVerifier() {
    if (!this.verifier) throw new Error('no code verifier saved');
    return this.verifier;
  }
  saveDiscoveryState(state) {
    summary.discovery = {
      authorization_server: state.authorizationServerUrl,
      resource_metadata: state.resourceMetadata,
      authorization_server_metadata: state.authorizationServerMetadata,
    };
    this.discovery = state;
  }
  discoveryState() {
    return this.discovery;
  }
  // The user agent: follow the authorization server's redirects (an
  // issuer with auto-approve shows no page) until the loopback redirect
  // URI, which this script serves.
  async redirectToAuthorization(authorizationUrl) {
    summary.authorization_request = Object.fromEntries(authorizationUrl.searchParams);
    delete summary.authorization_request.code_challenge;
    summary.authorization_request.endpoint = authorizationUrl.origin + authorizationUrl.pathname;
    const callback = nextCallback();
    let next = authorizationUrl;
    for (let hop = 0; ; hop++) {
      if (hop === 10) throw new Error('more than 10 redirects from the authorization endpoint');
      const res = await traced('browser', next, { redirect: 'manual', signal: AbortSignal.timeout(10_000) });
      const location = res.headers.get('location');
      if (next.href.startsWith(redirectUrl)) break; // the loopback server answered
      if (res.status < 300 || res.status > 399 || !location) {
        const text = (await res.text())
          .replace(/<(style|script)[^]*?<\/\1>/gi, ' ')
          .replace(/<[^>]*>/g, ' ')
          .replace(/\s+/g, ' ')
          .trim()
          .slice(0, 300);
        const hint = res.status === 200 ? ' (a login page? run the issuer with auto-approve)' : '';
        throw new Error(`${next.origin + next.pathname} answered ${res.status} instead of redirecting to ${redirectUrl}${hint}: ${text}`);
      }
      await res.body?.cancel();
      next = new URL(location, next);
    }
    const params = await callback;
    const response = Object.fromEntries(params);
    summary.authorization_response = { ...response, code: response.code ? '(redacted)' : undefined };
    if (params.get('error')) {
      throw new Error(`authorization error: ${params.get('error')}: ${params.get('error_description') ?? ''}`);
    }
    // RFC 9207: the SDK never sees the response, so the user agent checks
    // its iss against the metadata's issuer, as a client must.
    const iss = params.get('iss');
    const want = this.discovery?.authorizationServerMetadata?.issuer;
    if (iss !== null && want !== undefined && iss.replace(/\/$/, '') !== want.replace(/\/$/, '')) {
      throw new Error(`the authorization response's iss is ${JSON.stringify(iss)}, not the issuer ${JSON.stringify(want)} (RFC 9207)`);
    }
    if (params.get('state') !== this.expectedState) {
      throw new Error(`the authorization response's state is ${JSON.stringify(params.get('state'))}, not the one sent`);
    }
    this.code = params.get('code');
    if (!this.code) throw new Error('the authorization response has no code');
  }
}

const provider = new HeadlessProvider();
const newTransport = () => new StreamableHTTPClientTransport(mcpURL, { authProvider: provider, fetch: sdkFetch });
const newClient = () => new Client({ name: 'oidc-e2e-mcp-client', version: '1.0.0' });

let client = newClient();
let transport = newTransport();
summary.authorizations = 0;

// authorize finishes an authorization the SDK started (it ends in
// redirectToAuthorization and UnauthorizedError): on the first
// connection, and again on a step-up (403 insufficient_scope).
async function authorize(err) {
  if (!(err instanceof UnauthorizedError) || !provider.code) throw err;
  const code = provider.code;
  provider.code = null;
  await transport.finishAuth(code);
  await client.close().catch(() => {});
  client = newClient();
  transport = newTransport();
  await client.connect(transport);
  summary.authorizations++;
}

// once runs an MCP call, and once more after a step-up authorization.
async function once(call) {
  try {
    return await call();
  } catch (err) {
    await authorize(err);
    return await call();
  }
}

try {
  try {
    await client.connect(transport);
    summary.authorized_without_login = true;
  } catch (err) {
    await authorize(err);
  }
  const t = provider.tokens();
  summary.token = { token_type: t.token_type, scope: t.scope, expires_in: t.expires_in, refresh_token: Boolean(t.refresh_token) };
  try {
    const claims = decodeJwt(t.access_token);
    summary.token.claims = { iss: claims.iss, sub: claims.sub, aud: claims.aud, client_id: claims.client_id, scope: claims.scope };
  } catch {
    summary.token.opaque = true;
  }
  summary.server = client.getServerVersion();
  const { tools } = await once(() => client.listTools());
  summary.tools = tools.map((tool) => tool.name);
  const args = opts.tool === 'echo' ? { text: 'hello from the SDK client' } : {};
  const result = await once(() => client.callTool({ name: opts.tool, arguments: args }));
  summary.tool = { name: opts.tool, is_error: Boolean(result.isError), content: result.content, structured: result.structuredContent };
  await client.close();
  loopback.close();
  finish();
} catch (err) {
  finish(err);
}
