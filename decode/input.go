package decode

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"unicode"
)

// Input decodes everything a user may paste: one or more tokens (one per
// line), a token response, a JWS or JWE in JSON serialization, a callback
// URL, or an Authorization header. It returns one result per token found,
// or a single invalid result saying why nothing was.
func Input(data []byte, src Source, opts Options) []*Result {
	trimmed := bytes.TrimSpace(bytes.TrimPrefix(data, []byte("\ufeff")))
	if len(trimmed) == 0 {
		return []*Result{invalid(src, nil, &Error{Message: "no input: expected a token"})}
	}
	lines := bytes.Split(trimmed, []byte("\n"))
	// A pretty-printed JSON document spans lines: it is one document, valid
	// or not, unless every line is a JSON object of its own (JSON Lines).
	if trimmed[0] == '{' && (json.Valid(trimmed) || !jsonLines(lines)) {
		return jsonDocument(trimmed, src, opts)
	}
	if err, ok := notTokenInput(trimmed, lines); ok {
		return []*Result{invalid(src, nil, err)}
	}
	if len(lines) == 1 {
		return item(string(trimmed), src, opts)
	}
	if r := joinedToken(lines, src, opts); r != nil {
		return []*Result{r}
	}
	var out []*Result
	for i, line := range lines {
		line = bytes.TrimSpace(line)
		if len(line) == 0 {
			continue
		}
		s := src
		s.Line = i + 1
		out = append(out, item(string(line), s, opts)...)
	}
	return out
}

// joinedToken: a token wrapped over lines (by a terminal, an email) is
// one token when its first line starts a JOSE header but is no token of
// its own, and all of them together make a JWS or JWE; nil otherwise. Only the first line is tried alone,
// so a batch of tokens, one a line, costs nothing more.
func joinedToken(lines [][]byte, src Source, opts Options) *Result {
	if len(lines) > 1000 {
		return nil
	}
	head := bytes.TrimSpace(lines[0])
	if !bytes.HasPrefix(head, []byte("eyJ")) {
		return nil // not the start of a JOSE header
	}
	first := item(string(head), src, opts)
	if len(first) != 1 || first[0].Kind == KindJWS || first[0].Kind == KindJWE || first[0].Kind == KindUnsecured {
		return nil
	}
	var b bytes.Buffer
	n := 0
	for _, l := range lines {
		if l = bytes.TrimSpace(l); len(l) > 0 {
			b.Write(l)
			n++
		}
	}
	joined := item(b.String(), src, opts)
	if len(joined) != 1 || joined[0].Error != nil || (joined[0].Kind != KindJWS && joined[0].Kind != KindJWE) {
		return nil
	}
	r := joined[0]
	r.Warnings = append(r.Warnings, Warning{Code: "joined_lines", Message: fmt.Sprintf("joined %d lines into one token: it was wrapped (by a terminal or an email)", n)})
	return r
}

// jsonLines reports whether every non-empty line is a JSON document.
func jsonLines(lines [][]byte) bool {
	for _, l := range lines {
		if l = bytes.TrimSpace(l); len(l) > 0 && !json.Valid(l) {
			return false
		}
	}
	return true
}

func invalid(src Source, ctx *Context, err *Error) *Result {
	return &Result{Kind: KindInvalid, Input: src, Context: ctx, Warnings: []Warning{}, Error: err}
}

// item decodes one line of input.
func item(text string, src Source, opts Options) []*Result {
	text = unquote(trimInvisible(text))
	if src.Form == "" {
		src.Form = "token"
	}
	if name, value, ok := strings.Cut(text, ":"); ok && isHeaderName(name) {
		switch strings.ToLower(name) {
		case "authorization":
			src.Form = "authorization_header"
			text = unquote(trimInvisible(value))
		case "dpop":
			src.Form = "dpop_header"
			return []*Result{Token(unquote(trimInvisible(value)), src, "dpop", opts)}
		}
	}
	// The scheme ends at any white space: tabs and no-break spaces come
	// with tokens pasted from chats and browsers. Schemes are short, so
	// only the start is searched, not the whole token.
	if i := strings.IndexFunc(text[:min(len(text), 16)], unicode.IsSpace); i > 0 {
		switch strings.ToLower(text[:i]) {
		case "bearer", "dpop":
			if src.Form == "token" {
				src.Form = "bearer"
			}
			text = trimInvisible(text[i:])
		case "basic":
			return []*Result{invalid(src, nil, &Error{Message: "HTTP Basic credentials (client_id:client_secret), not a token"})}
		}
	}
	text = unquote(text)
	if len(text) > 0 && text[0] == '{' {
		return jsonDocument([]byte(text), src, opts)
	}
	if looksLikeCallback(text) {
		return callback(text, src, opts)
	}
	return []*Result{Token(text, src, "", opts)}
}

func isHeaderName(s string) bool {
	if s == "" || strings.ContainsAny(s, " \t") {
		return false
	}
	l := strings.ToLower(s)
	return l == "authorization" || l == "dpop"
}

// trimInvisible removes white space, byte order marks and zero-width
// characters around a pasted token.
func trimInvisible(s string) string {
	return strings.TrimFunc(s, func(r rune) bool {
		return unicode.IsSpace(r) || r == '\ufeff' || r == '\u200b' || r == '\u2060'
	})
}

func unquote(s string) string {
	for len(s) >= 2 {
		first, last := s[0], s[len(s)-1]
		if (first == '"' || first == '\'' || first == '`') && last == first {
			s = strings.TrimSpace(s[1 : len(s)-1])
			continue
		}
		break
	}
	return s
}

// callbackParams are the names that mark a string as an authorization
// response (query, fragment or form_post body).
var callbackParams = []string{"code", "id_token", "access_token", "state", "error", "refresh_token", "logout_token"}

func looksLikeCallback(text string) bool {
	// Tokens, most of what comes here, have none of these.
	if !strings.ContainsAny(text, ":?#=") {
		return false
	}
	if strings.Contains(text, "://") || strings.HasPrefix(text, "?") || strings.HasPrefix(text, "#") {
		return true
	}
	for _, p := range callbackParams {
		if strings.HasPrefix(text, p+"=") || strings.Contains(text, "&"+p+"=") {
			return true
		}
	}
	return false
}

// tokenFields are the members of token responses and callbacks that carry
// tokens, in the order they are shown.
var tokenFields = map[string]bool{
	"id_token": true, "access_token": true, "refresh_token": true, "code": true,
	"logout_token": true, "device_code": true, "token": true,
}

func callback(text string, src Source, opts Options) []*Result {
	src.Form = "callback"
	query := text
	if i := strings.IndexAny(text, "?#"); i >= 0 {
		// Implicit and hybrid flows answer in the fragment: query and
		// fragment both count, the fragment last.
		query = text[i+1:]
		if j := strings.IndexByte(query, '#'); j >= 0 && text[i] == '?' {
			query = query[:j] + "&" + query[j+1:]
		}
	} else if strings.Contains(text, "://") {
		query = ""
	}
	names, params, dups := parseParams(query)
	if len(names) == 0 {
		return []*Result{invalid(src, nil, &Error{Message: "a URL with no query or fragment parameters: no token in it"})}
	}
	var members, tokens []Member
	for _, name := range names {
		v, _ := json.Marshal(params[name])
		m := Member{Name: name, Value: v}
		if tokenFields[name] {
			tokens = append(tokens, m)
		} else {
			members = append(members, m)
		}
	}
	ctx := &Context{Form: "callback", Fields: membersJSON(members), Members: members}
	return withDuplicates(tokenMembers(tokens, ctx, src, opts), "callback", dups)
}

// withDuplicates warns on every token of a response or callback that names
// a member twice: which one a client takes depends on its parser.
func withDuplicates(results []*Result, what string, dups []string) []*Result {
	for _, name := range dups {
		for _, r := range results {
			r.warn("duplicate_member", "the %s has %q more than once: clients disagree on which one counts", what, name)
		}
	}
	return results
}

// parseParams splits a query string keeping the order in which names first
// appear; a later value of a name replaces an earlier one, as a fragment's
// replaces the query's.
func parseParams(query string) (names []string, params map[string]string, dups []string) {
	params = map[string]string{}
	for _, pair := range strings.Split(query, "&") {
		if pair == "" {
			continue
		}
		k, v, _ := strings.Cut(pair, "=")
		name, value := unescape(k), unescape(v)
		if name == "" {
			continue
		}
		if _, seen := params[name]; !seen {
			names = append(names, name)
		} else {
			dups = append(dups, name)
		}
		params[name] = value
	}
	return names, params, dups
}

// unescape decodes a query component, keeping it as it is when its
// escapes are broken: a token with a stray % is still worth showing.
func unescape(s string) string {
	if u, err := url.QueryUnescape(s); err == nil {
		return u
	}
	return s
}

// jsonDocument decodes a JSON object: a token response, a JWS or JWE in JSON
// serialization, or an error response.
func jsonDocument(data []byte, src Source, opts Options) []*Result {
	members, dups, p := parseObject(data)
	if p != nil {
		return []*Result{invalid(src, nil, &Error{Segment: "json", Position: p.offset, Message: "JSON input at byte " + fmt.Sprint(p.offset) + ": " + p.message})}
	}
	switch {
	case has(members, "payload") && (has(members, "signature") || has(members, "signatures")):
		src.Form = "jws_json"
		return []*Result{jwsJSON(members, data, src, opts)}
	case has(members, "ciphertext"):
		src.Form = "jwe_json"
		return []*Result{jweJSON(members, data, src, opts)}
	}
	var ctxMembers, tokens []Member
	for _, m := range members {
		if tokenFields[m.Name] {
			tokens = append(tokens, m)
		} else {
			ctxMembers = append(ctxMembers, m)
		}
	}
	src.Form = "token_response"
	ctx := &Context{Form: "token_response", Fields: membersJSON(ctxMembers), Members: ctxMembers}
	if len(tokens) == 0 {
		if msg, ok := oauthError(members); ok {
			return []*Result{invalid(src, ctx, &Error{Message: "an OAuth error response, not a token: " + msg})}
		}
		if has(members, "iss") || has(members, "sub") || has(members, "exp") {
			return []*Result{invalid(src, nil, &Error{Message: "a JSON object of claims, not a token: it looks like an already decoded payload or a userinfo response"})}
		}
		return []*Result{invalid(src, nil, &Error{Message: "a JSON object with no access_token, id_token or refresh_token, and not a JWS or JWE JSON serialization"})}
	}
	return withDuplicates(tokenMembers(tokens, ctx, src, opts), "token response", dups)
}

// oauthError is "error: error_description" of an OAuth error response.
func oauthError(members []Member) (string, bool) {
	e, ok := stringMember(members, "error")
	if !ok {
		return "", false
	}
	if desc, _ := stringMember(members, "error_description"); desc != "" {
		return e + ": " + desc, true
	}
	return e, true
}

// tokenMembers decodes the token-carrying members of a response.
func tokenMembers(tokens []Member, ctx *Context, src Source, opts Options) []*Result {
	if len(tokens) == 0 {
		msg := "no token in it"
		if e, ok := oauthError(ctx.Members); ok {
			msg = "the issuer answered with an error: " + e
		}
		return []*Result{invalid(src, ctx, &Error{Message: msg})}
	}
	var out []*Result
	for _, t := range tokens {
		var s string
		if t.Value[0] != '"' || json.Unmarshal(t.Value, &s) != nil {
			out = append(out, invalid(src, ctx, &Error{Segment: t.Name, Message: t.Name + " is " + string(t.Value) + ", not a string"}))
			continue
		}
		if s = trimInvisible(s); s == "" {
			out = append(out, invalid(src, ctx, &Error{Segment: t.Name, Message: t.Name + " is empty"}))
			continue
		}
		r := Token(strings.TrimSpace(s), src, t.Name, opts)
		if r.Failed() && (t.Name == "code" || t.Name == "refresh_token" || t.Name == "device_code") {
			// Codes and refresh tokens are often dotted handles (Keycloak
			// codes are three UUIDs) that only look like a JWS.
			r = &Result{Input: src, Label: t.Name, Raw: s, Warnings: []Warning{}}
			decodeOpaque(r, s, t.Name)
			analyze(r, opts.now())
		}
		r.Context = ctx
		out = append(out, r)
	}
	return out
}

// jwsJSON decodes a JWS in flattened or general JSON serialization (RFC 7515
// section 7.2).
func jwsJSON(members []Member, data []byte, src Source, opts Options) *Result {
	r := &Result{Kind: KindJWS, Input: src, Raw: string(data), Warnings: []Warning{}}
	type sigJSON struct {
		Protected string          `json:"protected"`
		Header    json.RawMessage `json:"header"`
		Signature string          `json:"signature"`
	}
	var sigs []sigJSON
	if raw := lookup(members, "signatures"); raw != nil {
		r.Serialization = "json-general"
		if err := json.Unmarshal(raw, &sigs); err != nil || len(sigs) == 0 {
			r.Error = &Error{Segment: "signatures", Message: "signatures is not a non-empty array of {protected, header, signature} objects"}
			return r
		}
	} else {
		r.Serialization = "json-flattened"
		var s sigJSON
		if err := json.Unmarshal(data, &s); err != nil {
			r.Error = &Error{Segment: "signature", Message: "protected, header and signature must be strings and an object: " + err.Error()}
			return r
		}
		sigs = []sigJSON{s}
	}
	for i, s := range sigs {
		entry := SignatureEntry{Signature: s.Signature, Unprotect: s.Header}
		// Each signature has its own header: protected and unprotected
		// parameters together (RFC 7515 7.2.1: they must not overlap).
		hr := &Result{Kind: KindJWS, Warnings: []Warning{}}
		if s.Protected != "" && decodeHeader(hr, segment{name: "protected", text: s.Protected}) {
			entry.Header = hr.Header
		}
		if len(s.Header) > 0 {
			if hm, _, p := parseObject(s.Header); p == nil {
				for _, m := range hm {
					if has(hr.HeaderMembers, m.Name) {
						hr.warn("header_overlap", "%q is in both the protected and the unprotected header, which RFC 7515 7.2.1 forbids: which one counts is anyone's guess", m.Name)
					}
				}
				hr.HeaderMembers = append(hr.HeaderMembers, hm...)
			}
		}
		if alg, ok := stringMember(hr.HeaderMembers, "alg"); ok && strings.EqualFold(alg, "none") {
			hr.Kind = KindUnsecured
		}
		hr.Signature = &entry.Signature
		hr.decodeSignature(segment{name: "signature", text: s.Signature})
		if hr.Error != nil && r.Error == nil {
			r.Error = hr.Error
		}
		if i == 0 {
			r.HeaderMembers, r.Kind, r.SignatureBytes = hr.HeaderMembers, hr.Kind, hr.SignatureBytes
			r.Warnings = append(r.Warnings, hr.Warnings...)
		} else {
			headerWarnings(hr)
			for _, w := range hr.Warnings {
				r.warn(w.Code, "signature %d: %s", i+1, w.Message)
			}
		}
		r.Signatures = append(r.Signatures, entry)
	}
	first := r.Signatures[0]
	r.Header, r.Unprotect, r.Signature = first.Header, first.Unprotect, &first.Signature
	if len(r.Signatures) == 1 {
		r.Signatures = nil
	}
	var payload string
	if err := json.Unmarshal(lookup(members, "payload"), &payload); err != nil {
		r.Error = &Error{Segment: "payload", Message: "payload is not a JSON string"}
		return r
	}
	if r.Error == nil {
		decodePayload(r, segment{name: "payload", text: payload})
	}
	analyze(r, opts.now())
	return r
}

// jweJSON decodes the protected header of a JWE in JSON serialization (RFC
// 7516 section 7.2); the rest is encrypted.
func jweJSON(members []Member, data []byte, src Source, opts Options) *Result {
	r := &Result{Kind: KindJWE, Serialization: "json", Input: src, Raw: string(data), Warnings: []Warning{}}
	if p, ok := stringMember(members, "protected"); ok {
		decodeHeader(r, segment{name: "protected", text: p})
	}
	if u := lookup(members, "unprotected"); u != nil {
		r.Unprotect = u
		if hm, _, p := parseObject(u); p == nil {
			r.HeaderMembers = append(r.HeaderMembers, hm...)
		}
	}
	// General serialization: per-recipient headers (alg, kid, epk) and
	// encrypted keys; the first recipient's count for display.
	type recipient struct {
		Header       json.RawMessage `json:"header"`
		EncryptedKey string          `json:"encrypted_key"`
	}
	var recipients []recipient
	if raw := lookup(members, "recipients"); raw != nil {
		if json.Unmarshal(raw, &recipients) != nil || len(recipients) == 0 {
			r.Error = &Error{Segment: "recipients", Message: "recipients is not a non-empty array of {header, encrypted_key} objects"}
		}
	} else if h := lookup(members, "header"); h != nil {
		recipients = []recipient{{Header: h}}
	}
	for i, rc := range recipients {
		if hm, _, p := parseObject(rc.Header); p == nil && len(rc.Header) > 0 {
			if i == 0 {
				r.HeaderMembers = append(r.HeaderMembers, hm...)
			} else if alg, ok := stringMember(hm, "alg"); ok && alg == "RSA1_5" {
				r.warn("weak_alg", "recipient %d uses alg RSA1_5, deprecated: open to padding oracle attacks (RFC 8725 3.2)", i+1)
			}
		}
	}
	info := &JWEInfo{}
	if len(recipients) > 0 && recipients[0].EncryptedKey != "" {
		members = append(members, Member{Name: "encrypted_key", Value: json.RawMessage(strconvQuote(recipients[0].EncryptedKey))})
	}
	parts := []struct {
		name string
		size *int
	}{{"encrypted_key", &info.EncryptedKeyBytes}, {"iv", &info.IVBytes}, {"ciphertext", &info.CiphertextBytes}, {"tag", &info.TagBytes}}
	for _, part := range parts {
		if v, ok := stringMember(members, part.name); ok {
			raw, _, err := decodeSegment(segment{name: part.name, text: v})
			if err != nil && r.Error == nil {
				r.Error = err
			}
			*part.size = len(raw)
		}
	}
	cty, _ := stringMember(r.HeaderMembers, "cty")
	info.Nested = strings.EqualFold(cty, "JWT")
	r.JWE = info
	analyze(r, opts.now())
	return r
}

func strconvQuote(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}
