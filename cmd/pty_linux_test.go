package cmd

import (
	"bytes"
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

// openPTY returns the controller and the terminal side of a new
// pseudo-terminal.
func openPTY(t *testing.T) (controller, tty *os.File) {
	t.Helper()
	fd, err := unix.Open("/dev/ptmx", unix.O_RDWR|unix.O_NOCTTY|unix.O_CLOEXEC, 0)
	if err != nil {
		t.Skipf("no pseudo-terminals here: %v", err)
	}
	controller = os.NewFile(uintptr(fd), "/dev/ptmx")
	if err := unix.IoctlSetPointerInt(fd, unix.TIOCSPTLCK, 0); err != nil {
		t.Fatalf("unlockpt: %v", err)
	}
	n, err := unix.IoctlGetInt(fd, unix.TIOCGPTN)
	if err != nil {
		t.Fatalf("ptsname: %v", err)
	}
	tty, err = os.OpenFile("/dev/pts/"+strconv.Itoa(n), os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Fatalf("open tty: %v", err)
	}
	return controller, tty
}

// terminalQueries are sequences that ask the terminal something and wait
// for its answer: background and foreground colour, cursor position,
// device attributes, capabilities.
var terminalQueries = []string{"\x1b]11;?", "\x1b]10;?", "\x1b[6n", "\x1b[c", "\x1b[0c", "\x1b[>c", "\x1bP+q", "\x1b[?u", "\x1b[?996n"}

// TestNeverBlocksOnSilentTerminal runs oidc on a pseudo-terminal that never
// answers anything, as multiplexers, `script`, CI and some SSH setups
// behave. lipgloss's adaptive colours would ask for the background colour
// there and wait 5 s for a reply; oidc must send no query at all.
func TestNeverBlocksOnSilentTerminal(t *testing.T) {
	bin, err := exec.LookPath("oidc")
	if err != nil {
		t.Fatalf("oidc not on PATH (TestMain installs it): %v", err)
	}
	cases := []struct {
		name  string
		args  []string
		want  string
		color bool
	}{
		{"decode", []string{"decode", "--time", "2026-11-25T10:30:00Z", "@../decode/testdata/samples/id-token.jwt"}, "alice", true},
		{"broken token", []string{"decode", "not-a-token-at-all!"}, "not a token", true},
		{"help", nil, "Exit codes", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			controller, tty := openPTY(t)
			defer controller.Close()
			c := exec.Command(bin, tc.args...)
			c.Stdin, c.Stdout, c.Stderr = tty, tty, tty
			// A terminal that claims every capability tempts colour
			// detection to ask questions.
			c.Env = append(os.Environ(), "TERM=xterm-256color", "COLORTERM=truecolor", "NO_COLOR=", "CLICOLOR_FORCE=")
			c.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true, Ctty: 0}
			if err := c.Start(); err != nil {
				t.Fatal(err)
			}
			tty.Close()

			var mu sync.Mutex
			var out bytes.Buffer
			readDone := make(chan struct{})
			go func() {
				defer close(readDone)
				buf := make([]byte, 4096)
				for {
					n, err := controller.Read(buf) // read, never answer
					mu.Lock()
					out.Write(buf[:n])
					mu.Unlock()
					if err != nil {
						return
					}
				}
			}()
			exited := make(chan error, 1)
			go func() { exited <- c.Wait() }()
			// A generous bound, below the 5 s that an unanswered query
			// costs: this detects blocking, it is not a speed goal.
			select {
			case <-exited:
			case <-time.After(4 * time.Second):
				c.Process.Kill()
				<-exited
				mu.Lock()
				defer mu.Unlock()
				t.Fatalf("oidc %v still running after 4s on a silent terminal; output so far: %q", tc.args, out.String())
			}
			select {
			case <-readDone:
			case <-time.After(2 * time.Second):
			}
			mu.Lock()
			defer mu.Unlock()
			got := out.String()
			for _, q := range terminalQueries {
				if strings.Contains(got, q) {
					t.Errorf("oidc sent the terminal query %q", q)
				}
			}
			if !strings.Contains(got, tc.want) {
				t.Errorf("output lacks %q: %q", tc.want, got)
			}
			if tc.color && !strings.Contains(got, "\x1b[") {
				t.Errorf("no colour on a terminal: %q", got)
			}
		})
	}
}
