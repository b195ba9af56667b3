// An independent relying party for `oidc serve`: panva's certified
// openid-client runs the code flow with PKCE, refresh and userinfo against
// the issuer given, validating everything it gets. The browser part is a
// plain fetch: the issuer runs with --auto-approve. Prints what it got as
// JSON; exits 1 on any error.
import * as client from 'openid-client';

const issuer = new URL(process.argv[2]);
const redirectUri = 'http://127.0.0.1:9/callback';
try {
  const config = await client.discovery(issuer, 'oidc-cli-confidential', 'oidc-cli-secret', undefined, {
    execute: [client.allowInsecureRequests], // the issuer is http on 127.0.0.1
  });
  const verifier = client.randomPKCECodeVerifier();
  const state = client.randomState();
  const nonce = client.randomNonce();
  const authUrl = client.buildAuthorizationUrl(config, {
    redirect_uri: redirectUri,
    scope: 'openid profile email offline_access',
    code_challenge: await client.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    state,
    nonce,
  });
  const res = await fetch(authUrl, { redirect: 'manual' });
  const location = res.headers.get('location');
  if (!location) throw new Error(`authorization answered ${res.status} without a redirect`);
  const tokens = await client.authorizationCodeGrant(config, new URL(location), {
    pkceCodeVerifier: verifier,
    expectedState: state,
    expectedNonce: nonce,
    idTokenExpected: true,
  });
  const claims = tokens.claims();
  const userinfo = await client.fetchUserInfo(config, tokens.access_token, claims.sub);
  const refreshed = await client.refreshTokenGrant(config, tokens.refresh_token);

  // Client credentials, then introspection and revocation of that token.
  const cc = await client.clientCredentialsGrant(config, { scope: 'api' });
  const active = await client.tokenIntrospection(config, cc.access_token);
  await client.tokenRevocation(config, cc.access_token);
  const afterRevoke = await client.tokenIntrospection(config, cc.access_token);

  // The device flow: the verification page approves at once (auto-approve).
  const device = await client.initiateDeviceAuthorization(config, { scope: 'openid' });
  await fetch(device.verification_uri_complete);
  const deviceTokens = await client.pollDeviceAuthorizationGrant(config, device);

  console.log(JSON.stringify({
    client_credentials: Boolean(cc.access_token),
    introspection_active: active.active,
    revoked: afterRevoke.active === false,
    device_sub: deviceTokens.claims()?.sub,
    sub: claims.sub,
    userinfo_sub: userinfo.sub,
    email: userinfo.email,
    refreshed: Boolean(refreshed.access_token && refreshed.id_token),
    rotated: refreshed.refresh_token !== tokens.refresh_token,
  }));
} catch (err) {
  console.error(`openid-client: ${err.code ?? ''} ${err.message}${err.cause ? ' (' + JSON.stringify(err.cause) + ')' : ''}`);
  process.exit(1);
}
