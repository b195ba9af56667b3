package cmd

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"

	"golang.org/x/term"

	"github.com/oidcdev/oidc/render"
)

// IO is what a command reads from and writes to, so tests can drive it.
type IO struct {
	In     io.Reader
	Out    io.Writer
	Err    io.Writer
	InTTY  bool
	OutTTY bool
	ErrTTY bool
	// Width is the terminal width of Out, 0 when output should not wrap.
	Width  int
	Getenv func(string) string
}

// SystemIO is the process's own standard streams.
func SystemIO() *IO {
	isTTY := func(f *os.File) bool { return term.IsTerminal(int(f.Fd())) }
	o := &IO{
		In: os.Stdin, Out: os.Stdout, Err: os.Stderr,
		InTTY: isTTY(os.Stdin), OutTTY: isTTY(os.Stdout), ErrTTY: isTTY(os.Stderr),
		Getenv: os.Getenv,
	}
	if o.OutTTY {
		if w, _, err := term.GetSize(int(os.Stdout.Fd())); err == nil {
			o.Width = w
		}
	}
	if cols, err := strconv.Atoi(o.Getenv("COLUMNS")); err == nil && cols > 0 {
		o.Width = cols
	}
	return o
}

// color decides whether a stream gets colour: only on a terminal, never with
// --no-color or NO_COLOR (https://no-color.org), always with CLICOLOR_FORCE.
func (o *IO) color(tty, noColorFlag bool) bool {
	switch {
	case noColorFlag, o.Getenv("NO_COLOR") != "":
		return false
	case o.Getenv("CLICOLOR_FORCE") != "" && o.Getenv("CLICOLOR_FORCE") != "0":
		return true
	case o.Getenv("TERM") == "dumb":
		return false
	}
	return tty
}

// OutTheme and ErrTheme are the styles for stdout and stderr.
func (o *IO) OutTheme(g *GlobalOptions) *render.Theme {
	return render.NewTheme(o.Out, o.color(o.OutTTY, g.NoColor))
}

func (o *IO) ErrTheme(g *GlobalOptions) *render.Theme {
	return render.NewTheme(o.Err, o.color(o.ErrTTY, g.NoColor))
}

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
		if res.err != nil {
			return nil, usageError("cannot read %s: %v", what, res.err)
		}
		if len(res.data) > MaxInput {
			return nil, usageError("%s is larger than %d MiB: that is not a token", what, MaxInput>>20)
		}
		return res.data, nil
	}
}

// readFileArg reads the file named by an @path argument.
func readFileArg(ctx context.Context, path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		var pe *os.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return nil, usageError("cannot read @%s: %v", path, err)
	}
	defer f.Close()
	return readAll(ctx, f, fmt.Sprintf("@%s", path))
}
