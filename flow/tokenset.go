package flow

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/oidcdev/oidc/decode"
)

// TokenSetOptions say what the tokens of one grant must match.
type TokenSetOptions struct {
	Metadata *Metadata
	Keys     *KeySource
	ClientID string
	Scopes   []string // as requested: openid means an ID token is due
	Nonce    string   // sent in the authorization request; "" for grants that send none
	MaxAge   *time.Duration
	Leeway   time.Duration
	// Audience is what an RFC 9068 access token must be for: the
	// resources and audience the grant asked for.
	Audience []string
	// Userinfo calls the userinfo endpoint with the access token.
	Userinfo bool
	Now      time.Time
	// Flags name the calling command's flag for each input, for hints
	// (decode.VerifyOptions.Flags).
	Flags map[string]string
}

// CheckTokens verifies everything a token response brought, as every grant
// must: the ID token with every check (aud the client, the nonce sent,
// at_hash), an RFC 9068 access token, the response's own members, and
// userinfo, whose sub must be the ID token's. It fills rep and decides its
// verdict. The error is for what made checking impossible (the keys could
// not be had); failed checks are in rep.
func (c *Client) CheckTokens(ctx context.Context, tr *TokenResponse, o TokenSetOptions, rep *decode.FlowReport) error {
	rep.TokenResponse = tr.Raw
	if rep.Checks == nil {
		rep.Checks = []decode.Check{}
	}
	if rep.Hints == nil {
		rep.Hints = []string{}
	}
	md := o.Metadata
	vopts := decode.VerifyOptions{
		ClientID: o.ClientID, Nonce: o.Nonce, AccessToken: tr.AccessToken, MaxAge: o.MaxAge, Leeway: o.Leeway,
		Profile: decode.ProfileID, Now: o.Now, Flags: o.Flags,
	}
	src := decode.Source{Form: "token_response"}
	var idToken, accessToken *decode.Result
	if tr.IDToken != "" {
		idToken = decode.Token(tr.IDToken, src, "id_token", decode.Options{Now: o.Now})
	}
	if tr.AccessToken != "" {
		accessToken = decode.Token(tr.AccessToken, src, "access_token", decode.Options{Now: o.Now})
	}

	// One key resolution serves the ID token and a JWT access token: both
	// come from this issuer.
	keyed := idToken
	if keyed == nil {
		keyed = accessToken
	}
	var keys *decode.KeySet
	if keyed != nil && (idToken != nil || isJWTAccessToken(accessToken)) {
		start := time.Now()
		res, err := o.Keys.ForToken(ctx, keyed)
		if err != nil {
			return err
		}
		res.Apply(&vopts)
		keys = res.Keys
		rep.Step("keys", Millis(time.Since(start)))
	}

	if idToken != nil {
		rep.IDToken = decode.Verify(idToken, keys, vopts)
	} else if slices.Contains(o.Scopes, "openid") {
		rep.Checks = append(rep.Checks, decode.Check{ID: "id_token", Status: decode.Fail,
			Message: "the scope had openid but the token response has no id_token", Hint: "the issuer treated the request as plain OAuth: check the client's OpenID settings"})
	}
	if accessToken != nil {
		rep.AccessToken = accessTokenReport(accessToken, keys, vopts, o.Audience)
	}
	tokenResponseChecks(rep, tr, md, accessToken, c.DPoP, c.CertThumbprint)

	if o.Userinfo && md.UserinfoEndpoint != "" && tr.AccessToken != "" {
		start := time.Now()
		body, ct, status, err := c.Userinfo(ctx, md.UserinfoEndpoint, tr.AccessToken, tr.TokenType)
		rep.Step("userinfo", Millis(time.Since(start)))
		if trimmed := bytes.TrimSpace(body); err == nil && keys == nil && len(trimmed) > 0 && trimmed[0] != '{' {
			// A signed userinfo with no ID token before it: its keys now.
			res, kerr := o.Keys.ForToken(ctx, decode.Token(string(trimmed), decode.Source{}, "userinfo", decode.Options{Now: o.Now}))
			if kerr != nil {
				return kerr
			}
			res.Apply(&vopts)
			keys = res.Keys
		}
		userinfoChecks(rep, body, ct, status, err, keys, vopts, len(o.Audience) > 0)
	}
	rep.Claims = claimMatrix(rep)
	rep.Decide()
	return nil
}

// isJWTAccessToken: an access token that says it is an RFC 9068 JWT.
func isJWTAccessToken(r *decode.Result) bool {
	if r == nil || r.Kind != decode.KindJWS {
		return false
	}
	typ, _ := r.StringHeader("typ")
	return strings.EqualFold(strings.TrimPrefix(strings.ToLower(typ), "application/"), "at+jwt")
}

// accessTokenReport verifies an RFC 9068 access token; other access tokens
// are for the API to check, so they are shown, not judged.
func accessTokenReport(r *decode.Result, keys *decode.KeySet, base decode.VerifyOptions, audience []string) *decode.Verification {
	if isJWTAccessToken(r) {
		o := base
		o.Profile, o.Nonce, o.AccessToken, o.MaxAge, o.DiscoveredAlgorithms = decode.ProfileAccess, "", "", nil, nil
		o.Audience = audience
		return decode.Verify(r, keys, o)
	}
	msg := "an opaque access token: only the API or the issuer (introspection) can check it"
	if r.Kind == decode.KindJWS {
		msg = "a JWT access token without typ at+jwt: it is for the API to verify, not the client (RFC 9068 is not used)"
	}
	return &decode.Verification{Valid: true, Profile: decode.ProfileAccess, Token: r,
		Checks: []decode.Check{{ID: "format", Status: decode.Skip, Message: msg}}}
}

// tokenResponseChecks looks at the token response itself: quirks of real
// issuers, and what is missing.
func tokenResponseChecks(rep *decode.FlowReport, tr *TokenResponse, md *Metadata, at *decode.Result, dpop *DPoP, cert string) {
	if v, ok := tr.Members["expires_in"]; ok && len(v) > 0 && v[0] == '"' {
		rep.Checks = append(rep.Checks, decode.Check{ID: "expires_in", Status: decode.Warn, Found: string(v),
			Message: "expires_in is a string, not a number (RFC 6749 5.1): accepted", Hint: "Entra ID and some older issuers do this; strict clients reject it"})
	}
	if c, ok := expiresInAgainstExp(tr, at); ok {
		rep.Checks = append(rep.Checks, c)
	}
	if tt := tr.TokenType; tt != "" && !strings.EqualFold(tt, "Bearer") && !strings.EqualFold(tt, "DPoP") {
		rep.Checks = append(rep.Checks, decode.Check{ID: "token_type", Status: decode.Warn, Found: tt, Message: "unusual token_type " + tt})
	}
	if dpop != nil {
		rep.Checks = append(rep.Checks, dpopChecks(tr, at, dpop)...)
	}
	if cert != "" {
		if ch, ok := certBinding(at, cert, md != nil && md.TLSClientCertificateBoundAccessTokens); ok {
			rep.Checks = append(rep.Checks, ch)
		}
	}
	if tr.RefreshToken == "" {
		h := "no refresh token: ask for the offline_access scope if the client may use one"
		if md != nil && strings.Contains(md.Issuer, "accounts.google.com") {
			h = "no refresh token: Google returns one only with access_type=offline and prompt=consent"
		}
		rep.Hints = append(rep.Hints, h)
	}
}

// expiresInAgainstExp compares expires_in with a JWT access token's own
// exp: a factor of ten or more apart means one of them is in the wrong
// unit (milliseconds, nanoseconds), and clients that trust expires_in
// will refresh far too late or far too often.
func expiresInAgainstExp(tr *TokenResponse, at *decode.Result) (decode.Check, bool) {
	if at == nil || at.Kind != decode.KindJWS || tr.ExpiresIn == "" {
		return decode.Check{}, false
	}
	in, err := strconv.ParseFloat(tr.ExpiresIn, 64)
	exp, hasExp := at.NumericClaim("exp")
	if err != nil || !hasExp || tr.Arrived.IsZero() {
		return decode.Check{}, false
	}
	// The issuer's clock made exp: count from its now, not ours.
	issuerNow := tr.Arrived
	if tr.ClockOffset != nil {
		issuerNow = issuerNow.Add(*tr.ClockOffset)
	}
	left := exp - float64(issuerNow.Unix())
	if left <= 0 || in <= 0 {
		return decode.Check{}, false
	}
	ratio := in / left
	if ratio < 10 && ratio > 0.1 {
		return decode.Check{}, false
	}
	return decode.Check{ID: "expires_in", Status: decode.Warn, Found: tr.ExpiresIn, Expected: strconv.FormatInt(int64(left), 10),
		Message: fmt.Sprintf("expires_in says %s seconds but the access token's exp is %d seconds away", tr.ExpiresIn, int64(left)),
		Hint:    "one of them is in the wrong unit (milliseconds or nanoseconds for seconds): clients that trust expires_in will refresh at the wrong time"}, true
}

// Userinfo calls the userinfo endpoint with the access token. The body
// comes back as sent, with its media type: JSON, or a signed or encrypted
// JWT (OIDC Core 5.3.2).
func (c *Client) Userinfo(ctx context.Context, endpoint, accessToken, tokenType string) (body []byte, contentType string, status int, err error) {
	body, contentType, status, _, err = c.userinfo(ctx, http.MethodGet, endpoint, accessToken, tokenType)
	return body, contentType, status, err
}

// userinfo calls userinfo with GET or POST (OIDC Core 5.3.1), the token in
// the Authorization header either way; it also returns the answer's
// WWW-Authenticate.
func (c *Client) userinfo(ctx context.Context, method, endpoint, accessToken, tokenType string) (body []byte, contentType string, status int, challenge string, err error) {
	if _, err := c.CheckURL(endpoint); err != nil {
		return nil, "", 0, "", &Error{URL: endpoint, Err: err}
	}
	bound := ""
	if strings.EqualFold(tokenType, "DPoP") && c.DPoP != nil {
		bound = accessToken
	}
	build := func() (*http.Request, error) {
		req, err := http.NewRequestWithContext(ctx, method, endpoint, nil)
		if err != nil {
			return nil, &Error{URL: endpoint, Err: err}
		}
		if method == http.MethodPost {
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
		if bound != "" {
			req.Header.Set("Authorization", "DPoP "+accessToken)
		} else {
			req.Header.Set("Authorization", "Bearer "+accessToken)
		}
		req.Header.Set("Accept", "application/json, application/jwt")
		return req, nil
	}
	resp, err := c.send(build, bound, bound != "")
	if err != nil {
		return nil, "", 0, "", err
	}
	wa := resp.Header.Get("WWW-Authenticate")
	if resp.Status != http.StatusOK {
		msg := fmt.Sprintf("%d %s", resp.Status, http.StatusText(resp.Status))
		if wa != "" {
			msg += " (" + wa + ")"
		}
		return resp.Body, "", resp.Status, wa, &Error{URL: endpoint, Err: fmt.Errorf("userinfo answered %s", msg)}
	}
	return resp.Body, resp.Header.Get("Content-Type"), resp.Status, wa, nil
}

// userinfoChecks: userinfo's sub must be the ID token's (OIDC Core 5.3.2);
// a signed userinfo response is verified with the issuer's keys.
func userinfoChecks(rep *decode.FlowReport, body []byte, contentType string, status int, err error, keys *decode.KeySet, base decode.VerifyOptions, forResource bool) {
	if err != nil {
		msg := err.Error()
		if status == http.StatusUnauthorized && forResource && rep.AccessToken != nil && rep.AccessToken.Profile == decode.ProfileAccess && len(rep.AccessToken.Checks) > 1 {
			msg += ": the access token is for another resource (RFC 8707), so userinfo refuses it; the profile claims are in the ID token"
		}
		rep.UserinfoError = msg
		rep.Checks = append(rep.Checks, decode.Check{ID: "userinfo", Status: decode.Warn, Message: msg})
		return
	}
	body = bytes.TrimSpace(body)
	if len(body) > 0 && body[0] != '{' {
		if !signedUserinfo(rep, body, keys, base) {
			return
		}
		body = rep.Userinfo
	}
	members, perr := decode.ObjectMembers(body)
	if perr != nil {
		rep.UserinfoError = "userinfo is not a JSON object: " + perr.Error()
		rep.Checks = append(rep.Checks, decode.Check{ID: "userinfo", Status: decode.Fail, Message: rep.UserinfoError})
		return
	}
	rep.Userinfo = body
	var sub string
	var groups bool
	for _, m := range members {
		switch m.Name {
		case "sub":
			_ = json.Unmarshal(m.Value, &sub)
		case "groups":
			groups = true
		}
	}
	var idSub string
	if rep.IDToken != nil {
		idSub, _ = rep.IDToken.Token.StringClaim("sub")
	}
	switch {
	case idSub == "":
	case sub != idSub:
		rep.Checks = append(rep.Checks, decode.Check{ID: "userinfo_sub", Status: decode.Fail, Found: sub, Expected: idSub,
			Message: "userinfo's sub is not the ID token's (OIDC Core 5.3.2)", Hint: "the access token belongs to another user or session: never merge these claims"})
	default:
		rep.Checks = append(rep.Checks, decode.Check{ID: "userinfo_sub", Status: decode.Pass, Found: sub, Message: "userinfo's sub is the ID token's"})
	}
	if groups && rep.IDToken != nil && !rep.IDToken.Token.HasClaim("groups") {
		rep.Hints = append(rep.Hints, "groups is in userinfo but not in the ID token: Okta's org authorization server, for one, sends groups only there")
	}
}

// signedUserinfo verifies a userinfo response that came as a JWT (OIDC
// Core 5.3.2: signed, then perhaps encrypted; iss and aud required, exp
// not) with the keys the flow already holds, and keeps the raw JWT.
// It reports whether there are claims to go on with.
func signedUserinfo(rep *decode.FlowReport, body []byte, keys *decode.KeySet, base decode.VerifyOptions) bool {
	raw := string(body)
	rep.UserinfoJWT = raw
	r := decode.Token(raw, decode.Source{}, "userinfo", decode.Options{Now: base.Now})
	if r.Kind == decode.KindInvalid || r.Kind == decode.KindOpaque {
		rep.UserinfoError = "userinfo is neither JSON nor a JWT"
		rep.Checks = append(rep.Checks, decode.Check{ID: "userinfo", Status: decode.Fail, Message: rep.UserinfoError})
		return false
	}
	o := base
	o.Profile, o.Nonce, o.AccessToken, o.MaxAge = decode.ProfileUserinfo, "", "", nil
	v := decode.Verify(r, keys, o)
	claims := v.Token
	if v.Nested != nil {
		claims = v.Nested
	}
	status, msg := decode.Pass, "userinfo came as a JWT; its signature, iss and aud were verified"
	if !v.Valid {
		status, msg = decode.Fail, "userinfo came as a JWT that does not verify: "+strings.Join(failedIDs(v), ", ")
	}
	rep.Checks = append(rep.Checks, decode.Check{ID: "userinfo_jwt", Status: status, Message: msg})
	if claims == nil || claims.Payload == nil {
		if r.Kind == decode.KindJWE {
			rep.UserinfoError = "userinfo came encrypted: give the key to decrypt it"
		} else {
			rep.UserinfoError = "userinfo came as a JWT with no claims to read"
		}
		return false
	}
	rep.Userinfo = claims.Payload
	return true
}

func failedIDs(v *decode.Verification) []string {
	var ids []string
	for _, c := range v.Checks {
		if c.Status == decode.Fail {
			ids = append(ids, c.ID+" ("+c.Message+")")
		}
	}
	return ids
}

// plumbing are the claims of the protocol itself: the claim matrix leaves
// them out, since the question it answers is where a user's claims are.
var plumbing = map[string]bool{
	"iss": true, "sub": true, "aud": true, "exp": true, "iat": true, "nbf": true, "jti": true, "nonce": true,
	"azp": true, "at_hash": true, "c_hash": true, "auth_time": true, "sid": true, "client_id": true, "scope": true,
	"scp": true, "typ": true, "acr": true, "amr": true, "cnf": true, "ver": true, "uti": true, "rh": true,
	"aio": true, "tid": true, "oid": true, "idp": true, "s_hash": true, "ext": true,
}

// claimMatrix says for each claim that is not protocol plumbing whether it
// is in the ID token, the access token and userinfo: the answer to "why
// is groups missing?".
func claimMatrix(rep *decode.FlowReport) []decode.ClaimPlace {
	var order []string
	places := map[string]*decode.ClaimPlace{}
	add := func(name string, set func(*decode.ClaimPlace)) {
		if plumbing[name] {
			return
		}
		p, ok := places[name]
		if !ok {
			p = &decode.ClaimPlace{Name: name}
			places[name] = p
			order = append(order, name)
		}
		set(p)
	}
	claimsOf := func(v *decode.Verification) []decode.Member {
		if v == nil || v.Token == nil {
			return nil
		}
		if v.Nested != nil {
			return v.Nested.Claims
		}
		return v.Token.Claims
	}
	for _, m := range claimsOf(rep.IDToken) {
		add(m.Name, func(p *decode.ClaimPlace) { p.IDToken = true })
	}
	for _, m := range claimsOf(rep.AccessToken) {
		add(m.Name, func(p *decode.ClaimPlace) { p.AccessToken = true })
	}
	if rep.Userinfo != nil {
		members, _ := decode.ObjectMembers(rep.Userinfo)
		for _, m := range members {
			add(m.Name, func(p *decode.ClaimPlace) { p.Userinfo = true })
		}
	}
	out := make([]decode.ClaimPlace, 0, len(order))
	for _, n := range order {
		out = append(out, *places[n])
	}
	return out
}

// IsIssuerError reports whether err is the issuer's or the network's
// doing: a failed request, an error response, a protocol violation.
// Commands exit 3 on these.
func IsIssuerError(err error) bool {
	var fe *Error
	var te *TokenError
	var ae *AuthError
	var le *ListenError
	var re *RefusedError
	return errors.As(err, &fe) || errors.As(err, &te) || errors.As(err, &ae) || errors.As(err, &le) || errors.As(err, &re) || errors.Is(err, ErrTimeout)
}

// dpopChecks: a token asked for with DPoP is a DPoP token (token_type),
// and a JWT one is bound to the key that asked (cnf.jkt, RFC 9449 6.1).
func dpopChecks(tr *TokenResponse, at *decode.Result, d *DPoP) []decode.Check {
	var out []decode.Check
	if !strings.EqualFold(tr.TokenType, "DPoP") {
		out = append(out, decode.Check{ID: "dpop", Status: decode.Fail, Found: tr.TokenType, Expected: "DPoP",
			Message: "the request proved a DPoP key but the token is a " + orNone(tr.TokenType) + " token: anyone who holds it can use it",
			Hint:    "the issuer ignored DPoP: see its dpop_signing_alg_values_supported, and whether DPoP is enabled for this client"})
		return out
	}
	if at == nil || at.Kind != decode.KindJWS {
		return append(out, decode.Check{ID: "dpop", Status: decode.Pass, Found: tr.TokenType, Message: "token_type DPoP (the token is opaque: its binding is the issuer's to keep)"})
	}
	jkt := jsonString(cnfMember(at, "jkt"))
	switch {
	case jkt == "":
		out = append(out, decode.Check{ID: "dpop", Status: decode.Fail, Expected: d.Thumbprint(),
			Message: "token_type DPoP, but the access token has no cnf.jkt: it is bound to no key (RFC 9449 6.1)"})
	case jkt != d.Thumbprint():
		out = append(out, decode.Check{ID: "dpop", Status: decode.Fail, Found: jkt, Expected: d.Thumbprint(),
			Message: "the access token is bound to another key (cnf.jkt): not the one that proved possession"})
	default:
		out = append(out, decode.Check{ID: "dpop", Status: decode.Pass, Found: jkt, Message: "token_type DPoP; cnf.jkt is this key's thumbprint"})
	}
	return out
}

func orNone(s string) string {
	if s == "" {
		return "(no token_type)"
	}
	return s
}

// certBinding: a JWT access token got over mTLS may be bound to the client
// certificate (cnf x5t#S256, RFC 8705 3.1); when the issuer says it binds
// them, it must be, and to this certificate.
func certBinding(at *decode.Result, thumbprint string, promised bool) (decode.Check, bool) {
	if at == nil || at.Kind != decode.KindJWS {
		return decode.Check{}, false
	}
	got := jsonString(cnfMember(at, "x5t#S256"))
	switch {
	case got == "" && promised:
		return decode.Check{ID: "mtls_binding", Status: decode.Fail, Expected: thumbprint,
			Message: "the issuer says it binds tokens to the client certificate, but this one has no cnf x5t#S256 (RFC 8705 3.1)"}, true
	case got == "":
		return decode.Check{}, false
	case got != thumbprint:
		return decode.Check{ID: "mtls_binding", Status: decode.Fail, Found: got, Expected: thumbprint,
			Message: "the access token is bound to another certificate (cnf x5t#S256) than the one presented"}, true
	}
	return decode.Check{ID: "mtls_binding", Status: decode.Pass, Found: got, Message: "the access token is bound to the client certificate presented (cnf x5t#S256)"}, true
}

// cnfMember is one member of a token's confirmation claim (RFC 7800),
// whatever the others are (a jwk is an object).
func cnfMember(r *decode.Result, name string) json.RawMessage {
	var cnf map[string]json.RawMessage
	_ = json.Unmarshal(memberValue(r, "cnf"), &cnf)
	return cnf[name]
}
