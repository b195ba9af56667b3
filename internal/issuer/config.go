package issuer

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"os"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/go-jose/go-jose/v4"
	"go.yaml.in/yaml/v3"

	"github.com/oidcdev/oidc/internal/config"
)

// File is the --config file: YAML, or JSON (which YAML reads too).
type File struct {
	Clients []struct {
		ID           string   `yaml:"id"`
		Name         string   `yaml:"name"` // shown on the login, consent and logout pages
		Secret       string   `yaml:"secret"`
		RedirectURIs []string `yaml:"redirect_uris"`
		SkipConsent  bool     `yaml:"skip_consent"`
		AuthMethod   string   `yaml:"token_endpoint_auth_method"`
		JWKS         any      `yaml:"jwks"` // the client's public keys, for private_key_jwt
		// A public JWK, for the userinfo-encrypted fault.
		UserinfoEncryptionKey any    `yaml:"userinfo_encryption_key"`
		AssertionAud          string `yaml:"assertion_audience"`
		// TLSCertSHA256 is the x5t#S256 of the certificate a client with
		// self_signed_tls_client_auth presents (RFC 8705 2.2).
		TLSCertSHA256 string `yaml:"tls_client_certificate_sha256"`
	} `yaml:"clients"`
	Users []struct {
		Sub    string         `yaml:"sub"`
		Name   string         `yaml:"name"`
		Email  string         `yaml:"email"`
		Groups []string       `yaml:"groups"`
		Claims map[string]any `yaml:"claims"`
	} `yaml:"users"`
	Scopes            []string `yaml:"scopes"` // more scopes to advertise
	TokenTTL          string   `yaml:"token_ttl"`
	AccessTokenFormat string   `yaml:"access_token_format"`
	SigningAlg        string   `yaml:"signing_alg"`
	// TokenAuthMethods is advertised as token_endpoint_auth_methods_supported.
	TokenAuthMethods []string `yaml:"token_endpoint_auth_methods_supported"`
}

// LoadConfig reads a config file into cfg. Every error is one line, an
// *config.Error naming the file, the line and the field and saying what
// is allowed there: unknown fields are errors, not silently ignored.
func LoadConfig(path string, cfg *Config) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	root, err := config.ParseNode(path, data)
	if err != nil || root == nil {
		return err
	}
	// The file is checked against File's fields first, so that what
	// yaml's decoder would say (a Go type dump, on several lines) is
	// never what the user reads.
	c := &checker{path: path, lines: map[string]int{}}
	if root.Kind != yaml.MappingNode {
		return c.fail(root, "", "the file is a mapping of "+strings.Join(yamlFields(reflect.TypeFor[File]()), ", "))
	}
	if err := c.check(root, reflect.TypeFor[File](), ""); err != nil {
		return err
	}
	var f File
	if err := root.Decode(&f); err != nil {
		return c.decodeError(err)
	}
	for i, cl := range f.Clients {
		where := fmt.Sprintf("clients[%d]", i)
		if cl.ID == "" {
			return c.at(where+".id", "is missing")
		}
		if len(cl.RedirectURIs) == 0 {
			return c.at(where+".redirect_uris", "is missing: the URIs the client may be sent back to")
		}
		for j, r := range cl.RedirectURIs {
			if u, err := url.Parse(r); err != nil || u.Scheme == "" || u.Host == "" || u.Fragment != "" {
				return c.at(fmt.Sprintf("%s.redirect_uris[%d]", where, j), fmt.Sprintf("%q is not an absolute URL without a fragment", r))
			}
		}
		switch cl.AuthMethod {
		case "", "none", "client_secret_basic", "client_secret_post", "private_key_jwt", "client_secret_jwt", "self_signed_tls_client_auth":
		default:
			return c.at(where+".token_endpoint_auth_method", fmt.Sprintf("%q is not none, client_secret_basic, client_secret_post, private_key_jwt, client_secret_jwt or self_signed_tls_client_auth", cl.AuthMethod))
		}
		if (cl.AuthMethod == "self_signed_tls_client_auth") != (cl.TLSCertSHA256 != "") {
			return c.at(where+".tls_client_certificate_sha256", "self_signed_tls_client_auth and tls_client_certificate_sha256 go together")
		}
		switch cl.AssertionAud {
		case "", "issuer", "token-endpoint":
		default:
			return c.at(where+".assertion_audience", fmt.Sprintf("%q is not issuer or token-endpoint", cl.AssertionAud))
		}
		client := Client{ID: cl.ID, Name: cl.Name, Secret: cl.Secret, RedirectURIs: cl.RedirectURIs, SkipConsent: cl.SkipConsent, AuthMethod: cl.AuthMethod,
			AssertionAudience: cl.AssertionAud, TLSCertThumbprint: cl.TLSCertSHA256}
		if cl.JWKS != nil {
			raw, err := json.Marshal(jsonable(cl.JWKS))
			var set jose.JSONWebKeySet
			if err == nil {
				err = json.Unmarshal(raw, &set)
			}
			if err != nil || len(set.Keys) == 0 {
				msg := "is not a JWKS with keys: {keys: [...]}"
				if err != nil {
					msg += " (" + err.Error() + ")"
				}
				return c.at(where+".jwks", msg)
			}
			for _, k := range set.Keys {
				if !k.IsPublic() {
					return c.at(where+".jwks", fmt.Sprintf("key %q is private: register the public JWKS only", k.KeyID))
				}
			}
			client.JWKS = &set
		}
		if cl.UserinfoEncryptionKey != nil {
			raw, err := json.Marshal(jsonable(cl.UserinfoEncryptionKey))
			var k jose.JSONWebKey
			if err == nil {
				err = k.UnmarshalJSON(raw)
			}
			switch {
			case err != nil:
				return c.at(where+".userinfo_encryption_key", "is not a JWK ("+err.Error()+")")
			case !k.IsPublic():
				return c.at(where+".userinfo_encryption_key", "is private: register the public key only")
			}
			client.UserinfoEncryptionKey = &k
		}
		cfg.Clients = append(cfg.Clients, client)
	}
	for i, u := range f.Users {
		where := fmt.Sprintf("users[%d]", i)
		if u.Sub == "" {
			return c.at(where+".sub", "is missing")
		}
		for _, reserved := range reservedClaims {
			if _, ok := u.Claims[reserved]; ok {
				return c.at(where+".claims."+reserved, "is set by the issuer: leave it out")
			}
		}
		claims, _ := jsonable(u.Claims).(map[string]any)
		cfg.Users = append(cfg.Users, User{Sub: u.Sub, Name: u.Name, Email: u.Email, Groups: u.Groups, Claims: claims})
	}
	cfg.Scopes = append(cfg.Scopes, f.Scopes...)
	cfg.TokenAuthMethods = f.TokenAuthMethods
	if f.TokenTTL != "" {
		d, err := time.ParseDuration(f.TokenTTL)
		if err != nil || d <= 0 {
			return c.at("token_ttl", fmt.Sprintf("%q is not a positive duration like 30m", f.TokenTTL))
		}
		cfg.TokenTTL = d
	}
	switch f.AccessTokenFormat {
	case "":
	case "jwt", "opaque":
		cfg.AccessTokenFormat = f.AccessTokenFormat
	default:
		return c.at("access_token_format", fmt.Sprintf("%q is not jwt or opaque", f.AccessTokenFormat))
	}
	switch f.SigningAlg {
	case "":
	case "RS256", "PS256", "ES256", "EdDSA":
		cfg.SigningAlg = f.SigningAlg
	default:
		return c.at("signing_alg", fmt.Sprintf("%q is not RS256, PS256, ES256 or EdDSA", f.SigningAlg))
	}
	return nil
}

// checker walks the YAML of a config file against the Go type it is
// decoded into and remembers the line of every field, for the messages
// of the checks after decoding.
type checker struct {
	path  string
	lines map[string]int // field path (clients[0].id) -> line
}

func (c *checker) fail(n *yaml.Node, field, msg string) error {
	return &config.Error{Path: c.path, Line: n.Line, Field: field, Msg: msg}
}

// at is an error about a field: at its line, or its nearest parent's
// when the field is not in the file.
func (c *checker) at(field, msg string) error {
	for p := field; p != ""; p = parentField(p) {
		if line, ok := c.lines[p]; ok {
			return &config.Error{Path: c.path, Line: line, Field: field, Msg: msg}
		}
	}
	return &config.Error{Path: c.path, Field: field, Msg: msg}
}

// parentField is clients[0] for clients[0].id, clients for clients[0].
func parentField(p string) string {
	i := strings.LastIndexAny(p, ".[")
	if i < 0 {
		return ""
	}
	return p[:i]
}

func join(field, name string) string {
	if field == "" {
		return name
	}
	return field + "." + name
}

func isNull(n *yaml.Node) bool { return n.Kind == yaml.ScalarNode && n.Tag == "!!null" }

// check says whether n can be decoded into a value of type t, and what is
// allowed where it cannot.
func (c *checker) check(n *yaml.Node, t reflect.Type, field string) error {
	if n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	if _, seen := c.lines[field]; !seen && field != "" {
		c.lines[field] = n.Line
	}
	if isNull(n) {
		return nil // the zero value
	}
	switch t.Kind() {
	case reflect.Interface:
		return nil
	case reflect.Struct:
		names := yamlFields(t)
		if n.Kind != yaml.MappingNode {
			return c.fail(n, field, "is a mapping of "+strings.Join(names, ", "))
		}
		seen := map[string]bool{}
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			sub := join(field, k.Value)
			ft, ok := yamlField(t, k.Value)
			if !ok {
				msg := "unknown field"
				if near := config.Nearest(k.Value, names); near != "" {
					msg += "; did you mean " + near + "?"
				} else {
					msg += ": use " + strings.Join(names, ", ")
				}
				return c.fail(k, sub, msg)
			}
			if seen[k.Value] {
				return c.fail(k, sub, "given twice")
			}
			seen[k.Value] = true
			c.lines[sub] = k.Line
			if err := c.check(v, ft, sub); err != nil {
				return err
			}
		}
		return nil
	case reflect.Slice:
		if n.Kind == yaml.ScalarNode && t.Elem().Kind() == reflect.String {
			// One value for a list of one, as the profiles file takes it.
			item := *n
			*n = yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq", Line: n.Line, Column: n.Column, Content: []*yaml.Node{&item}}
		}
		if n.Kind != yaml.SequenceNode {
			return c.fail(n, field, "is a list of "+kindName(t.Elem()))
		}
		for i, item := range n.Content {
			if err := c.check(item, t.Elem(), fmt.Sprintf("%s[%d]", field, i)); err != nil {
				return err
			}
		}
		return nil
	case reflect.Map:
		if n.Kind != yaml.MappingNode {
			return c.fail(n, field, "is a mapping of names to values")
		}
		for i := 0; i+1 < len(n.Content); i += 2 {
			if err := c.check(n.Content[i+1], t.Elem(), join(field, n.Content[i].Value)); err != nil {
				return err
			}
		}
		return nil
	case reflect.Bool:
		if n.Kind != yaml.ScalarNode || n.Tag != "!!bool" {
			return c.fail(n, field, "is true or false")
		}
		return nil
	case reflect.String:
		if n.Kind != yaml.ScalarNode {
			return c.fail(n, field, "is a single value, a string")
		}
		return nil
	}
	return nil
}

// kindName names what a list holds, for messages.
func kindName(t reflect.Type) string {
	switch t.Kind() {
	case reflect.String:
		return "strings"
	case reflect.Struct:
		return "mappings of " + strings.Join(yamlFields(t), ", ")
	case reflect.Bool:
		return "true or false"
	}
	return "values"
}

// yamlFields are the names of a struct's fields in YAML, in order.
func yamlFields(t reflect.Type) []string {
	var names []string
	for i := 0; i < t.NumField(); i++ {
		if name, _, _ := strings.Cut(t.Field(i).Tag.Get("yaml"), ","); name != "" && name != "-" {
			names = append(names, name)
		}
	}
	return names
}

func yamlField(t reflect.Type, name string) (reflect.Type, bool) {
	for i := 0; i < t.NumField(); i++ {
		if n, _, _ := strings.Cut(t.Field(i).Tag.Get("yaml"), ","); n == name {
			return t.Field(i).Type, true
		}
	}
	return nil, false
}

// yamlErrorLine is a line of yaml's TypeError: "line 3: cannot ...".
var yamlErrorLine = regexp.MustCompile(`^line (\d+): (.*)$`)

// decodeError makes what the decoder still refused (check let it
// through) one line: its first problem, at its line.
func (c *checker) decodeError(err error) error {
	var te *yaml.TypeError
	if errors.As(err, &te) && len(te.Errors) > 0 {
		if m := yamlErrorLine.FindStringSubmatch(te.Errors[0]); m != nil {
			line, _ := strconv.Atoi(m[1])
			return &config.Error{Path: c.path, Line: line, Msg: m[2]}
		}
		return &config.Error{Path: c.path, Msg: te.Errors[0]}
	}
	return &config.Error{Path: c.path, Msg: strings.TrimPrefix(err.Error(), "yaml: ")}
}

// jsonable turns what YAML decoded into values JSON can encode: YAML maps
// may have non-string keys.
func jsonable(v any) any {
	switch t := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(t))
		for k, e := range t {
			out[k] = jsonable(e)
		}
		return out
	case map[any]any:
		out := make(map[string]any, len(t))
		for k, e := range t {
			out[fmt.Sprint(k)] = jsonable(e)
		}
		return out
	case []any:
		out := make([]any, len(t))
		for i, e := range t {
			out[i] = jsonable(e)
		}
		return out
	}
	return v
}
