package cmd

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/oidcdev/oidc/decode"
)

// detachedEnv marks the child of `oidc serve --background`: once ready it
// points its stdout and stderr at the log.
const detachedEnv = "OIDC_SERVE_DETACHED"

// backgroundReadyTimeout bounds the wait for the child's first line: a
// script must fail, not hang. Startup takes tens of milliseconds.
const backgroundReadyTimeout = 10 * time.Second

// forwardedServeFlags are the flags a --background child is given again,
// as they were given; --fault, repeatable, is added on its own.
var forwardedServeFlags = []string{"port", "addr", "public-url", "allow-remote", "auto-approve", "tls", "ca-out",
	"signing-alg", "access-token-format", "token-ttl", "device-interval", "config", "keys"}

// runServeBackground starts the same binary as `oidc serve` with the same
// flags in a session of its own (the caller's Ctrl-C and hang-up do not
// reach it), stdin /dev/null and the log in a file, so nothing ties it to
// the caller's terminal or pipes. It returns once the child has printed its
// issuer, or has failed, printing shell assignments for eval.
func runServeBackground(ctx context.Context, opts *ServeOptions, io *IO) error {
	if !canDetach {
		return usageError("--background is not available on %s: start oidc serve in a window of its own", runtime.GOOS)
	}
	logPath, created, err := backgroundLogFile(opts.LogFile)
	if err != nil {
		return err
	}
	removeLog := func() {
		if created {
			os.Remove(logPath)
		}
	}
	exe, err := os.Executable()
	if err != nil {
		removeLog()
		return &ExitError{Code: ExitNetwork, Err: fmt.Errorf("--background: cannot find this program to start it again: %v", err)}
	}
	args := append(serveChildArgs(opts), "--log-file="+logPath)
	caPath := filePath(opts.CAOut)
	if opts.TLS && caPath == "" {
		// The parent says where the certificate goes, to tell the caller.
		f, err := os.CreateTemp("", "oidc-serve-ca-*.pem")
		if err != nil {
			removeLog()
			return usageError("--ca-out: %v", err)
		}
		caPath = f.Name()
		f.Close()
		args = append(args, "--ca-out="+caPath)
	}
	child := exec.Command(exe, args...)
	// The name it was started by: a multi-call binary (the tests' one) needs it.
	child.Args[0] = os.Args[0]
	child.Env = append(os.Environ(), detachedEnv+"=1")
	child.SysProcAttr = detachedProcAttr()
	stdout, err := child.StdoutPipe()
	if err != nil {
		removeLog()
		return &ExitError{Code: ExitNetwork, Err: err}
	}
	stderr, err := child.StderrPipe()
	if err != nil {
		removeLog()
		return &ExitError{Code: ExitNetwork, Err: err}
	}
	// Descriptors this process inherited (a test harness's fd 3, a pipe a
	// caller waits on) must not live on in the server.
	closeInheritedOnExec()
	if err := child.Start(); err != nil {
		removeLog()
		return &ExitError{Code: ExitNetwork, Err: fmt.Errorf("--background: cannot start the server: %v", err)}
	}

	// Both pipes end when the child is ready (it points them at the log)
	// or when it exits.
	var out, errOut bytes.Buffer
	read := make(chan struct{})
	go func() {
		var wg sync.WaitGroup
		wg.Add(2)
		go func() { defer wg.Done(); copyAtMost(&out, stdout) }()
		go func() { defer wg.Done(); copyAtMost(&errOut, stderr) }()
		wg.Wait()
		close(read)
	}()
	stop := func() {
		_ = child.Process.Kill()
		_ = child.Wait()
		removeLog()
	}
	timer := time.NewTimer(backgroundReadyTimeout)
	defer timer.Stop()
	select {
	case <-read:
	case <-timer.C:
		stop()
		_, _ = io.Err.Write(errOut.Bytes())
		return &ExitError{Code: ExitNetwork, Err: fmt.Errorf("--background: the server was not ready after %s", decode.Ago(backgroundReadyTimeout))}
	case <-ctx.Done():
		stop()
		return ctx.Err()
	}

	// Warnings (a non-loopback --addr), or why it failed.
	_, _ = io.Err.Write(errOut.Bytes())
	first, _, _ := strings.Cut(out.String(), "\n")
	issuer, ok := strings.CutPrefix(first, "OIDC_ISSUER=")
	if !ok {
		err := waitAtMost(child, 5*time.Second)
		removeLog()
		code := ExitNetwork
		var ee *exec.ExitError
		if errors.As(err, &ee) && (ee.ExitCode() == ExitUsage || ee.ExitCode() == ExitNetwork) {
			code = ee.ExitCode()
		}
		if errOut.Len() > 0 {
			return &ExitError{Code: code, Silent: true}
		}
		return &ExitError{Code: code, Err: fmt.Errorf("--background: the server ended before it was ready (%v)", err)}
	}
	pid := child.Process.Pid
	_ = child.Process.Release()
	if _, err := fmt.Fprintf(io.Out, "OIDC_ISSUER=%s\nOIDC_SERVE_PID=%d\nOIDC_SERVE_LOG=%s\n",
		shellQuote(issuer), pid, shellQuote(logPath)); err != nil {
		return outputError(err)
	}
	if opts.TLS {
		if _, err := fmt.Fprintf(io.Out, "OIDC_SERVE_CA=%s\n", shellQuote(caPath)); err != nil {
			return outputError(err)
		}
	}
	return nil
}

// serveChildArgs are the arguments of the --background child: serve and
// the flags given, but --background and --log-file.
func serveChildArgs(opts *ServeOptions) []string {
	args := []string{"serve"}
	fs := opts.cmd.Flags()
	for _, name := range forwardedServeFlags {
		if fs.Changed(name) {
			args = append(args, "--"+name+"="+fs.Lookup(name).Value.String())
		}
	}
	for _, f := range opts.Faults {
		args = append(args, "--fault="+f)
	}
	return args
}

// backgroundLogFile is the log a --background server appends to: the one
// given, made absolute, or a new file in the temporary directory.
func backgroundLogFile(given string) (path string, created bool, err error) {
	if given != "" {
		abs, err := filepath.Abs(given)
		if err != nil {
			return "", false, usageError("--log-file: %v", err)
		}
		return abs, false, nil
	}
	f, err := os.CreateTemp("", "oidc-serve-*.log")
	if err != nil {
		return "", false, usageError("--background: cannot create a log file (give --log-file): %v", err)
	}
	f.Close()
	return f.Name(), true, nil
}

// copyAtMost reads r to its end, keeping the first 64 KiB: the child must
// never block on a full pipe.
func copyAtMost(dst *bytes.Buffer, r io.Reader) {
	_, _ = io.Copy(dst, io.LimitReader(r, 64<<10))
	_, _ = io.Copy(io.Discard, r)
}

// waitAtMost waits for a child whose pipes have ended, killing it if it
// does not exit in d.
func waitAtMost(c *exec.Cmd, d time.Duration) error {
	done := make(chan error, 1)
	go func() { done <- c.Wait() }()
	select {
	case err := <-done:
		return err
	case <-time.After(d):
		_ = c.Process.Kill()
		return <-done
	}
}

// shellQuote quotes s for a POSIX shell when it needs it: URLs and paths
// usually do not, and then the line is also a plain NAME=value line for
// env files ($GITHUB_ENV, docker --env-file).
func shellQuote(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789@%+=:,./_-") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
