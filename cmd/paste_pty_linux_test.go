package cmd

import (
	"bytes"
	"encoding/base64"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// ptyRun is oidc on a pseudo-terminal: stdin, stdout and stderr.
type ptyRun struct {
	t          *testing.T
	controller *os.File
	mu         sync.Mutex
	out        bytes.Buffer
	exited     chan error
}

func startOnPTY(t *testing.T, args ...string) *ptyRun {
	t.Helper()
	return startOnPTYSized(t, 0, args...)
}

// startOnPTYSized is startOnPTY on a terminal of cols columns (0: the
// pseudo-terminal's own size), which oidc learns as a program does, from
// the terminal, not $COLUMNS.
func startOnPTYSized(t *testing.T, cols int, args ...string) *ptyRun {
	t.Helper()
	bin, err := exec.LookPath("oidc")
	if err != nil {
		t.Fatalf("oidc not on PATH (TestMain installs it): %v", err)
	}
	controller, tty := openPTY(t)
	t.Cleanup(func() { controller.Close() })
	if cols > 0 {
		if err := unix.IoctlSetWinsize(int(tty.Fd()), unix.TIOCSWINSZ, &unix.Winsize{Row: 40, Col: uint16(cols)}); err != nil {
			t.Fatalf("window size: %v", err)
		}
	}
	c := exec.Command(bin, args...)
	c.Stdin, c.Stdout, c.Stderr = tty, tty, tty
	c.Env = append(os.Environ(), "TERM=dumb", "COLUMNS=")
	c.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true, Ctty: 0}
	if err := c.Start(); err != nil {
		t.Fatal(err)
	}
	tty.Close()
	r := &ptyRun{t: t, controller: controller, exited: make(chan error, 1)}
	go func() {
		buf := make([]byte, 4096)
		for {
			n, err := controller.Read(buf)
			r.mu.Lock()
			r.out.Write(buf[:n])
			r.mu.Unlock()
			if err != nil {
				return
			}
		}
	}()
	go func() { r.exited <- c.Wait() }()
	t.Cleanup(func() {
		select {
		case <-r.exited:
		default:
			c.Process.Kill()
		}
	})
	return r
}

func (r *ptyRun) output() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return strings.ReplaceAll(r.out.String(), "\r\n", "\n")
}

// waitRaw waits until oidc has put the terminal in raw mode: what is
// written then reaches it byte by byte.
func (r *ptyRun) waitRaw() {
	r.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		tio, err := unix.IoctlGetTermios(int(r.controller.Fd()), unix.TCGETS)
		if err == nil && tio.Lflag&unix.ICANON == 0 {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	r.t.Fatalf("the terminal never went raw; output:\n%s", r.output())
}

func (r *ptyRun) wait() (int, string) {
	r.t.Helper()
	select {
	case err := <-r.exited:
		time.Sleep(100 * time.Millisecond) // the last of the output
		code := 0
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
		}
		return code, r.output()
	case <-time.After(15 * time.Second):
		r.t.Fatalf("oidc still running; output:\n%s", r.output())
	}
	return 0, ""
}

// TestPasteToken: oidc decode with no token on a terminal reads one
// pasted there: longer than a terminal line (4 KiB), wrapped over lines,
// or cancelled.
func TestPasteToken(t *testing.T) {
	data, err := os.ReadFile("../decode/testdata/samples/id-token.jwt")
	if err != nil {
		t.Fatal(err)
	}
	idToken := strings.TrimSpace(string(data))
	long := "eyJhbGciOiJub25lIn0." + base64.RawURLEncoding.EncodeToString([]byte(`{"sub":"alice","pad":"`+strings.Repeat("x", 6000)+`"}`)) + "."
	wrapped, lines := "", 0
	for s := idToken; s != ""; lines++ {
		n := min(76, len(s))
		wrapped += s[:n] + "\r\n"
		s = s[n:]
	}
	for _, tc := range []struct {
		name, args, paste string
		code              int
		want, notWant     []string
	}{
		{"one line", "decode --time 2026-11-25T10:30:00Z", idToken + "\r", 0,
			[]string{"paste the token, then press Enter", "OpenID Connect ID token", "alice"}, []string{"joined"}},
		{"dash", "decode - --jq .payload.sub", idToken + "\r", 0, []string{"alice"}, nil},
		{"longer than a terminal line", "decode --jq .header.alg", long + "\r", 0, []string{"\nnone\n"}, nil},
		{"wrapped over lines", "decode --jq .payload.sub", wrapped, 0,
			[]string{"joined " + strconv.Itoa(lines) + " lines into one token", "\nalice\n"}, nil},
		{"two tokens", "decode --jq .payload.sub", idToken + "\r" + idToken + "\r", 0,
			[]string{"only the first token pasted is read", "\nalice\n"}, nil},
		{"Ctrl-C", "decode", "eyJhbG\x03", ExitInterrupted, []string{"interrupted"}, []string{"eyJhbG"}},
		{"nothing", "decode", "\r\x04", ExitUsage, []string{"nothing was pasted"}, nil},
		{"verify", "verify --jwks @../decode/testdata/samples/jwks.json --issuer https://login.example.com --client-id oidc-cli --time 2026-11-25T10:30:00Z -q", wrapped, 0,
			[]string{"paste the token, then press Enter", "joined " + strconv.Itoa(lines) + " lines into one token", "VALID"}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := startOnPTY(t, strings.Fields(tc.args)...)
			r.waitRaw()
			if _, err := r.controller.Write([]byte(tc.paste)); err != nil {
				t.Fatal(err)
			}
			code, out := r.wait()
			if code != tc.code {
				t.Errorf("exit %d, want %d; output:\n%s", code, tc.code, out)
			}
			checkOutput(t, out, tc.want, tc.notWant)
		})
	}
}
