package cmd

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"os"
	"strconv"
	"time"

	"golang.org/x/term"
)

// pasteBurst is how long after a line break more pasted text may come:
// a paste arrives at once, a person types far slower.
const pasteBurst = 150 * time.Millisecond

// maxPaste bounds a pasted token, as MaxInput bounds a file.
const maxPaste = 1 << 20

// pasteToken reads one token pasted on the terminal that stdin is, as
// `gh auth login --with-token` users expect: it says so on stderr, reads
// with the terminal in raw mode (a line of the terminal's own is cut at
// 4 KiB, shorter than many JWTs; nothing is echoed), and ends at the
// first complete token or at Enter. A JWT the terminal or an email
// wrapped over lines comes in one paste: its lines are joined, with a
// note. Ctrl-C cancels (exit 130), Ctrl-D ends the input. Callers use it
// only when stdin is a terminal: nothing else ever waits on one.
func pasteToken(ctx context.Context, io *IO) ([]byte, error) {
	io.note("paste the token, then press Enter (Ctrl-C to cancel)")
	if f, ok := io.In.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		if old, err := term.MakeRaw(int(f.Fd())); err == nil {
			defer term.Restore(int(f.Fd()), old)
		}
	}
	chunks := make(chan []byte)
	go func() {
		defer close(chunks)
		buf := make([]byte, 64<<10)
		for {
			n, err := io.In.Read(buf)
			if n > 0 {
				chunks <- bytes.Clone(buf[:n])
			}
			if err != nil {
				return
			}
		}
	}()
	p := &paste{}
	var pending []byte
	for {
		if len(pending) == 0 {
			select {
			case c, ok := <-chunks:
				if !ok {
					return p.done(io)
				}
				pending = c
			case <-ctx.Done():
				return nil, ctx.Err()
			}
		}
		b := pending[0]
		pending = pending[1:]
		switch b {
		case 3: // Ctrl-C: raw mode sends it as a byte, not a signal
			return nil, &ExitError{Code: ExitInterrupted, Err: errors.New("interrupted")}
		case 4: // Ctrl-D
			return p.done(io)
		case 0x7f, 8: // backspace
			p.erase()
		case '\r', '\n':
			if !p.hasText() {
				continue // an Enter before anything was pasted
			}
			// More text in the same burst after a line break: the rest
			// of a wrapped token, or something to leave alone.
			if len(pending) == 0 {
				select {
				case c, ok := <-chunks:
					if ok {
						pending = c
					}
				case <-time.After(pasteBurst):
				case <-ctx.Done():
					return nil, ctx.Err()
				}
			}
			next := bytes.TrimLeft(pending, "\r\n")
			if len(next) == 0 {
				return p.done(io)
			}
			if !p.continuedBy(next) {
				io.note("only the first token pasted is read: pipe several on stdin, one a line")
				return p.done(io)
			}
			p.lines++
			pending = next
		default:
			if b >= 0x20 || b == '\t' {
				if p.buf.Len() >= maxPaste {
					return nil, usageError("the pasted text is over %d KiB: that is not a token", maxPaste>>10)
				}
				p.buf.WriteByte(b)
			}
		}
	}
}

// paste is the text pasted so far.
type paste struct {
	buf   bytes.Buffer
	lines int // line breaks joined
}

func (p *paste) hasText() bool { return len(bytes.TrimSpace(p.buf.Bytes())) > 0 }

func (p *paste) erase() {
	b := p.buf.Bytes()
	i := len(b) - 1
	for i > 0 && b[i]&0xC0 == 0x80 { // back to the start of a UTF-8 rune
		i--
	}
	if i >= 0 {
		p.buf.Truncate(i)
	}
}

func (p *paste) done(io *IO) ([]byte, error) {
	if !p.hasText() {
		return nil, usageError("nothing was pasted")
	}
	if p.lines > 0 {
		io.note("joined " + strconv.Itoa(p.lines+1) + " lines into one token")
	}
	return bytes.TrimSpace(p.buf.Bytes()), nil
}

// continuedBy says whether next, pasted after a line break, goes on with
// the text so far: a JSON document not yet closed, or a compact JWT
// still missing segments, or whose last segment goes on (base64url
// without a new token's start). What follows a complete token is not
// read.
func (p *paste) continuedBy(next []byte) bool {
	cur := bytes.TrimSpace(p.buf.Bytes())
	if cur[0] == '{' {
		return !jsonClosed(cur)
	}
	if !isCompactPart(cur) || !bytes.HasPrefix(cur, []byte("eyJ")) {
		return false
	}
	line := next
	if i := bytes.IndexAny(line, "\r\n"); i >= 0 {
		line = line[:i]
	}
	line = bytes.TrimSpace(line)
	if len(line) == 0 || !isCompactPart(line) || bytes.HasPrefix(line, []byte("eyJ")) {
		return false
	}
	dots := bytes.Count(cur, []byte("."))
	return dots < segmentsOf(cur)-1 || line[0] != '.' && bytes.Count(line, []byte(".")) == 0
}

// segmentsOf is how many segments a compact token with this header has:
// 5 for a JWE (its header has enc), else 3.
func segmentsOf(tok []byte) int {
	head, _, _ := bytes.Cut(tok, []byte("."))
	h, err := base64.RawURLEncoding.DecodeString(string(head))
	if err == nil && bytes.Contains(h, []byte(`"enc"`)) {
		return 5
	}
	return 3
}

// isCompactPart: only base64url and dots.
func isCompactPart(b []byte) bool {
	for _, c := range b {
		if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.') {
			return false
		}
	}
	return len(b) > 0
}

// jsonClosed says whether a JSON document's braces and brackets are all
// closed, outside strings.
func jsonClosed(b []byte) bool {
	depth, inString, escaped := 0, false, false
	for _, c := range b {
		switch {
		case escaped:
			escaped = false
		case inString && c == '\\':
			escaped = true
		case c == '"':
			inString = !inString
		case inString:
		case c == '{' || c == '[':
			depth++
		case c == '}' || c == ']':
			depth--
		}
	}
	return depth <= 0 && !inString
}
