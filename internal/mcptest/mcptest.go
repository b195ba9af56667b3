// Package mcptest runs the real MCP parts of the end-to-end tests
// (scripts/e2e/mcp): an MCP server built with the official TypeScript SDK
// that is an OAuth protected resource accepting an issuer's bearer tokens
// (server.mjs), and the SDK's own OAuth client, run headlessly against
// such a server (client.mjs).
//
// Without node or the scripts' npm packages the tests skip, saying how to
// get them; under CI (CI set) they fail instead, since .ci/run installs
// both. Node inherits the test's environment: a test of an issuer on TLS
// sets NODE_EXTRA_CA_CERTS to its CA file first.
package mcptest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/oidcdev/oidc/internal/e2e"
)

// Timeouts: how long the server may take to print its URL, and how long
// a client run may take in all (the client gives up by itself after 20s).
const (
	StartTimeout  = 20 * time.Second
	ClientTimeout = 45 * time.Second
)

// maxOutput bounds what is kept of a script's stdout and stderr.
const maxOutput = 1 << 20

// Dir is the scripts' directory in the repository.
func Dir() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..", "scripts", "e2e", "mcp")
}

// node finds node and the scripts' packages, or skips (fails under CI).
func node(t testing.TB) string {
	t.Helper()
	if testing.Short() {
		t.Skip("end-to-end test: skipped with -short")
	}
	path, err := exec.LookPath("node")
	missing := ""
	switch {
	case err != nil:
		missing = "node is not installed"
	case !exists(filepath.Join(Dir(), "node_modules", "@modelcontextprotocol", "sdk", "package.json")):
		missing = "the MCP SDK is not installed: run npm ci --prefix scripts/e2e/mcp"
	}
	if missing != "" {
		e2e.Missing(t, missing, "the MCP SDK on node: apt-get install nodejs npm; npm ci --prefix scripts/e2e/mcp")
	}
	return path
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// Server is a running server.mjs.
type Server struct {
	// URL is its MCP endpoint, http://127.0.0.1:PORT/mcp: also the
	// resource its tokens must name in aud.
	URL string
	// ResourceMetadataURL is where it serves its protected resource
	// metadata (RFC 9728 3.1: the well-known path inserted before /mcp).
	ResourceMetadataURL string
	log                 *boundedBuffer
}

// Log is what the server wrote on stderr so far: a line per request, and
// why it refused each token it refused.
func (s *Server) Log() string { return s.log.String() }

// StartServer runs server.mjs for the test, trusting tokens of issuer;
// args go to the script (--scope "s1 s2" requires those scopes). It
// stops when the test ends.
func StartServer(t testing.TB, issuer string, args ...string) *Server {
	t.Helper()
	nodePath := node(t)
	cmd := exec.Command(nodePath, append([]string{"server.mjs", "--issuer", issuer}, args...)...)
	cmd.Dir = Dir()
	stdin, err := cmd.StdinPipe() // the server exits when this closes
	if err != nil {
		t.Fatal(err)
	}
	logs := &boundedBuffer{max: maxOutput}
	cmd.Stderr = logs
	first := &firstLine{ready: make(chan string, 1)}
	cmd.Stdout = first
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting the MCP server: %v", err)
	}
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	t.Cleanup(func() {
		stdin.Close()
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(5 * time.Second):
			_ = cmd.Process.Kill()
			<-exited
		}
	})
	select {
	case u := <-first.ready:
		if !strings.HasPrefix(u, "http://127.0.0.1:") || !strings.HasSuffix(u, "/mcp") {
			t.Fatalf("the MCP server did not start: %q\n%s", u, logs.String())
		}
		origin := strings.TrimSuffix(u, "/mcp")
		return &Server{URL: u, ResourceMetadataURL: origin + "/.well-known/oauth-protected-resource/mcp", log: logs}
	case <-exited:
		t.Fatalf("the MCP server exited before it printed its URL: %v\n%s", cmd.ProcessState, logs.String())
	case <-time.After(StartTimeout):
		t.Fatalf("the MCP server printed no URL in %v\n%s", StartTimeout, logs.String())
	}
	return nil
}

// RunClient runs client.mjs against the MCP server at mcpURL, with args
// (--client-id ID, --client-secret S, --scope S, --tool whoami|echo), and
// returns its stdout (one JSON object: see Summary), its stderr, and
// whether it failed. It is killed after ClientTimeout.
func RunClient(t testing.TB, mcpURL string, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	nodePath := node(t)
	ctx, cancel := context.WithTimeout(context.Background(), ClientTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, nodePath, append([]string{"client.mjs", mcpURL}, args...)...)
	cmd.Dir = Dir()
	cmd.WaitDelay = 2 * time.Second
	out, errs := &boundedBuffer{max: maxOutput}, &boundedBuffer{max: maxOutput}
	cmd.Stdout, cmd.Stderr = out, errs
	err = cmd.Run()
	if ctx.Err() != nil {
		err = fmt.Errorf("client.mjs did not finish in %v: %w", ClientTimeout, err)
	}
	return out.String(), errs.String(), err
}

// Summary is what client.mjs prints.
type Summary struct {
	// Authorizations counts the logins: 1, and 2 after a step-up.
	Authorizations int       `json:"authorizations"`
	MCPURL         string    `json:"mcp_url"`
	Error          string    `json:"error"` // the SDK's (or the user agent's) error, when it failed
	Requests       []Request `json:"requests"`
	Client         *struct {
		Preregistered bool           `json:"preregistered"`
		ClientID      string         `json:"client_id"`
		Registration  map[string]any `json:"registration"` // the RFC 7591 response, when the SDK registered
	} `json:"client"`
	Discovery *struct {
		AuthorizationServer         string         `json:"authorization_server"`
		ResourceMetadata            map[string]any `json:"resource_metadata"`
		AuthorizationServerMetadata map[string]any `json:"authorization_server_metadata"`
	} `json:"discovery"`
	// AuthorizationRequest is the query of the authorization URL the SDK
	// built (without code_challenge), and its endpoint.
	AuthorizationRequest  map[string]string `json:"authorization_request"`
	AuthorizationResponse map[string]string `json:"authorization_response"` // code redacted
	Token                 *struct {
		TokenType    string `json:"token_type"`
		Scope        string `json:"scope"`
		ExpiresIn    int    `json:"expires_in"`
		RefreshToken bool   `json:"refresh_token"`
		Opaque       bool   `json:"opaque"`
		Claims       *struct {
			Iss      string `json:"iss"`
			Sub      string `json:"sub"`
			Aud      any    `json:"aud"`
			ClientID string `json:"client_id"`
			Scope    string `json:"scope"`
		} `json:"claims"` // decoded, not verified
	} `json:"token"`
	Tools []string `json:"tools"`
	Tool  *struct {
		Name       string           `json:"name"`
		IsError    bool             `json:"is_error"`
		Content    []map[string]any `json:"content"`
		Structured map[string]any   `json:"structured"`
	} `json:"tool"`
}

// Request is one HTTP request the client made: by the SDK ("sdk") or by
// its user agent following the authorization redirects ("browser").
type Request struct {
	By              string `json:"by"`
	Method          string `json:"method"`
	URL             string `json:"url"`
	Status          int    `json:"status"` // 0: no response (Error says why)
	WWWAuthenticate string `json:"www_authenticate"`
	Location        string `json:"location"`
	Error           string `json:"error"`
}

// ParseSummary reads client.mjs's stdout.
func ParseSummary(stdout string) (*Summary, error) {
	var s Summary
	if err := json.Unmarshal([]byte(stdout), &s); err != nil {
		return nil, fmt.Errorf("client.mjs printed no summary (%v): %q", err, stdout)
	}
	return &s, nil
}

// firstLine passes on the first line written to it, and drops the rest.
type firstLine struct {
	mu    sync.Mutex
	line  []byte
	done  bool
	ready chan string
}

func (f *firstLine) Write(p []byte) (int, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.done {
		return len(p), nil
	}
	if i := bytes.IndexByte(p, '\n'); i >= 0 {
		f.line = append(f.line, p[:i]...)
		f.done = true
		f.ready <- strings.TrimSpace(string(f.line))
	} else if len(f.line) < 4096 {
		f.line = append(f.line, p...)
	}
	return len(p), nil
}

// boundedBuffer keeps the first max bytes written to it, and says how
// much more it dropped.
type boundedBuffer struct {
	mu      sync.Mutex
	buf     bytes.Buffer
	max     int
	dropped int
}

func (b *boundedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	room := b.max - b.buf.Len()
	if room < len(p) {
		if room > 0 {
			b.buf.Write(p[:room])
		}
		b.dropped += len(p) - max(room, 0)
		return len(p), nil
	}
	b.buf.Write(p)
	return len(p), nil
}

func (b *boundedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.dropped > 0 {
		return fmt.Sprintf("%s\n[%d more bytes dropped]", b.buf.String(), b.dropped)
	}
	return b.buf.String()
}
