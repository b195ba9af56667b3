package render

import (
	"strings"
	"unicode/utf8"
)

// WrapHelp fits help text (cobra's, with oidc's templates) to width
// columns, breaking lines at word boundaries: a line that fits is left as
// it is; a paragraph of prose with a line too long is filled again; a
// table row (a flag and its usage, a command and its summary, an exit
// code) goes on under its description column, or, when that column leaves
// too little room, on lines of its own under the row's name; an example
// command is continued with a backslash, never inside quotes, so it can
// still be pasted. A word longer than a whole line is cut. width 0 leaves
// the text alone.
func WrapHelp(text string, width int) string {
	if width <= 0 {
		return text
	}
	lines := strings.Split(text, "\n")
	var out []string
	examples := false
	for i := 0; i < len(lines); {
		l := lines[i]
		switch {
		case isHelpHeader(l):
			examples = strings.TrimSpace(l) == "Examples:"
			out = append(out, l)
			i++
		case l == "" || l[0] == ' ':
			// A block of indented lines: a table, examples, a list.
			j := i
			for j < len(lines) && lines[j] != "" && lines[j][0] == ' ' {
				j++
			}
			if j == i { // an empty line
				out = append(out, l)
				i++
				continue
			}
			out = append(out, wrapBlock(lines[i:j], width, examples)...)
			i = j
		default:
			// A paragraph of prose: the lines up to a blank, an indented
			// line or a header.
			j := i
			long := false
			for j < len(lines) && lines[j] != "" && lines[j][0] != ' ' && !isHelpHeader(lines[j]) {
				long = long || textWidth(lines[j]) > width
				j++
			}
			if long {
				out = append(out, fill("", "", strings.Join(lines[i:j], " "), width)...)
			} else {
				out = append(out, lines[i:j]...)
			}
			i = j
		}
	}
	return strings.Join(out, "\n")
}

// isHelpHeader is a section title: "Flags:", "Global Flags:", "Examples:".
func isHelpHeader(l string) bool {
	if l == "" || l[0] == ' ' || !strings.HasSuffix(l, ":") || len(l) > 30 {
		return false
	}
	for _, r := range l[:len(l)-1] {
		if !(r == ' ' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') {
			return false
		}
	}
	return true
}

func textWidth(s string) int { return utf8.RuneCountInString(s) }

func leading(s string) int { return len(s) - len(strings.TrimLeft(s, " ")) }

// descColumn is where a table row's description starts: after the first
// run of two spaces or more that follows text; 0 when there is none.
func descColumn(l string) int {
	lead := leading(l)
	gap := strings.Index(l[lead:], "  ")
	if gap < 0 {
		return 0
	}
	end := lead + gap
	for end < len(l) && l[end] == ' ' {
		end++
	}
	if end == len(l) {
		return 0
	}
	return utf8.RuneCountInString(l[:end])
}

// wrapBlock fits a block of indented lines.
func wrapBlock(block []string, width int, examples bool) []string {
	// The block's description column, from its rows that have one: a row
	// whose name fills the column has a single space before its text.
	col := 0
	for _, l := range block {
		if c := descColumn(l); c > col {
			col = c
		}
	}
	var out []string
	for k, l := range block {
		if textWidth(l) <= width {
			out = append(out, l)
			continue
		}
		lead := leading(l)
		switch {
		case examples && strings.HasPrefix(l[lead:], "#"):
			out = append(out, fill(l[:lead+1]+" ", l[:lead]+"# ", strings.TrimSpace(l[lead+1:]), width)...)
		case examples:
			cont := lead + 4
			if k > 0 && strings.HasSuffix(block[k-1], `\`) {
				cont = lead // already a continuation line
			}
			out = append(out, wrapCommand(l, cont, width)...)
		default:
			c := descColumn(l)
			if c == 0 && col > 0 && col < textWidth(l) && strings.IndexByte(l[lead:], ' ') >= 0 && lead+strings.IndexByte(l[lead:], ' ') >= col-1 {
				c = lead + strings.IndexByte(l[lead:], ' ') + 1 // a name as wide as the column
			}
			switch {
			case c == 0:
				// A list item or a line of prose, indented.
				hang := lead
				if strings.HasPrefix(l[lead:], "- ") || strings.HasPrefix(l[lead:], "· ") {
					hang += 2
				}
				out = append(out, fill(l[:lead], strings.Repeat(" ", hang), strings.TrimSpace(l), width)...)
			case width-c >= 30:
				name := []rune(l)[:c]
				out = append(out, fill(string(name), strings.Repeat(" ", c), strings.TrimSpace(string([]rune(l)[c:])), width)...)
			default:
				// Too little room beside the name: the text under it,
				// in the block's column if that leaves room.
				name := strings.TrimRight(string([]rune(l)[:c]), " ")
				hang := strings.Repeat(" ", min(lead+4, 10))
				if col > 0 && width-col >= 30 {
					hang = strings.Repeat(" ", col)
				}
				out = append(out, name)
				out = append(out, fill(hang, hang, strings.TrimSpace(string([]rune(l)[c:])), width)...)
			}
		}
	}
	return out
}

// fill wraps words after first, then after cont, to width; a word longer
// than a line is cut.
func fill(first, cont, text string, width int) []string {
	var out []string
	cur, empty := first, true
	for _, word := range strings.Fields(text) {
		if !empty && textWidth(cur)+1+textWidth(word) > width {
			out = append(out, cur)
			cur, empty = cont, true
		}
		// Here the word fits after cur, or cur is empty.
		for empty && textWidth(cur)+textWidth(word) > width {
			room := width - textWidth(cur)
			if room <= 0 {
				break // an indent as wide as the line: give up
			}
			r := []rune(word)
			out = append(out, cur+string(r[:room]))
			word = string(r[room:])
		}
		if !empty {
			cur += " "
		}
		cur += word
		empty = false
	}
	return append(out, cur)
}

// wrapCommand breaks an example's command line at spaces outside quotes,
// ending each broken line with a backslash, continuing at cont.
func wrapCommand(l string, cont, width int) []string {
	lead := leading(l)
	trailing := strings.HasSuffix(l, ` \`)
	body := strings.TrimSuffix(strings.TrimSpace(l), ` \`)
	words := shellWords(body)
	var out []string
	cur := l[:lead]
	curEmpty := true
	indent := strings.Repeat(" ", cont)
	for _, w := range words {
		// Room for " \" after the word, on every line but the last.
		if !curEmpty && textWidth(cur)+1+textWidth(w)+2 > width {
			out = append(out, cur+` \`)
			cur, curEmpty = indent, true
		}
		if !curEmpty {
			cur += " "
		}
		cur += w
		curEmpty = false
	}
	if trailing {
		cur += ` \`
	}
	return append(out, cur)
}

// shellWords splits a command at spaces outside single and double quotes.
func shellWords(s string) []string {
	var words []string
	var cur strings.Builder
	var quote rune
	for _, r := range s {
		switch {
		case quote != 0:
			if r == quote {
				quote = 0
			}
		case r == '\'' || r == '"':
			quote = r
		case r == ' ':
			if cur.Len() > 0 {
				words = append(words, cur.String())
				cur.Reset()
			}
			continue
		}
		cur.WriteRune(r)
	}
	if cur.Len() > 0 {
		words = append(words, cur.String())
	}
	return words
}
