package flow

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"mime"
	"net/http"
	"net/url"
	"strings"

	"github.com/oidcdev/oidc/decode"
)

// EndpointRequest is a call to one of the issuer's token endpoints
// besides the token endpoint: introspection (RFC 7662), revocation
// (RFC 7009).
type EndpointRequest struct {
	FlowRequest
	Token, Hint string
	// JWT asks for a signed introspection answer (RFC 9701).
	JWT bool
	// Endpoint overrides the discovered one.
	Endpoint string
}

// endpointCall is what introspection and revocation share: discovery, the
// client authentication as every grant chooses it, the report, and the
// form with the token.
type endpointCall struct {
	md       *Metadata
	auth     ClientAuth
	endpoint string
	rep      *decode.EndpointReport
	form     url.Values
}

func (c *Client) endpointSetup(ctx context.Context, req EndpointRequest, name, member string, get func(*Metadata) string) (*endpointCall, error) {
	md, _, err := c.Discovered(ctx, req.Issuer, req.Endpoints, req.Warn)
	if err != nil {
		return nil, err
	}
	endpoint := req.Endpoint
	if endpoint == "" {
		endpoint = get(md)
	}
	if endpoint == "" {
		return nil, &Error{URL: md.Source, Option: member, Err: fmt.Errorf("the metadata of %s has no %s: give it yourself", req.Issuer, member)}
	}
	auth, err := ChooseAuth(md, ClientCredentials{ID: req.ClientID, Secret: req.ClientSecret, Method: req.AuthMethod,
		Key: req.ClientKey, AssertionAudience: req.AssertionAudience, Cert: c.CertThumbprint != ""})
	if err != nil {
		return nil, err
	}
	form := url.Values{"token": {req.Token}}
	if req.Hint != "" {
		form.Set("token_type_hint", req.Hint)
	}
	return &endpointCall{md: md, auth: auth, endpoint: endpoint, form: form,
		rep: &decode.EndpointReport{Endpoint: name, URL: endpoint, AuthMethod: auth.Method(), Checks: []decode.Check{}, Hints: []string{}}}, nil
}

// verifySigned verifies a signed (or encrypted) answer of the issuer's
// with its keys, under a profile; claims are what it carries. An
// encrypted answer is decrypted with o.DecryptionKey; without one (or one
// that does not decrypt it) its decrypt check fails and no key is fetched.
func (c *Client) verifySigned(ctx context.Context, md *Metadata, raw, label string, o decode.VerifyOptions) (v *decode.Verification, claims *decode.Result, err error) {
	keys := &KeySource{Client: c, Issuer: md.Issuer, Metadata: md}
	r := decode.Token(raw, decode.Source{}, label, decode.Options{Now: c.Now()})
	o.Issuer, o.IssuerPinned, o.Now = md.Issuer, true, c.Now()
	// The signing keys are chosen by the signed token inside (its kid),
	// not by the JWE's header, which names the client's key.
	signed := r
	if r.Kind == decode.KindJWE {
		var inner *decode.Result
		if o.DecryptionKey != nil {
			if plain, derr := decode.Decrypt(r, o.DecryptionKey); derr == nil {
				inner, _ = decode.InnerToken(plain, r, decode.Options{Now: c.Now()})
			}
		}
		if inner == nil {
			v = decode.Verify(r, nil, o)
			return v, v.Nested, nil
		}
		signed = inner
	}
	resolved, err := keys.ForToken(ctx, signed)
	if err != nil {
		return nil, nil, err
	}
	resolved.Apply(&o)
	v = decode.Verify(r, resolved.Keys, o)
	claims = v.Token
	if v.Nested != nil {
		claims = v.Nested
	}
	return v, claims, nil
}

// Introspect asks the issuer about a token (RFC 7662) and explains the
// answer; a signed answer (RFC 9701) is verified with the issuer's keys:
// typ, iss the issuer, aud the client.
func (c *Client) Introspect(ctx context.Context, req EndpointRequest) (*decode.EndpointReport, error) {
	call, err := c.endpointSetup(ctx, req, "introspection", "introspection_endpoint", func(md *Metadata) string { return md.IntrospectionEndpoint })
	if err != nil {
		return nil, err
	}
	md, auth, endpoint, rep, form := call.md, call.auth, call.endpoint, call.rep, call.form
	ac := *c
	if req.JWT {
		ac.accept = "application/token-introspection+jwt"
	}
	resp, err := ac.PostForm(ctx, endpoint, form, auth)
	if err != nil {
		return rep, err
	}
	rep.Status = resp.Status
	if resp.Status != http.StatusOK {
		var members map[string]json.RawMessage
		_ = json.Unmarshal(resp.Body, &members)
		return rep, resp.oauthError("the introspection endpoint", members, auth)
	}
	body := bytes.TrimSpace(resp.Body)
	ct, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	if ct == "application/token-introspection+jwt" || len(body) > 0 && body[0] != '{' {
		rep.JWT = string(body)
		v, claims, kerr := c.verifySigned(ctx, md, rep.JWT, "introspection response",
			decode.VerifyOptions{Audience: []string{req.ClientID}, Profile: decode.ProfileIntrospection, Leeway: req.Leeway, Flags: req.Flags})
		if kerr != nil {
			return rep, kerr
		}
		rep.Verification = v
		if claims != nil {
			body = bytes.TrimSpace(memberValue(claims, "token_introspection"))
		}
		if !v.Valid {
			rep.Checks = append(rep.Checks, decode.Check{ID: "introspection_jwt", Status: decode.Fail, Message: "the signed introspection answer does not verify: " + strings.Join(failedIDs(v), ", ")})
		} else {
			rep.Checks = append(rep.Checks, decode.Check{ID: "introspection_jwt", Status: decode.Pass, Message: "the introspection answer is signed by the issuer, for this client (RFC 9701)"})
		}
	} else if req.JWT {
		rep.Hints = append(rep.Hints, "a signed answer (RFC 9701) was asked for, a plain JSON one came: the issuer does not support JWT introspection responses")
	}
	var members map[string]json.RawMessage
	if json.Unmarshal(body, &members) != nil {
		return rep, &Error{URL: endpoint, Err: fmt.Errorf("the introspection answer is not a JSON object%s", bodySnippet(body))}
	}
	rep.Response = body
	var active bool
	switch {
	case rep.Verification != nil && !rep.Verification.Valid:
		// An answer that does not verify may not be the issuer's: what it
		// says of the token is shown, never taken as the verdict.
		rep.Checks = append(rep.Checks, decode.Check{ID: "active", Status: decode.Skip, Message: "not known: the signed answer does not verify, so its active member is not the issuer's word"})
	case json.Unmarshal(members["active"], &active) != nil:
		rep.Checks = append(rep.Checks, decode.Check{ID: "active", Status: decode.Fail, Message: "the answer has no boolean active member (RFC 7662 2.2 requires it)"})
	default:
		rep.Active = &active
		if active {
			rep.Checks = append(rep.Checks, decode.Check{ID: "active", Status: decode.Pass, Message: "the issuer says the token is active"})
		} else {
			rep.Checks = append(rep.Checks, decode.Check{ID: "active", Status: decode.Fail, Message: "the issuer says the token is not active",
				Hint: "expired, revoked, unknown to this issuer, or not for this client: RFC 7662 2.2 lets the issuer say no more"})
		}
	}
	rep.Valid = decide(rep.Checks)
	return rep, nil
}

// RevokeToken revokes one token (RFC 7009) and says what the 200 means.
func (c *Client) RevokeToken(ctx context.Context, req EndpointRequest) (*decode.EndpointReport, error) {
	call, err := c.endpointSetup(ctx, req, "revocation", "revocation_endpoint", func(md *Metadata) string { return md.RevocationEndpoint })
	if err != nil {
		return nil, err
	}
	auth, rep := call.auth, call.rep
	resp, err := c.PostForm(ctx, call.endpoint, call.form, auth)
	if err != nil {
		return rep, err
	}
	rep.Status = resp.Status
	if resp.Status != http.StatusOK {
		var members map[string]json.RawMessage
		_ = json.Unmarshal(resp.Body, &members)
		te := resp.oauthError("the revocation endpoint", members, auth)
		if te.Code == "unsupported_token_type" {
			te.Hint = "the issuer cannot revoke this kind of token (RFC 7009 2.2.1): often access tokens, which then live until they expire"
		}
		return rep, te
	}
	rep.Checks = append(rep.Checks, decode.Check{ID: "revoked", Status: decode.Pass, Message: "the issuer answered 200: the token is no longer valid",
		Hint: "RFC 7009 2.2: the answer is 200 also for a token the issuer did not know or that had expired, so it says the token is not valid now, not that it was"})
	rep.Hints = append(rep.Hints, "a 200 is the answer for an unknown or already invalid token too (RFC 7009 2.2): it does not prove the token was ever valid")
	rep.Valid = true
	return rep, nil
}

func decide(checks []decode.Check) bool {
	for _, c := range checks {
		if c.Status == decode.Fail {
			return false
		}
	}
	return true
}

// UserinfoRequest calls userinfo with a token the caller has.
type UserinfoRequest struct {
	FlowRequest
	Token, TokenType string
	Method           string // GET (default) or POST
	Endpoint         string
	// DecryptionKey decrypts an encrypted answer (OIDC Core 5.3.2): the
	// client's private key, as decode.DecryptionKey reads it.
	DecryptionKey any
}

// UserinfoCall calls the userinfo endpoint and explains the answer: the
// claims, a signed answer verified (iss the issuer, aud the client), a
// refusal's RFC 6750 challenge in words.
func (c *Client) UserinfoCall(ctx context.Context, req UserinfoRequest) (*decode.EndpointReport, error) {
	md, _, err := c.Discovered(ctx, req.Issuer, req.Endpoints, req.Warn)
	if err != nil {
		return nil, err
	}
	endpoint := req.Endpoint
	if endpoint == "" {
		endpoint = md.UserinfoEndpoint
	}
	if endpoint == "" {
		return nil, &Error{URL: md.Source, Option: "userinfo_endpoint", Err: fmt.Errorf("the metadata of %s has no userinfo_endpoint: give it yourself", req.Issuer)}
	}
	method := req.Method
	if method == "" {
		method = http.MethodGet
	}
	rep := &decode.EndpointReport{Endpoint: "userinfo", URL: endpoint, Checks: []decode.Check{}, Hints: []string{}}
	body, ct, status, challenge, err := c.userinfo(ctx, method, endpoint, req.Token, req.TokenType)
	rep.Status = status
	if status == http.StatusUnauthorized || status == http.StatusForbidden {
		rep.Checks = append(rep.Checks, refusal(status, challenge, req.TokenType, req.Flags))
		if chs := decode.ParseChallenges(challenge); len(chs) > 0 {
			rep.Challenge = chs[0].Params
		}
		rep.Valid = false
		return rep, nil
	}
	if err != nil {
		return rep, err
	}
	body = bytes.TrimSpace(body)
	if mt, _, _ := mime.ParseMediaType(ct); mt == "application/jwt" || len(body) > 0 && body[0] != '{' {
		rep.JWT = string(body)
		v, claims, kerr := c.verifySigned(ctx, md, rep.JWT, "userinfo",
			decode.VerifyOptions{ClientID: req.ClientID, Profile: decode.ProfileUserinfo, Leeway: req.Leeway, Flags: req.Flags, DecryptionKey: req.DecryptionKey})
		if kerr != nil {
			return rep, kerr
		}
		rep.Verification = v
		encrypted := v.Token != nil && v.Token.Kind == decode.KindJWE
		status, msg := decode.Pass, "userinfo came signed; its signature, iss and aud were verified (OIDC Core 5.3.2)"
		if encrypted {
			msg = "userinfo came encrypted to the client and signed; decrypted, then its signature, iss and aud were verified (OIDC Core 5.3.2)"
		}
		if !v.Valid {
			status, msg = decode.Fail, "userinfo came as a JWT that does not verify: "+strings.Join(failedIDs(v), ", ")
		}
		chk := decode.Check{ID: "userinfo_jwt", Status: status, Message: msg}
		if claims == nil || claims.Payload == nil {
			if encrypted {
				chk.Message = "userinfo came encrypted (OIDC Core 5.3.2) and was not decrypted: " + strings.Join(failedIDs(v), ", ")
				chk.Hint = "give the client's private key it was encrypted to" + decode.FlagNote(req.Flags, "decrypt_key")
			}
			rep.Checks = append(rep.Checks, chk)
			rep.Valid = false
			return rep, nil
		}
		rep.Checks = append(rep.Checks, chk)
		body = claims.Payload
	}
	if _, perr := decode.ObjectMembers(body); perr != nil {
		rep.Checks = append(rep.Checks, decode.Check{ID: "userinfo", Status: decode.Fail, Message: "userinfo is not a JSON object: " + perr.Error()})
	} else {
		rep.Response = body
		var sub struct {
			Sub *string `json:"sub"`
		}
		_ = json.Unmarshal(body, &sub)
		if sub.Sub == nil || *sub.Sub == "" {
			rep.Checks = append(rep.Checks, decode.Check{ID: "userinfo_sub", Status: decode.Fail, Message: "userinfo has no sub: OIDC Core 5.3.2 requires it"})
		} else {
			rep.Checks = append(rep.Checks, decode.Check{ID: "userinfo_sub", Status: decode.Pass, Found: *sub.Sub, Message: "userinfo is about sub " + *sub.Sub})
		}
	}
	rep.Valid = decide(rep.Checks)
	return rep, nil
}

// refusal explains a 401 or 403 from a resource by its RFC 6750 3
// challenge; flags name the command's options in hints.
func refusal(status int, header, tokenType string, flags map[string]string) decode.Check {
	chk := decode.Check{ID: "userinfo", Status: decode.Fail, Found: header}
	var params map[string]string
	scheme := ""
	if chs := decode.ParseChallenges(header); len(chs) > 0 {
		params, scheme = chs[0].Params, chs[0].Scheme
	}
	code := params["error"]
	chk.Message = fmt.Sprintf("userinfo refused the token (%d %s)", status, http.StatusText(status))
	if code != "" {
		chk.Message += ": " + code
		if d := params["error_description"]; d != "" {
			chk.Message += ": " + d
		}
	}
	switch {
	case strings.EqualFold(scheme, "DPoP") && !strings.EqualFold(tokenType, "DPoP"):
		chk.Hint = "the challenge is DPoP's (RFC 9449 7.1): the token is DPoP-bound and was sent as Bearer; give the key it is bound to" + decode.FlagNote(flags, "dpop_key")
	case code == "invalid_token":
		chk.Hint = "expired, revoked, or not an access token for userinfo: one for another resource (RFC 8707 --resource) or audience is refused; use a token from a login with openid"
	case code == "insufficient_scope":
		chk.Hint = "the token lacks a scope userinfo needs (openid, at least)"
		if s := params["scope"]; s != "" {
			chk.Hint += ": it asks for " + s
		}
	case code == "use_dpop_nonce" || code == "invalid_dpop_proof":
		chk.Hint = "a DPoP problem: the proof (or its nonce) was refused (RFC 9449 7, 9)"
	case header == "":
		chk.Hint = "no WWW-Authenticate challenge came (RFC 6750 3 asks for one): nothing says why"
	case strings.EqualFold(tokenType, "DPoP"):
		chk.Hint = "the token is DPoP-bound: it needs its key" + decode.FlagNote(flags, "dpop_key") + " and the DPoP scheme"
	default:
		chk.Hint = "the token was refused without an error code"
	}
	return chk
}
