// Package decode parses tokens and the things tokens arrive in (token
// responses, callback URLs, Authorization headers) and explains what it finds.
// It never verifies a signature and never touches the terminal.
package decode

import (
	"encoding/json"
	"fmt"
)

// Kind says what sort of token a Result holds.
type Kind string

const (
	KindJWS       Kind = "jws"
	KindJWE       Kind = "jwe"
	KindUnsecured Kind = "unsecured" // a JWS with alg "none"
	KindOpaque    Kind = "opaque"
	KindInvalid   Kind = "invalid" // the input is not a token at all
)

// Result is everything decoding one token revealed. Its JSON form is the
// documented `oidc decode --json` schema: add members, never rename them.
type Result struct {
	Kind          Kind   `json:"kind"`
	Label         string `json:"label,omitempty"`
	Serialization string `json:"serialization,omitempty"` // compact, json-flattened, json-general
	Input         Source `json:"input"`
	// Context holds the members of the token response or callback the
	// token came in, other than the tokens themselves.
	Context     *Context        `json:"context,omitempty"`
	Header      json.RawMessage `json:"header,omitempty"`
	Unprotect   json.RawMessage `json:"unprotected_header,omitempty"`
	Payload     json.RawMessage `json:"payload,omitempty"`
	PayloadText string          `json:"payload_text,omitempty"` // a payload that is not JSON
	Signature   *string         `json:"signature,omitempty"`
	// SignatureBytes is the decoded signature, nil when it did not decode.
	SignatureBytes []byte           `json:"-"`
	Signatures     []SignatureEntry `json:"signatures,omitempty"` // JWS JSON general serialization
	JWE            *JWEInfo         `json:"jwe,omitempty"`
	Opaque         *OpaqueInfo      `json:"opaque,omitempty"`
	Disclosures    []Disclosure     `json:"disclosures,omitempty"`
	Guess          *Guess           `json:"guess,omitempty"`
	Warnings       []Warning        `json:"warnings"`
	Times          map[string]Time  `json:"times,omitempty"`
	Error          *Error           `json:"error,omitempty"`

	// Raw is the token text as decoded, after the input wrapping was removed.
	Raw string `json:"-"`
	// Claims and HeaderMembers keep the token's member order for display.
	HeaderMembers []Member `json:"-"`
	Claims        []Member `json:"-"`
}

// Source says where in the input a token was found.
type Source struct {
	Form string `json:"form"`           // token, bearer, authorization_header, token_response, callback, jws_json
	Line int    `json:"line,omitempty"` // 1-based line of multi-line input
	Arg  int    `json:"arg,omitempty"`  // 1-based command-line argument
}

// Context is the part of a token response or callback that is not a token.
type Context struct {
	Form   string          `json:"form"`
	Fields json.RawMessage `json:"fields"`
	// Members keeps the order of Fields for display.
	Members []Member `json:"-"`
}

// SignatureEntry is one signature of a JWS JSON general serialization.
type SignatureEntry struct {
	Header    json.RawMessage `json:"header,omitempty"`
	Unprotect json.RawMessage `json:"unprotected_header,omitempty"`
	Signature string          `json:"signature"`
}

// JWEInfo describes the encrypted parts of a JWE, which cannot be decoded
// without the key.
type JWEInfo struct {
	EncryptedKeyBytes int  `json:"encrypted_key_bytes"`
	IVBytes           int  `json:"iv_bytes"`
	CiphertextBytes   int  `json:"ciphertext_bytes"`
	TagBytes          int  `json:"tag_bytes"`
	Nested            bool `json:"nested"` // cty says the plaintext is itself a JWT
}

// OpaqueInfo describes a token that is not a JWT.
type OpaqueInfo struct {
	Length     int    `json:"length"`
	Alphabet   string `json:"alphabet"`
	Recognised string `json:"recognised,omitempty"`
	Hint       string `json:"hint"`
}

// Disclosure is one SD-JWT disclosure (RFC 9901): salt, claim name, value.
type Disclosure struct {
	Name  string          `json:"name,omitempty"` // empty for array elements
	Value json.RawMessage `json:"value"`
	Raw   string          `json:"raw"`
}

// Guess is what the token most likely is, with the evidence for it.
type Guess struct {
	Type     string   `json:"type"` // id_token, access_token, logout_token, dpop_proof, ...
	Name     string   `json:"name"`
	Vendor   string   `json:"vendor,omitempty"`
	Evidence []string `json:"evidence"`
}

// Warning is something risky or odd about a token that does not stop it
// from being decoded.
type Warning struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	// Segment names the part of a compact token the warning is about
	// (header, payload, signature, ...), for the base64url warnings.
	Segment string `json:"segment,omitempty"`
}

// Time is a NumericDate claim made readable.
type Time struct {
	Time    string `json:"time"`     // RFC 3339, UTC
	FromNow int64  `json:"from_now"` // seconds; negative when in the past
}

// Error says which part of a token could not be decoded, where, and why.
type Error struct {
	Segment  string `json:"segment,omitempty"` // header, payload, signature, ...
	Position int    `json:"position"`          // byte offset in the token text
	Message  string `json:"message"`
}

func (e *Error) Error() string { return e.Message }

// Member is one name/value pair of a JSON object, in document order.
type Member struct {
	Name  string
	Value json.RawMessage
}

// Failed reports whether any part of the token could not be decoded.
func (r *Result) Failed() bool { return r.Error != nil }

func (r *Result) warn(code, format string, args ...any) {
	r.Warnings = append(r.Warnings, Warning{Code: code, Message: fmt.Sprintf(format, args...)})
}

// StringClaim returns a payload claim that is a JSON string.
func (r *Result) StringClaim(name string) (string, bool) { return stringMember(r.Claims, name) }

// StringsClaim returns a payload claim that is a string or a list of
// strings (aud), as a list.
func (r *Result) StringsClaim(name string) []string {
	if s, ok := stringMember(r.Claims, name); ok {
		return []string{s}
	}
	return stringsMember(r.Claims, name)
}

// NumericClaim returns a payload claim that is a JSON number.
func (r *Result) NumericClaim(name string) (float64, bool) { return numberMember(r.Claims, name) }

// HasClaim reports whether the payload has the claim.
func (r *Result) HasClaim(name string) bool { return has(r.Claims, name) }

// StringHeader returns a header parameter that is a JSON string.
func (r *Result) StringHeader(name string) (string, bool) { return stringMember(r.HeaderMembers, name) }
