package render

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"
)

// oidc token's output formats.
const (
	TokenBare       = "token"
	TokenHeader     = "header"
	TokenEnv        = "env"
	TokenJSON       = "json"
	TokenKubernetes = "kubernetes"
	TokenGit        = "git"
)

// TokenOut is the token `oidc token` hands out; its JSON is the
// documented `oidc token --json` schema.
type TokenOut struct {
	Token     string    `json:"token"`
	Type      string    `json:"token_type,omitempty"`
	Kind      string    `json:"kind"` // access_token or id_token
	Expiry    time.Time `json:"-"`
	ExpiresAt *string   `json:"expires_at"` // RFC 3339; null: the issuer did not say
	ExpiresIn *int64    `json:"expires_in"` // seconds from now
	Scope     string    `json:"scope,omitempty"`
	Profile   string    `json:"profile,omitempty"`
	Issuer    string    `json:"issuer"`
	ClientID  string    `json:"client_id"`
	// Source is cache, refresh, login, or the cache after another oidc
	// refreshed.
	Source    string `json:"source"`
	CacheFile string `json:"cache_file"`
}

// TokenOutOptions say where the token goes.
type TokenOutOptions struct {
	TTY  bool // stdout is a terminal: end the bare token with a newline
	JQ   *JQ
	Exec *ExecInfo
	Git  *GitRequest
}

// ExecInfo is what kubectl tells an exec credential plugin
// ($KUBERNETES_EXEC_INFO). Given: kubectl said whether it is interactive
// (kubectl before 1.22 says nothing: then the terminals decide).
type ExecInfo struct {
	APIVersion  string
	Interactive bool
	Given       bool
}

// Kubernetes client authentication API versions an ExecCredential can be
// in: kubectl asks for one of them.
var execAPIVersions = []string{"client.authentication.k8s.io/v1", "client.authentication.k8s.io/v1beta1"}

// ParseExecInfo reads $KUBERNETES_EXEC_INFO; empty is v1, not
// interactive (run by hand).
func ParseExecInfo(env string) (*ExecInfo, error) {
	info := &ExecInfo{APIVersion: execAPIVersions[0]}
	if strings.TrimSpace(env) == "" {
		return info, nil
	}
	var v struct {
		APIVersion string `json:"apiVersion"`
		Spec       struct {
			Interactive *bool `json:"interactive"`
		} `json:"spec"`
	}
	if err := json.Unmarshal([]byte(env), &v); err != nil {
		return nil, fmt.Errorf("not JSON: %v", err)
	}
	if !slices.Contains(execAPIVersions, v.APIVersion) {
		return nil, fmt.Errorf("apiVersion %q: oidc speaks %s", v.APIVersion, strings.Join(execAPIVersions, " and "))
	}
	info.APIVersion = v.APIVersion
	if v.Spec.Interactive != nil {
		info.Interactive, info.Given = *v.Spec.Interactive, true
	}
	return info, nil
}

// GitRequest is what git asked its credential helper.
type GitRequest struct {
	Capabilities []string
	Attrs        [][2]string
}

// Refused says why a token must not go to what git asks about: plain
// http to a host that is not loopback ("" when it may).
func (g *GitRequest) Refused() string {
	proto, host := g.attr("protocol"), g.attr("host")
	if proto == "" || proto == "https" {
		return ""
	}
	h := host
	if i := strings.LastIndexByte(h, ':'); i > 0 && !strings.HasSuffix(h, "]") {
		h = h[:i]
	}
	h = strings.Trim(h, "[]")
	if proto == "http" && (h == "localhost" || h == "127.0.0.1" || h == "::1") {
		return ""
	}
	return "oidc token: no token for " + proto + "://" + host + ": only https (or loopback http) gets one"
}

func (g *GitRequest) attr(name string) string {
	for _, kv := range g.Attrs {
		if kv[0] == name {
			return kv[1]
		}
	}
	return ""
}

// Token writes the token in a format. now is for expires_in.
func Token(w io.Writer, format string, t TokenOut, o TokenOutOptions) error {
	if !t.Expiry.IsZero() {
		at := t.Expiry.UTC().Format(time.RFC3339)
		in := int64(time.Until(t.Expiry).Seconds())
		t.ExpiresAt, t.ExpiresIn = &at, &in
	}
	typ := t.Type
	if typ == "" || strings.EqualFold(typ, "bearer") {
		typ = "Bearer" // RFC 6750's spelling; issuers send bearer too
	}
	bw := bufio.NewWriter(w)
	switch format {
	case TokenJSON:
		jw := NewJSONWriter(w, o.JQ, o.TTY)
		if err := jw.Write(context.Background(), t); err != nil {
			return err
		}
		return jw.Flush()
	case TokenHeader:
		fmt.Fprintf(bw, "Authorization: %s %s\n", typ, t.Token)
	case TokenEnv:
		name := "OIDC_ACCESS_TOKEN"
		if t.Kind == "id_token" {
			name = "OIDC_ID_TOKEN"
		}
		fmt.Fprintf(bw, "export %s=%s\n", name, shellQuote(t.Token))
		if t.Kind != "id_token" {
			fmt.Fprintf(bw, "export OIDC_TOKEN_TYPE=%s\n", shellQuote(typ))
		}
		if t.ExpiresAt != nil {
			fmt.Fprintf(bw, "export OIDC_TOKEN_EXPIRY=%s\n", shellQuote(*t.ExpiresAt))
		}
	case TokenKubernetes:
		cred := map[string]any{"kind": "ExecCredential", "apiVersion": o.Exec.APIVersion,
			"spec":   map[string]any{"interactive": o.Exec.Interactive},
			"status": map[string]any{"token": t.Token}}
		if t.ExpiresAt != nil {
			cred["status"].(map[string]any)["expirationTimestamp"] = *t.ExpiresAt
		}
		data, err := json.Marshal(cred)
		if err != nil {
			return err
		}
		bw.Write(append(data, '\n'))
	case TokenGit:
		// git 2.46 and later take a bearer credential when they say so;
		// before that a token goes as the password of any user name.
		if slices.Contains(o.Git.Capabilities, "authtype") {
			fmt.Fprintf(bw, "capability[]=authtype\nauthtype=%s\ncredential=%s\nephemeral=true\n", typ, t.Token)
		} else {
			user := o.Git.attr("username")
			if user == "" {
				user = "oauth2"
			}
			fmt.Fprintf(bw, "username=%s\npassword=%s\n", user, t.Token)
		}
		if !t.Expiry.IsZero() {
			fmt.Fprintf(bw, "password_expiry_utc=%d\n", t.Expiry.Unix())
		}
	default:
		bw.WriteString(t.Token)
		if o.TTY {
			bw.WriteByte('\n')
		}
	}
	return bw.Flush()
}

// shellQuote quotes s for sh: single quotes, with any inside escaped.
func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
