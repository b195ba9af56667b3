package issuer

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"time"

	"github.com/go-jose/go-jose/v4"
	"go.yaml.in/yaml/v3"
)

// File is the --config file: YAML, or JSON (which YAML reads too).
type File struct {
	Clients []struct {
		ID           string   `yaml:"id"`
		Secret       string   `yaml:"secret"`
		RedirectURIs []string `yaml:"redirect_uris"`
		SkipConsent  bool     `yaml:"skip_consent"`
		AuthMethod   string   `yaml:"token_endpoint_auth_method"`
		JWKS         any      `yaml:"jwks"` // the client's public keys, for private_key_jwt
		AssertionAud string   `yaml:"assertion_audience"`
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

// LoadConfig reads a config file into cfg. Errors name the file, the line
// and the field: unknown fields are errors, not silently ignored.
func LoadConfig(path string, cfg *Config) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	var f File
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&f); err != nil && !errors.Is(err, io.EOF) {
		return fmt.Errorf("%s: %v", path, err)
	}
	for i, c := range f.Clients {
		where := fmt.Sprintf("%s: clients[%d]", path, i)
		if c.ID == "" {
			return fmt.Errorf("%s: id is missing", where)
		}
		if len(c.RedirectURIs) == 0 {
			return fmt.Errorf("%s (%s): redirect_uris is missing", where, c.ID)
		}
		for _, r := range c.RedirectURIs {
			if u, err := url.Parse(r); err != nil || u.Scheme == "" || u.Host == "" || u.Fragment != "" {
				return fmt.Errorf("%s (%s): redirect_uris: %q is not an absolute URL without a fragment", where, c.ID, r)
			}
		}
		switch c.AuthMethod {
		case "", "none", "client_secret_basic", "client_secret_post", "private_key_jwt", "client_secret_jwt", "self_signed_tls_client_auth":
		default:
			return fmt.Errorf("%s (%s): token_endpoint_auth_method: %q is not none, client_secret_basic, client_secret_post, private_key_jwt, client_secret_jwt or self_signed_tls_client_auth", where, c.ID, c.AuthMethod)
		}
		if (c.AuthMethod == "self_signed_tls_client_auth") != (c.TLSCertSHA256 != "") {
			return fmt.Errorf("%s (%s): self_signed_tls_client_auth and tls_client_certificate_sha256 go together", where, c.ID)
		}
		switch c.AssertionAud {
		case "", "issuer", "token-endpoint":
		default:
			return fmt.Errorf("%s (%s): assertion_audience: %q is not issuer or token-endpoint", where, c.ID, c.AssertionAud)
		}
		client := Client{ID: c.ID, Secret: c.Secret, RedirectURIs: c.RedirectURIs, SkipConsent: c.SkipConsent, AuthMethod: c.AuthMethod,
			AssertionAudience: c.AssertionAud, TLSCertThumbprint: c.TLSCertSHA256}
		if c.JWKS != nil {
			raw, err := json.Marshal(jsonable(c.JWKS))
			var set jose.JSONWebKeySet
			if err == nil {
				err = json.Unmarshal(raw, &set)
			}
			if err != nil || len(set.Keys) == 0 {
				return fmt.Errorf("%s (%s): jwks: not a JWKS with keys (%v)", where, c.ID, err)
			}
			for _, k := range set.Keys {
				if !k.IsPublic() {
					return fmt.Errorf("%s (%s): jwks: key %q is private: register the public JWKS only", where, c.ID, k.KeyID)
				}
			}
			client.JWKS = &set
		}
		cfg.Clients = append(cfg.Clients, client)
	}
	for i, u := range f.Users {
		if u.Sub == "" {
			return fmt.Errorf("%s: users[%d]: sub is missing", path, i)
		}
		for _, reserved := range []string{"iss", "sub", "aud", "exp", "iat", "nbf", "nonce", "azp", "at_hash", "auth_time", "sid"} {
			if _, ok := u.Claims[reserved]; ok {
				return fmt.Errorf("%s: users[%d] (%s): claims: %s is set by the issuer", path, i, u.Sub, reserved)
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
			return fmt.Errorf("%s: token_ttl: %q is not a positive duration like 30m", path, f.TokenTTL)
		}
		cfg.TokenTTL = d
	}
	switch f.AccessTokenFormat {
	case "":
	case "jwt", "opaque":
		cfg.AccessTokenFormat = f.AccessTokenFormat
	default:
		return fmt.Errorf("%s: access_token_format: %q is not jwt or opaque", path, f.AccessTokenFormat)
	}
	if f.SigningAlg != "" {
		cfg.SigningAlg = f.SigningAlg
	}
	return nil
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
