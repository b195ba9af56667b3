package cmd

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
	"github.com/rogpeppe/go-internal/testscript"
)

// kubeAPI is a tiny Kubernetes API server for kubectl: it answers only
// requests whose bearer token is an ID token of $ISSUER for oidc-cli, as
// kube-apiserver with --oidc-issuer-url=$ISSUER --oidc-client-id=oidc-cli
// does, and 401 with a Status otherwise.
type kubeAPI struct {
	issuer   string
	clientID string
	client   *http.Client // to the issuer

	mu      sync.Mutex
	keys    *jose.JSONWebKeySet
	hits    map[string]int // authenticated requests, by path
	refused map[string]int // requests answered 401, by path
	last    string         // the last token accepted
	reason  string         // why the last 401
	log     []string
}

// cmdKubeAPI: a Kubernetes API server checking the issuer's tokens:
//
//	kubeapi start               start it (after op); sets $KUBE_SERVER and $KUBE_CA
//	kubeapi hits PATH N         it answered N authenticated requests for PATH
//	kubeapi refused PATH N [RE] it answered N requests for PATH with 401 (the last
//	                            one for a reason matching RE)
//	kubeapi token FILE          write the last token it accepted
//	kubeapi kubeconfig IN OUT   write IN with $VARS expanded, and $KUBE_EXEC_API set to the
//	                            client.authentication.k8s.io version the kubectl on PATH takes
func cmdKubeAPI(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) == 0 {
		ts.Fatalf("usage: kubeapi start|hits|refused|token|kubeconfig ...")
	}
	st := ts.Value("state").(*scriptState)
	switch args[0] {
	case "start":
		if ts.Getenv("ISSUER") == "" {
			ts.Fatalf("kubeapi start: no $ISSUER (run op first)")
		}
		k := &kubeAPI{issuer: ts.Getenv("ISSUER"), clientID: "oidc-cli", client: &http.Client{Timeout: 10 * time.Second},
			hits: map[string]int{}, refused: map[string]int{}}
		if ca := ts.Getenv("ISSUER_CA"); ca != "" {
			pool := x509.NewCertPool()
			pool.AppendCertsFromPEM([]byte(ts.ReadFile(ca)))
			k.client.Transport = &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}
		}
		srv := httptest.NewTLSServer(k)
		ts.Defer(srv.Close)
		caFile := ts.MkAbs("kube-ca.pem")
		ts.Check(os.WriteFile(caFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}), 0o644))
		ts.Setenv("KUBE_SERVER", srv.URL)
		ts.Setenv("KUBE_CA", caFile)
		st.kube = k
	case "hits", "refused":
		// By path: Google Cloud SDK's kubectl is a dispatcher that asks
		// /version first, to pick the kubectl matching the server.
		if st.kube == nil || len(args) != 3 && (args[0] != "refused" || len(args) != 4) {
			ts.Fatalf("usage: kubeapi hits PATH N, kubeapi refused PATH N [REASON], after kubeapi start")
		}
		st.kube.mu.Lock()
		got := st.kube.hits[args[1]]
		if args[0] == "refused" {
			got = st.kube.refused[args[1]]
		}
		log, reason := strings.Join(st.kube.log, "\n"), st.kube.reason
		st.kube.mu.Unlock()
		if strconv.Itoa(got) != args[2] {
			ts.Logf("kubeapi requests:\n%s", log)
			what := "authenticated requests"
			if args[0] == "refused" {
				what = "requests with 401"
			}
			ts.Fatalf("the API server answered %d %s for %s, want %s", got, what, args[1], args[2])
		}
		if len(args) == 4 && !regexp.MustCompile(args[3]).MatchString(reason) {
			ts.Fatalf("the last 401 was for %q, want a match for %q", reason, args[3])
		}
	case "token":
		if st.kube == nil || len(args) != 2 {
			ts.Fatalf("usage: kubeapi token FILE, after kubeapi start")
		}
		st.kube.mu.Lock()
		last := st.kube.last
		st.kube.mu.Unlock()
		if last == "" {
			ts.Fatalf("the API server accepted no token")
		}
		ts.Check(os.WriteFile(ts.MkAbs(args[1]), []byte(last), 0o644))
	case "kubeconfig":
		if len(args) != 3 {
			ts.Fatalf("usage: kubeapi kubeconfig IN OUT")
		}
		api, version := execAPIVersion(ts)
		ts.Logf("kubectl %s: exec plugins get %s", version, api)
		ts.Setenv("KUBE_EXEC_API", api)
		out := os.Expand(ts.ReadFile(args[1]), ts.Getenv)
		ts.Check(os.WriteFile(ts.MkAbs(args[2]), []byte(out), 0o600))
	default:
		ts.Fatalf("kubeapi: unknown subcommand %s", args[0])
	}
}

// execAPIVersion asks the kubectl on PATH for its version: exec plugins
// get client.authentication.k8s.io/v1 from kubectl 1.22 on, v1beta1
// before (Debian 12's kubernetes-client is 1.20).
func execAPIVersion(ts *testscript.TestScript) (api, version string) {
	cmd := exec.Command("kubectl", "version", "--client", "-o", "json")
	cmd.Env = append(os.Environ(), "HOME="+ts.Getenv("WORK"))
	out, err := cmd.Output()
	if err != nil {
		ts.Fatalf("kubectl version: %v", err)
	}
	var v struct {
		ClientVersion struct {
			Major, Minor, GitVersion string
		} `json:"clientVersion"`
	}
	ts.Check(json.Unmarshal(out, &v))
	major, err1 := strconv.Atoi(v.ClientVersion.Major)
	// Distributions' builds say "32+".
	minor, err2 := strconv.Atoi(strings.TrimRight(v.ClientVersion.Minor, "+"))
	if err1 != nil || err2 != nil {
		ts.Fatalf("kubectl version: cannot read version %q.%q", v.ClientVersion.Major, v.ClientVersion.Minor)
	}
	if major > 1 || major == 1 && minor >= 22 {
		return "client.authentication.k8s.io/v1", v.ClientVersion.GitVersion
	}
	return "client.authentication.k8s.io/v1beta1", v.ClientVersion.GitVersion
}

func (k *kubeAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	token, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	err := errors.New("no bearer token")
	if ok && token != "" {
		err = k.verify(token)
	}
	k.mu.Lock()
	if err != nil {
		k.refused[r.URL.Path]++
		k.reason = err.Error()
		k.log = append(k.log, r.Method+" "+r.URL.RequestURI()+": 401 ("+err.Error()+")")
	} else {
		k.hits[r.URL.Path]++
		k.last = token
		k.log = append(k.log, r.Method+" "+r.URL.RequestURI())
	}
	k.mu.Unlock()
	if err != nil {
		// As kube-apiserver: a Status, the reason kept on the server side.
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusUnauthorized)
		fmt.Fprint(w, `{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"Unauthorized","reason":"Unauthorized","code":401}`)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	switch r.URL.Path {
	case "/version":
		fmt.Fprint(w, `{"major":"1","minor":"32","gitVersion":"v1.32.0-kubeapi","platform":"linux/amd64"}`)
	case "/api":
		fmt.Fprintf(w, `{"kind":"APIVersions","versions":["v1"],"serverAddressByClientCIDRs":[{"clientCIDR":"0.0.0.0/0","serverAddress":%q}]}`, r.Host)
	case "/apis":
		fmt.Fprint(w, `{"kind":"APIGroupList","apiVersion":"v1","groups":[]}`)
	case "/api/v1/namespaces/default/configmaps":
		fmt.Fprint(w, `{"kind":"ConfigMapList","apiVersion":"v1","metadata":{"resourceVersion":"1"},"items":[`+
			`{"metadata":{"name":"oidc-test","namespace":"default"},"data":{"greeting":"hello from kubeapi"}}]}`)
	default:
		w.WriteHeader(http.StatusNotFound)
		fmt.Fprintf(w, `{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":%q,"reason":"NotFound","code":404}`,
			"the server could not find the requested resource "+r.URL.Path)
	}
}

// verify checks token as kube-apiserver's OIDC authenticator does: signed
// by a key of the issuer's jwks_uri with an RSA or ECDSA algorithm, iss
// the issuer, aud holding the client ID, exp present and in the future.
func (k *kubeAPI) verify(token string) error {
	tok, err := jwt.ParseSigned(token, []jose.SignatureAlgorithm{jose.RS256, jose.RS384, jose.RS512,
		jose.PS256, jose.PS384, jose.PS512, jose.ES256, jose.ES384, jose.ES512})
	if err != nil {
		return fmt.Errorf("not a signed JWT: %v", err)
	}
	kid := tok.Headers[0].KeyID
	keys, err := k.keySet(false)
	if err != nil {
		return err
	}
	if kid != "" && len(keys.Key(kid)) == 0 {
		// Unknown key: the issuer may have rotated; fetch once more.
		if keys, err = k.keySet(true); err != nil {
			return err
		}
	}
	var claims jwt.Claims
	verified := false
	for _, key := range keys.Keys {
		if kid != "" && key.KeyID != kid {
			continue
		}
		if tok.Claims(key.Key, &claims) == nil {
			verified = true
			break
		}
	}
	if !verified {
		return errors.New("signature does not verify with the issuer's keys")
	}
	if claims.Expiry == nil {
		return errors.New("no exp")
	}
	return claims.ValidateWithLeeway(jwt.Expected{Issuer: k.issuer, AnyAudience: jwt.Audience{k.clientID}, Time: time.Now()}, 0)
}

// keySet fetches the issuer's keys: discovery, then jwks_uri.
func (k *kubeAPI) keySet(refresh bool) (*jose.JSONWebKeySet, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.keys != nil && !refresh {
		return k.keys, nil
	}
	var disc struct {
		Issuer  string `json:"issuer"`
		JWKSURI string `json:"jwks_uri"`
	}
	if err := k.getJSON(strings.TrimSuffix(k.issuer, "/")+"/.well-known/openid-configuration", &disc); err != nil {
		return nil, err
	}
	if disc.Issuer != k.issuer || disc.JWKSURI == "" {
		return nil, fmt.Errorf("discovery: issuer %q, jwks_uri %q", disc.Issuer, disc.JWKSURI)
	}
	var set jose.JSONWebKeySet
	if err := k.getJSON(disc.JWKSURI, &set); err != nil {
		return nil, err
	}
	k.keys = &set
	return k.keys, nil
}

func (k *kubeAPI) getJSON(url string, v any) error {
	resp, err := k.client.Get(url)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return err
	}
	return json.Unmarshal(data, v)
}
