package flow

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Response is what an endpoint answered to a form POST.
type Response struct {
	URL    string
	Status int
	Header http.Header
	Body   []byte
	// Arrived is when the response arrived; ClockOffset its Date header
	// minus the local clock (nil without a Date).
	Arrived     time.Time
	ClockOffset *time.Duration
}

// PostForm sends form to endpoint with the client's authentication: the
// one call that the token endpoint, introspection, revocation, PAR and
// device authorization share. It follows no redirect (the form carries
// secrets) and fails only when no answer came; the caller reads the
// status.
func (c *Client) PostForm(ctx context.Context, endpoint string, form url.Values, auth ClientAuth) (*Response, error) {
	if _, err := c.CheckURL(endpoint); err != nil {
		return nil, &Error{URL: endpoint, Err: err}
	}
	// Built anew for every attempt: a retry (a DPoP nonce) carries a fresh
	// client assertion, since an issuer refuses a jti it has seen.
	build := func() (*http.Request, error) {
		f := cloneForm(form)
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, nil)
		if err != nil {
			return nil, &Error{URL: endpoint, Err: err}
		}
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		accept := "application/json"
		if c.accept != "" {
			accept = c.accept
		}
		req.Header.Set("Accept", accept)
		if auth != nil {
			if err := auth.Apply(req, f); err != nil {
				return nil, &Error{URL: endpoint, Err: fmt.Errorf("client authentication (%s): %w", auth.Method(), err)}
			}
		}
		body := f.Encode()
		req.Body = io.NopCloser(strings.NewReader(body))
		req.ContentLength = int64(len(body))
		return req, nil
	}
	return c.send(build, "", c.DPoP != nil)
}

// send does a request and reads the whole answer. With DPoP every attempt
// carries a fresh proof (bound to accessToken, when given), and an answer
// that asks for a nonce is retried once with it (RFC 9449 8, 9).
func (c *Client) send(build func() (*http.Request, error), accessToken string, dpop bool) (*Response, error) {
	dpop = dpop && c.DPoP != nil
	for attempt := 0; ; attempt++ {
		req, err := build()
		if err != nil {
			return nil, err
		}
		endpoint := req.URL.String()
		if dpop {
			proof, err := c.DPoP.Proof(req.Method, endpoint, accessToken)
			if err != nil {
				return nil, &Error{URL: endpoint, Err: fmt.Errorf("DPoP proof: %w", err)}
			}
			req.Header.Set("DPoP", proof)
		}
		resp, err := c.HTTP.Do(req)
		if err != nil {
			return nil, &Error{URL: endpoint, Err: describeNetErr(endpoint, err)}
		}
		out := &Response{URL: endpoint, Status: resp.StatusCode, Header: resp.Header, Arrived: c.Now()}
		out.Body, err = io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			return nil, &Error{URL: endpoint, Err: fmt.Errorf("%s %s: reading the response: %w", req.Method, endpoint, err)}
		}
		if d, err := http.ParseTime(resp.Header.Get("Date")); err == nil {
			off := d.Sub(out.Arrived)
			out.ClockOffset = &off
		}
		if dpop && c.DPoP.remember(req.URL.Host, resp.Header) && attempt == 0 && wantsNonce(out.Status, resp.Header, out.Body) {
			continue
		}
		return out, nil
	}
}

func cloneForm(form url.Values) url.Values {
	out := make(url.Values, len(form))
	for k, v := range form {
		out[k] = append([]string(nil), v...)
	}
	return out
}

// TokenResponse is a successful token endpoint answer (RFC 6749 5.1), with
// the body as the issuer sent it and every member, known or not.
type TokenResponse struct {
	Raw          json.RawMessage            // the body; form-encoded answers converted to JSON
	Members      map[string]json.RawMessage // every member, numbers as sent
	AccessToken  string
	TokenType    string
	RefreshToken string
	IDToken      string
	Scope        string
	// ExpiresIn is the member as sent (a number, or a string from some
	// issuers), "" when absent.
	ExpiresIn string
	// Arrived is when the answer arrived: expires_in counts from here.
	Arrived     time.Time
	ClockOffset *time.Duration
}

// Token calls the token endpoint with a grant's form (grant_type and its
// parameters) and the client's authentication, and reads the answer. An
// OAuth error response is a *TokenError naming the client authentication
// used; an answer that is not a token response is an *Error.
func (c *Client) Token(ctx context.Context, endpoint string, form url.Values, auth ClientAuth) (*TokenResponse, error) {
	resp, err := c.PostForm(ctx, endpoint, form, auth)
	if err != nil {
		return nil, err
	}
	body := bytes.TrimSpace(resp.Body)
	ct, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	if !json.Valid(body) && ct != "text/html" && bytes.IndexByte(body, '=') > 0 {
		// GitHub answers form-encoded unless asked otherwise.
		body = formAsJSON(body)
	}
	var members map[string]json.RawMessage
	isJSON := json.Unmarshal(body, &members) == nil && members != nil
	if resp.Status != http.StatusOK || isJSON && jsonString(members["error"]) != "" {
		return nil, resp.oauthError("", members, auth)
	}
	if !isJSON {
		what := "not JSON"
		if ct == "text/html" {
			what = "an HTML page, not JSON: the URL is wrong, or a login page or proxy answered"
		}
		return nil, &Error{URL: endpoint, Err: fmt.Errorf("POST %s: the token response is %s%s", endpoint, what, bodySnippet(resp.Body))}
	}
	tr := &TokenResponse{Raw: body, Members: members, Arrived: resp.Arrived, ClockOffset: resp.ClockOffset}
	tr.AccessToken, tr.TokenType = jsonString(members["access_token"]), jsonString(members["token_type"])
	tr.RefreshToken, tr.IDToken, tr.Scope = jsonString(members["refresh_token"]), jsonString(members["id_token"]), jsonString(members["scope"])
	if v, ok := members["expires_in"]; ok {
		tr.ExpiresIn = strings.Trim(string(v), `"`)
	}
	if tr.AccessToken == "" {
		return tr, &Error{URL: endpoint, Err: fmt.Errorf("POST %s: the token response has no access_token (RFC 6749 5.1)%s", endpoint, bodySnippet(resp.Body))}
	}
	return tr, nil
}

// oauthError is an endpoint's error answer (RFC 6749 5.2) as a
// *TokenError; who names the endpoint in words ("" is the token endpoint).
func (resp *Response) oauthError(who string, members map[string]json.RawMessage, auth ClientAuth) *TokenError {
	te := &TokenError{URL: resp.URL, Endpoint: who, Status: fmt.Sprintf("%d %s", resp.Status, http.StatusText(resp.Status)),
		StatusCode: resp.Status, Body: resp.Body, WWWAuthenticate: resp.Header.Get("WWW-Authenticate")}
	if members != nil {
		te.Code, te.Description, te.URI = jsonString(members["error"]), jsonString(members["error_description"]), jsonString(members["error_uri"])
	}
	if auth != nil {
		te.AuthMethod = auth.Method()
	}
	return te
}

// jsonString is a JSON string member's value, "" for anything else.
func jsonString(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) != nil {
		return ""
	}
	return s
}

// formAsJSON turns a form-encoded body into a JSON object, so that one
// reader and the JSON report serve every issuer.
func formAsJSON(body []byte) []byte {
	v, err := url.ParseQuery(string(body))
	if err != nil || len(v) == 0 {
		return body
	}
	obj := make(map[string]any, len(v))
	for k := range v {
		obj[k] = v.Get(k)
		if n, err := strconv.ParseInt(v.Get(k), 10, 64); err == nil && k == "expires_in" {
			obj[k] = n // a form has no types; expires_in is a number
		}
	}
	out, _ := json.Marshal(obj)
	return out
}

// TokenError is an error response of the token endpoint (RFC 6749 5.2),
// or any other answer that is not 200.
type TokenError struct {
	URL                    string
	Endpoint               string // what answered, in words; "" is the token endpoint
	Code, Description, URI string
	Status                 string // "401 Unauthorized"
	StatusCode             int
	Body                   []byte
	AuthMethod             string // the client authentication that was used
	WWWAuthenticate        string
	// Hint says what to do about it, when oidc can tell; set by the grant,
	// which knows what the issuer advertised. HintOption names the input
	// that would fix it ("auth_method", "client_secret"): each command
	// knows its flag.
	Hint, HintOption string
}

func (e *TokenError) Error() string {
	var msg string
	who := e.Endpoint
	if who == "" {
		who = "the token endpoint"
	}
	if e.Code == "" {
		msg = fmt.Sprintf("%s answered %s", who, e.Status)
		if b := strings.TrimSpace(RedactBody(e.Body)); b != "" {
			if len(b) > 300 {
				b = b[:300] + "…"
			}
			msg += ": " + b
		}
	} else {
		msg = oauthError(who+" answered", e.Code, e.Description, e.URI)
	}
	if e.Hint != "" {
		msg += "; " + e.Hint
	}
	return msg
}

// explainClientAuth sets the hint of an invalid_client (or a 401) answer:
// which method was used, which the issuer lists, and how to choose
// another; or that a public client looks confidential, or a secret was
// refused.
func explainClientAuth(e *TokenError, md *Metadata, auth ClientAuth) {
	secretGiven := auth.Method() != AuthNone
	if e.Code != "invalid_client" && e.StatusCode != http.StatusUnauthorized && e.Code != "unauthorized_client" {
		return
	}
	listed := "lists no methods (token_endpoint_auth_methods_supported)"
	if md != nil && len(md.TokenEndpointAuthMethods) > 0 {
		listed = "lists " + strings.Join(md.TokenEndpointAuthMethods, ", ")
	}
	if ja, ok := auth.(*JWTAuth); ok && e.Code == "invalid_client" {
		other, kind := AudienceIssuer, "the issuer identifier"
		if ja.AudienceKind == AudienceIssuer {
			other, kind = AudienceTokenEndpoint, "the token endpoint URL"
		}
		what := "the client assertion (" + ja.Method() + ", aud " + ja.Audience
		if ja.Secret == "" {
			what += ", kid " + ja.Key.KeyID + ", " + string(ja.Alg)
		}
		e.Hint = what + ") was refused: check that the client is registered for " + ja.Method() +
			keyNote(ja) + "; or the issuer wants " + kind + " as the audience (" + other + ")"
		e.HintOption = "assertion_aud"
		return
	}
	switch {
	case !secretGiven && e.Code != "unauthorized_client":
		e.Hint, e.HintOption = "no client secret was given and the token endpoint wants client authentication: the client looks confidential, so give its secret", "client_secret"
	case secretGiven && e.Code == "invalid_client":
		e.Hint, e.HintOption = "the client secret was sent with "+e.AuthMethod+" and refused: check the secret, or choose another client authentication method (the issuer "+listed+"; the client may be registered for one of them)", "auth_method"
	}
}

func keyNote(ja *JWTAuth) string {
	if ja.Secret != "" {
		return " with this secret"
	}
	return " with this key's public JWKS"
}
