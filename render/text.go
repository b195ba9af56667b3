package render

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/oidcdev/oidc/decode"
)

// Printer writes human output: indented sections of aligned rows, wrapped
// to the terminal width.
type Printer struct {
	w     *bufio.Writer
	t     *Theme
	width int // 0: do not wrap
	// sections counts the sections of the current block, for spacing.
	sections int
	// verifying: the signature is checked below, not merely decoded.
	verifying bool
	// hideTokens: credentials are cut short (a login's tokens are live).
	hideTokens bool
	// tokens printed so far, and the context last shown.
	tokens  int
	lastCtx *decode.Context
}

// NewPrinter writes to w with theme t, wrapping at width columns (0: never).
func NewPrinter(w io.Writer, t *Theme, width int) *Printer {
	return &Printer{w: bufio.NewWriterSize(w, 4<<10), t: t, width: width}
}

// Flush writes out what is buffered.
func (p *Printer) Flush() error { return p.w.Flush() }

// Line writes an empty line, between blocks.
func (p *Printer) Line() { p.line() }

func (p *Printer) line(parts ...string) {
	for _, s := range parts {
		p.w.WriteString(s)
	}
	p.w.WriteByte('\n')
}

// section starts a titled block, after a blank line unless it is the first
// of a token.
func (p *Printer) section(name string) {
	if p.sections > 0 {
		p.w.WriteByte('\n')
	}
	p.sections++
	p.line(p.t.Section.Render(name))
}

// row is one line of a table: a name, its value and an explanation.
type row struct {
	key    string
	value  string // may hold newlines (indented JSON)
	style  *Style
	note   string // after the value, e.g. a relative time
	nstyle *Style
	desc   string
}

const (
	indent      = "  "
	maxKeyWidth = 24
	maxValWidth = 44 // descriptions align after values up to this wide
)

// table prints rows with names, values and explanations in columns.
func (p *Printer) table(rows []row) {
	keyW := 0
	valW := 0
	for _, r := range rows {
		keyW = max(keyW, min(utf8.RuneCountInString(r.key), maxKeyWidth))
		if !strings.Contains(r.value, "\n") {
			valW = max(valW, min(r.plainWidth(), maxValWidth))
		}
	}
	valueCol := len(indent) + keyW + 2
	for _, r := range rows {
		key := r.key
		pad := keyW - utf8.RuneCountInString(key)
		var b strings.Builder
		b.WriteString(indent)
		b.WriteString(p.t.Key.Render(key))
		b.WriteString(strings.Repeat(" ", max(pad, 0)+2))
		col := valueCol
		if pad < 0 { // a very long name shifts its own value right
			col -= pad
		}
		lines := strings.Split(r.value, "\n")
		if len(lines) == 1 {
			lines = p.wrap(lines[0], col)
		}
		cont := strings.Repeat(" ", valueCol)
		for i, l := range lines {
			if i > 0 {
				b.WriteString("\n" + cont)
			}
			if r.style != nil {
				b.WriteString(r.style.Render(l))
			} else {
				b.WriteString(l)
			}
		}
		last := utf8.RuneCountInString(lines[len(lines)-1])
		if len(lines) == 1 {
			last += col - valueCol
		}
		used := valueCol + last
		if r.note != "" {
			st := p.t.Dim
			if r.nstyle != nil {
				st = *r.nstyle
			}
			noteW := utf8.RuneCountInString(r.note)
			if p.width > 0 && used+2+noteW > p.width {
				// No room beside the value: under it, wrapped.
				note := []string{r.note}
				if room := p.width - valueCol; room >= 20 {
					note = wordLines(strings.ReplaceAll(r.note, "  ", " "), room)
				}
				for _, n := range note {
					b.WriteString("\n" + cont + st.Render(n))
				}
				lastW := utf8.RuneCountInString(note[len(note)-1])
				used, last = valueCol+lastW, lastW
				lines = append(lines, note...)
			} else {
				b.WriteString("  " + st.Render(r.note))
				used += 2 + noteW
				last += 2 + noteW
			}
		}
		if r.desc != "" {
			gap := max(valW-last, 0) + 2
			// On a terminal a description stays in its column or goes
			// under the value: a row wider than the column (a time and
			// how long ago) would push it out of line.
			ragged := p.width > 0 && last > valW
			if ragged || len(lines) > 1 || (p.width > 0 && used+gap+utf8.RuneCountInString(r.desc) > p.width) {
				// On its own line under the value, wrapped to the width.
				desc := []string{r.desc}
				if room := p.width - valueCol; p.width > 0 && room >= 20 {
					desc = wordLines(r.desc, room)
				}
				for _, d := range desc {
					b.WriteString("\n" + cont + p.t.Dim.Render(d))
				}
			} else {
				b.WriteString(strings.Repeat(" ", gap) + p.t.Dim.Render(r.desc))
			}
		}
		p.line(b.String())
	}
}

func (r row) plainWidth() int {
	n := utf8.RuneCountInString(r.value)
	if r.note != "" {
		n += 2 + utf8.RuneCountInString(r.note)
	}
	return n
}

// wrap cuts a long value into lines that fit after column col. Tokens and
// URLs have no spaces, so it cuts anywhere.
func (p *Printer) wrap(s string, col int) []string {
	room := p.width - col
	if p.width == 0 || room < 20 || utf8.RuneCountInString(s) <= room {
		return []string{s}
	}
	var out []string
	runes := []rune(s)
	for len(runes) > room {
		out = append(out, string(runes[:room]))
		runes = runes[room:]
	}
	return append(out, string(runes))
}

// paragraph prints text indented, wrapped at spaces to the width, in one
// pass over the text.
func (p *Printer) paragraph(prefix string, style Style, text string) {
	lead := indent + prefix
	p.hanging(lead, utf8.RuneCountInString(lead), style, text)
}

// hanging prints text after lead (of leadWidth columns), wrapped at
// spaces to the width, its next lines under the text's first; a word
// longer than a line is cut.
func (p *Printer) hanging(lead string, leadWidth int, style Style, text string) {
	room := p.width - leadWidth
	if p.width == 0 || room < 30 {
		p.line(lead, style.Render(text))
		return
	}
	cont := strings.Repeat(" ", leadWidth)
	for i, l := range wordLines(text, room) {
		if i == 0 {
			p.line(lead, style.Render(l))
		} else {
			p.line(cont, style.Render(l))
		}
	}
}

// wordLines cuts text into lines of at most room columns at spaces, a
// word longer than a line cut where it must be.
func wordLines(text string, room int) []string {
	var out []string
	var cur strings.Builder
	curW := 0
	flush := func() {
		out = append(out, cur.String())
		cur.Reset()
		curW = 0
	}
	for _, word := range strings.Split(text, " ") {
		w := utf8.RuneCountInString(word)
		if curW > 0 && curW+1+w > room {
			flush()
		}
		for w > room {
			runes := []rune(word)
			if curW > 0 {
				flush()
			}
			cur.WriteString(string(runes[:room]))
			flush()
			word, w = string(runes[room:]), w-room
		}
		if curW > 0 {
			cur.WriteByte(' ')
			curW++
		}
		cur.WriteString(word)
		curW += w
	}
	if curW > 0 || len(out) == 0 {
		flush()
	}
	return out
}

// Sanitize makes text from a token safe to print on a terminal: control
// characters (an escape sequence hidden in a claim could rewrite the
// screen), line breaks and invisible characters are shown escaped instead
// of sent. Multi-line text is sanitized line by line by its printer.
func Sanitize(s string) string {
	clean := true
	for _, r := range s {
		if isControl(r) {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		if isControl(r) {
			q := strconv.QuoteRune(r)
			b.WriteString(q[1 : len(q)-1])
		} else {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// isControl: control characters, line breaks (a newline in a claim could
// forge a line of output), and invisible format characters (a zero-width
// space makes "sub\u200b" look like "sub").
func isControl(r rune) bool {
	return unicode.IsControl(r) || r == utf8.RuneError || r == '\u2028' || r == '\u2029' || unicode.Is(unicode.Cf, r)
}

// Display limits for one value: beyond them it is shown compact and cut,
// since indenting deep nesting costs the square of its depth.
const (
	maxIndentBytes = 4 << 10
	maxIndentDepth = 12
	maxValueBytes  = 2 << 10
)

// jsonValue formats a raw JSON value for a table cell: strings unquoted,
// short arrays and objects on one line, long ones indented, huge ones cut.
func jsonValue(raw json.RawMessage) string {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return ""
	}
	switch raw[0] {
	case '"':
		var s string
		if json.Unmarshal(raw, &s) == nil {
			return Sanitize(cut(s))
		}
	case '[', '{':
		var c bytes.Buffer
		if json.Compact(&c, raw) == nil && c.Len() <= 60 {
			return Sanitize(spaced(c.String()))
		}
		var b bytes.Buffer
		if len(raw) <= maxIndentBytes && depth(raw) <= maxIndentDepth && json.Indent(&b, raw, "", "  ") == nil {
			lines := strings.Split(b.String(), "\n")
			for i, l := range lines {
				lines[i] = Sanitize(l)
			}
			return strings.Join(lines, "\n")
		}
		if c.Len() > 0 {
			return Sanitize(cut(c.String()))
		}
	}
	return Sanitize(cut(string(raw)))
}

// cut shortens a value past maxValueBytes, saying how much was left out.
func cut(s string) string {
	if len(s) <= maxValueBytes {
		return s
	}
	end := maxValueBytes
	for end > 0 && !utf8.RuneStart(s[end]) {
		end--
	}
	return fmt.Sprintf("%s… (%d bytes in all; --json shows everything)", s[:end], len(s))
}

// depth is the deepest nesting of arrays and objects in JSON.
func depth(raw []byte) int {
	d, maxD, in, esc := 0, 0, false, false
	for _, c := range raw {
		switch {
		case esc:
			esc = false
		case in && c == '\\':
			esc = true
		case c == '"':
			in = !in
		case in:
		case c == '{' || c == '[':
			d++
			maxD = max(maxD, d)
		case c == '}' || c == ']':
			d--
		}
	}
	return maxD
}

// spaced adds a space after the commas and colons of compact JSON, outside
// strings, so short arrays read like lists.
func spaced(s string) string {
	var b strings.Builder
	in, esc := false, false
	for i := 0; i < len(s); i++ {
		c := s[i]
		b.WriteByte(c)
		switch {
		case esc:
			esc = false
		case c == '\\' && in:
			esc = true
		case c == '"':
			in = !in
		case !in && (c == ',' || c == ':'):
			b.WriteByte(' ')
		}
	}
	return b.String()
}

// ErrorLine prints a one-line error to w: "oidc: message".
func ErrorLine(w io.Writer, t *Theme, msg string) {
	fmt.Fprintln(w, t.Bad.Render("oidc:")+" "+Sanitize(msg))
}

// WarnLine prints a one-line warning to w.
func WarnLine(w io.Writer, t *Theme, msg string) {
	fmt.Fprintln(w, t.Warn.Render("oidc: warning:")+" "+Sanitize(msg))
}
