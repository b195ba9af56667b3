package cmd

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"
)

// Arguments and flag values are read by one rule everywhere:
//   - a flag that takes a value (a secret, a key set, a token) takes it
//     literally, or from a file as @FILE;
//   - a flag that names a file (--key, --ca-file, --trace-file) takes its
//     path; a leading @ is accepted too, so @FILE never surprises;
//   - - is stdin where a token is read.

// MaxInput bounds what is read from stdin or a file: far above any real
// token, low enough that a mistaken `oidc decode < /dev/zero` ends.
const MaxInput = 64 << 20

// readAll reads r up to MaxInput, giving up when ctx is cancelled (Ctrl-C
// while waiting on a pipe).
func readAll(ctx context.Context, r io.Reader, what string) ([]byte, error) {
	type result struct {
		data []byte
		err  error
	}
	done := make(chan result, 1)
	go func() {
		data, err := io.ReadAll(io.LimitReader(r, MaxInput+1))
		done <- result{data, err}
	}()
	select {
	case <-ctx.Done():
		return nil, ctx.Err()
	case res := <-done:
		return checkRead(res.data, res.err, what)
	}
}

func checkRead(data []byte, err error, what string) ([]byte, error) {
	if err != nil {
		return nil, usageError("cannot read %s: %v", what, err)
	}
	if len(data) > MaxInput {
		return nil, usageError("%s is larger than %d MiB: that is not a token", what, MaxInput>>20)
	}
	return data, nil
}

// tokenArgument is what a token argument, or a token flag's value (flag
// names it, "" for an argument), stands for: @FILE the file's contents,
// and an argument naming an existing file (a path typed without its @)
// that file, with a note saying so; anything else is the token itself.
// (- for stdin is the caller's.) A token is never a file name by
// accident: no token format makes a name that exists.
func tokenArgument(ctx context.Context, io *IO, flag, a string) ([]byte, error) {
	if path, ok := strings.CutPrefix(a, "@"); ok && path != "" {
		if flag == "" {
			return readFileArg(ctx, path)
		}
		return readPath(ctx, flag, path, path)
	}
	if namesFile(a) {
		io.note("reading file " + a + "; write @" + a + " to say so")
		return readPath(ctx, flag, a, a)
	}
	if looksLikePath(a) {
		io.note("no file " + a + ": taking it as the token itself")
	}
	return []byte(a), nil
}

// looksLikePath: a starts as a path does or ends in a token file's
// extension, which no token does.
func looksLikePath(a string) bool {
	for _, p := range []string{"/", "./", "../", "~/"} {
		if strings.HasPrefix(a, p) {
			return true
		}
	}
	for _, ext := range []string{".jwt", ".jwe", ".jws", ".json", ".txt", ".token", ".pem"} {
		if strings.HasSuffix(strings.ToLower(a), ext) {
			return true
		}
	}
	return false
}

// namesFile says whether a names a file a token can be read from: a
// regular file, or a pipe (<(command) in a shell).
func namesFile(a string) bool {
	if a == "" || a == "-" || len(a) > 4096 || strings.ContainsAny(a, "\n\x00") {
		return false
	}
	st, err := os.Stat(a)
	return err == nil && (st.Mode().IsRegular() || st.Mode()&os.ModeNamedPipe != 0)
}

// readFileArg reads the file named by an @path argument.
func readFileArg(ctx context.Context, path string) ([]byte, error) {
	return readPath(ctx, "", path, "@"+path)
}

// readPath reads a file under MaxInput; errors are usage errors that start
// with flag (when given) and name the file as the user wrote it.
func readPath(ctx context.Context, flag, path, shown string) ([]byte, error) {
	lead := ""
	if flag != "" {
		lead = flag + ": "
	}
	f, err := os.Open(path)
	if err != nil {
		var pe *os.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return nil, usageError("%scannot read %s: %v", lead, shown, err)
	}
	defer f.Close()
	var data []byte
	if st, serr := f.Stat(); serr == nil && st.Mode().IsRegular() {
		// A regular file never blocks: read it here. Waiting on ctx would
		// install the signal handler, a thread and a fifth of a
		// millisecond that a short command does not need.
		data, err = io.ReadAll(io.LimitReader(f, MaxInput+1))
		data, err = checkRead(data, err, shown)
	} else {
		data, err = readAll(ctx, f, shown) // a fifo, a terminal: may wait
	}
	if err != nil && lead != "" {
		var ee *ExitError
		if errors.As(err, &ee) {
			ee.Err = fmt.Errorf("%s%w", lead, ee.Err)
		}
	}
	return data, err
}

// parseDuration reads "5m", "300s" or plain seconds, as max_age is sent.
func parseDuration(s string) (time.Duration, error) {
	const maxSeconds = 100 * 365 * 24 * 3600 // beyond this a Duration overflows soon
	if n, err := strconv.ParseInt(s, 10, 64); err == nil && n >= 0 {
		if n > maxSeconds {
			return 0, fmt.Errorf("%q seconds is over 100 years", s)
		}
		return time.Duration(n) * time.Second, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d < 0 {
		return 0, fmt.Errorf("%q is neither seconds nor a duration like 5m", s)
	}
	return d, nil
}

// parseInstant reads an RFC 3339 time or Unix seconds.
func parseInstant(s string) (time.Time, error) {
	if sec, frac, ok := strings.Cut(s, "."); isDigits(sec) && (!ok || isDigits(frac)) {
		n, err := strconv.ParseInt(sec, 10, 64)
		if err == nil && n <= 253402300799 { // year 9999
			f, _ := strconv.ParseFloat("0."+frac, 64)
			return time.Unix(n, int64(f*1e9)).UTC(), nil
		}
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("%q is neither RFC 3339 (2026-01-02T15:04:05Z) nor Unix seconds", s)
	}
	return t, nil
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// readValue is a flag's value: literal, or the contents of @FILE.
func readValue(ctx context.Context, flag, v string) ([]byte, error) {
	if path, ok := strings.CutPrefix(v, "@"); ok && path != "" {
		return readPath(ctx, flag, path, path)
	}
	return []byte(v), nil
}

// secretValue is a secret given literally or as @FILE, without the line
// break an editor or echo leaves at the end of a file.
func secretValue(ctx context.Context, flag, v string) (string, error) {
	data, err := readValue(ctx, flag, v)
	if err != nil {
		return "", err
	}
	data = bytes.TrimRight(data, "\r\n")
	if len(data) == 0 {
		return "", usageError("%s: empty", flag)
	}
	return string(data), nil
}

// filePath is the path a file flag names.
func filePath(v string) string {
	if p, ok := strings.CutPrefix(v, "@"); ok && p != "" {
		return p
	}
	return v
}

// readFileFlag reads the file a file flag names.
func readFileFlag(ctx context.Context, flag, v string) ([]byte, error) {
	return readPath(ctx, flag, filePath(v), filePath(v))
}

// issuerURL checks an issuer identifier as given: an absolute http(s) URL
// (OIDC Discovery 2). A host without a scheme is a usage error, not a
// network one.
func issuerURL(s string) (string, error) {
	u, err := url.Parse(s)
	if err != nil || u.Scheme == "" || u.Host == "" || u.Opaque != "" {
		return "", fmt.Errorf("%q is not a URL: add https:// (or http:// for a loopback issuer)", s)
	}
	if u.Scheme != "https" && u.Scheme != "http" {
		return "", fmt.Errorf("%q: an issuer is an https URL (http:// only on loopback)", s)
	}
	return s, nil
}

// wellKnown are the metadata documents an issuer is often given as.
var wellKnown = []string{"/.well-known/openid-configuration", "/.well-known/oauth-authorization-server"}

// issuerOfDiscoveryURL is the issuer whose discovery document u is, in
// either form: the issuer's path before the well-known part (OIDC
// Discovery 4) or after it (RFC 8414 3.1); ok is false for any other URL.
func issuerOfDiscoveryURL(u string) (iss string, ok bool) {
	scheme, rest, found := strings.Cut(u, "://")
	if !found {
		return "", false
	}
	host, path, _ := strings.Cut(rest, "/")
	path = "/" + path
	if host == "" || strings.ContainsAny(path, "?#") {
		return "", false
	}
	for _, wk := range wellKnown {
		if base, ok := strings.CutSuffix(path, wk); ok {
			return scheme + "://" + host + base, true
		}
		if tail, ok := strings.CutPrefix(path, wk+"/"); ok && tail != "" {
			return scheme + "://" + host + "/" + tail, true
		}
	}
	return "", false
}
