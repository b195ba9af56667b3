//go:build unix

package cmd

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// oidcBinary is the oidc on PATH, which TestMain installs: these tests
// need the program as scripts run it, in processes of its own.
func oidcBinary(t *testing.T) string {
	t.Helper()
	bin, err := exec.LookPath("oidc")
	if err != nil {
		t.Fatalf("oidc not on PATH (TestMain installs it): %v", err)
	}
	return bin
}

// readmeRecipe is the line README.md gives scripts to start oidc serve.
func readmeRecipe(t *testing.T) string {
	t.Helper()
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(readme), "\n") {
		if strings.HasPrefix(line, `eval "$(oidc serve --background`) {
			return line
		}
	}
	t.Fatal(`README.md has no line starting eval "$(oidc serve --background`)
	return ""
}

// TestServeBackgroundREADMERecipe runs README's recipe as written, in bash,
// and checks that it returns at once, leaves a working server holding
// none of the script's pipes, and that kill $OIDC_SERVE_PID stops it.
func TestServeBackgroundREADMERecipe(t *testing.T) {
	oidcBinary(t)
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Skip("bash is not installed")
	}
	recipe := readmeRecipe(t)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	c := exec.CommandContext(ctx, bash, "-c", recipe+"\n"+`printf '%s\n' "$OIDC_ISSUER" "$OIDC_SERVE_PID" "$OIDC_SERVE_LOG"`)
	var out, errOut bytes.Buffer
	// Run waits for the end of stdout and stderr: a server holding them
	// would make it wait (up to WaitDelay), as $(...) would.
	c.Stdout, c.Stderr = &out, &errOut
	c.WaitDelay = 2 * time.Second
	// A descriptor beyond stderr, as test harnesses (bats' fd 3) pass on:
	// the server must not keep it open either.
	fd3r, fd3w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer fd3r.Close()
	c.ExtraFiles = []*os.File{fd3w}
	start := time.Now()
	err = c.Run()
	took := time.Since(start)
	fd3w.Close()
	lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	if len(lines) == 3 {
		if pid, _ := strconv.Atoi(lines[1]); pid > 0 {
			t.Cleanup(func() { _ = syscall.Kill(pid, syscall.SIGKILL) })
		}
	}
	if err != nil || len(lines) != 3 {
		t.Fatalf("bash -c %q: %v after %s\nstdout %q\nstderr %q", recipe, err, took, out.String(), errOut.String())
	}
	t.Logf("%s returned in %s", recipe, took)
	if errOut.Len() != 0 {
		t.Errorf("stderr: %q", errOut.String())
	}
	iss, log := lines[0], lines[2]
	pid, err := strconv.Atoi(lines[1])
	if err != nil || !strings.HasPrefix(iss, "http://127.0.0.1:") {
		t.Fatalf("OIDC_ISSUER=%q OIDC_SERVE_PID=%q", iss, lines[1])
	}
	_ = fd3r.SetReadDeadline(time.Now().Add(2 * time.Second))
	if _, err := fd3r.Read(make([]byte, 1)); err != io.EOF {
		t.Errorf("fd 3 still open after the script ended: %v", err)
	}
	// Its own session: the caller's Ctrl-C and hang-up do not reach it.
	if sid, err := unix.Getsid(pid); err != nil || sid != pid {
		t.Errorf("session %d (%v), want %d", sid, err, pid)
	}

	resp, err := http.Get(iss + "/.well-known/openid-configuration")
	if err != nil {
		t.Fatal(err)
	}
	var disc struct{ Issuer string }
	err = json.NewDecoder(resp.Body).Decode(&disc)
	resp.Body.Close()
	if err != nil || resp.StatusCode != 200 || disc.Issuer != iss {
		t.Fatalf("discovery: %d, issuer %q (%v)", resp.StatusCode, disc.Issuer, err)
	}
	if b, _ := os.ReadFile(log); !strings.HasPrefix(string(b), "OIDC_ISSUER="+iss+"\n") || !strings.Contains(string(b), "GET /.well-known/openid-configuration 200") {
		t.Errorf("log %s:\n%s", log, b)
	}
	os.Remove(log)

	if err := syscall.Kill(pid, syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	waitGone(t, pid)
	u, _ := url.Parse(iss)
	if conn, err := net.DialTimeout("tcp", u.Host, time.Second); err == nil {
		conn.Close()
		t.Errorf("%s still accepts connections after kill", u.Host)
	}
}

// waitGone waits for pid to exit. Nobody may reap it (it was orphaned),
// so a zombie counts as gone.
func waitGone(t *testing.T, pid int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		if err := syscall.Kill(pid, 0); errors.Is(err, syscall.ESRCH) {
			return
		}
		if stat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat"); err == nil {
			if i := bytes.LastIndexByte(stat, ')'); i > 0 && bytes.HasPrefix(stat[i+1:], []byte(" Z")) {
				return
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("process %d still running 5s after SIGTERM", pid)
}

// TestServeBackgroundFails: a server that cannot start makes --background
// fail at once with the server's own error and exit code, nothing on
// stdout and no log file left behind.
func TestServeBackgroundFails(t *testing.T) {
	bin := oidcBinary(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	port := strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"--port", port}, ExitNetwork, "oidc: cannot listen on 127.0.0.1:" + port},
		{[]string{"--fault", "gremlins"}, ExitUsage, `oidc: --fault: unknown fault "gremlins"`},
		{[]string{"--log-file", "/nonexistent/serve.log"}, ExitUsage, "oidc: --log-file: open /nonexistent/serve.log"},
		{[]string{"--background=maybe"}, ExitUsage, `invalid argument "maybe" for "--background"`},
	} {
		tmp := t.TempDir()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		c := exec.CommandContext(ctx, bin, append([]string{"serve", "--background"}, tc.args...)...)
		c.Env = append(os.Environ(), "TMPDIR="+tmp)
		var out, errOut bytes.Buffer
		c.Stdout, c.Stderr = &out, &errOut
		err := c.Run()
		cancel()
		code := -1
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			code = ee.ExitCode()
		}
		if code != tc.code || out.Len() != 0 || !strings.Contains(errOut.String(), tc.want) {
			t.Errorf("%v: %v, stdout %q, stderr %q; want exit %d and %q", tc.args, err, out.String(), errOut.String(), tc.code, tc.want)
		}
		if left, _ := os.ReadDir(tmp); len(left) != 0 {
			t.Errorf("%v: left %s in $TMPDIR", tc.args, left[0].Name())
		}
	}
}

// TestServeSurvivesClosedPipe: a foreground server whose output reader
// goes away after the first line (oidc serve 2>&1 | head -1) keeps
// serving; before, its next log line killed it with SIGPIPE.
func TestServeSurvivesClosedPipe(t *testing.T) {
	bin := oidcBinary(t)
	for _, tc := range []struct {
		name   string
		stderr bool // stderr goes to the same closed pipe
	}{{"stdout | head -1", false}, {"2>&1 | head -1", true}} {
		t.Run(tc.name, func(t *testing.T) {
			r, w, err := os.Pipe()
			if err != nil {
				t.Fatal(err)
			}
			c := exec.Command(bin, "serve", "--port", "0", "--auto-approve")
			var errOut syncBuffer
			c.Stdout, c.Stderr = w, &errOut
			if tc.stderr {
				c.Stderr = w
			}
			if err := c.Start(); err != nil {
				t.Fatal(err)
			}
			w.Close()
			exited := make(chan error, 1)
			go func() { exited <- c.Wait() }()
			t.Cleanup(func() { _ = c.Process.Kill() })
			// head -1: one line, then the reader is gone.
			_ = r.SetReadDeadline(time.Now().Add(10 * time.Second))
			line, err := bufio.NewReader(r).ReadString('\n')
			r.Close()
			iss, ok := strings.CutPrefix(strings.TrimSpace(line), "OIDC_ISSUER=")
			if err != nil || !ok {
				t.Fatalf("first line %q: %v", line, err)
			}
			// Each request logs a line: to the closed pipe with 2>&1.
			for i := range 3 {
				resp, err := http.Get(iss + "/.well-known/openid-configuration")
				if err != nil {
					t.Fatalf("request %d after the reader left: %v", i+1, err)
				}
				resp.Body.Close()
			}
			if err := c.Process.Signal(syscall.SIGTERM); err != nil {
				t.Fatal(err)
			}
			select {
			case err := <-exited:
				if err != nil {
					t.Fatalf("oidc serve ended with %v, want exit 0 on SIGTERM", err)
				}
			case <-time.After(5 * time.Second):
				t.Fatal("oidc serve did not stop on SIGTERM")
			}
			// Wait has copied all of stderr: a line per request.
			if !tc.stderr && strings.Count(errOut.String(), "GET /.well-known/openid-configuration 200") != 3 {
				t.Errorf("stderr: %q", errOut.String())
			}
		})
	}
}
