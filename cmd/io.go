package cmd

import (
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
	// global are the options of the run using this IO (newRootCmd sets
	// them), for the notes of helpers that are not handed them.
	global *GlobalOptions
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

// globals are the options of the run, the defaults outside one.
func (o *IO) globals() *GlobalOptions {
	if o.global == nil {
		return &GlobalOptions{}
	}
	return o.global
}

// warn writes a warning line on stderr.
func (o *IO) warn(msg string) {
	render.WarnLine(o.Err, o.ErrTheme(o.globals()), msg)
}

// note writes a line on stderr about what oidc took the input to be.
func (o *IO) note(msg string) {
	fmt.Fprintln(o.Err, o.ErrTheme(o.globals()).Dim.Render("oidc: ")+render.Sanitize(msg))
}
