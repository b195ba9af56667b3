// Package render turns results into terminal text and JSON. It owns every
// lipgloss style of the program; nothing else decides how output looks.
package render

import (
	"io"

	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"
)

// Style is a lipgloss style that is skipped entirely when colour is off:
// plain output then costs nothing but the text.
type Style struct {
	ls lipgloss.Style
	on bool
}

// Render styles text, or returns it as is without colour.
func (s Style) Render(text string) string {
	if !s.on {
		return text
	}
	return s.ls.Render(text)
}

// Theme holds the styles for one output stream.
//
// Colours are the 16 basic ANSI colours: the terminal's own palette maps
// them to something readable on its background, so the program never has to
// ask the terminal what its background is. Adaptive colours would send that
// query and wait up to 5 s under terminals that never answer.
type Theme struct {
	Title   Style // a token's heading
	Label   Style // the token's label in the heading
	Section Style // HEADER, PAYLOAD, ...
	Key     Style // claim and parameter names
	Dim     Style // explanations
	Good    Style
	Warn    Style
	Bad     Style
	Mark    Style // the caret under a broken byte
}

// NewTheme returns the styles for w; color false gives plain text.
func NewTheme(w io.Writer, color bool) *Theme {
	t := &Theme{}
	if !color {
		return t
	}
	r := lipgloss.NewRenderer(w, termenv.WithProfile(termenv.ANSI))
	r.SetColorProfile(termenv.ANSI)
	r.SetHasDarkBackground(true) // set, so nothing ever queries it
	s := func() lipgloss.Style { return r.NewStyle() }
	on := func(ls lipgloss.Style) Style { return Style{ls: ls, on: true} }
	t.Title = on(s().Bold(true))
	t.Label = on(s().Bold(true).Foreground(lipgloss.Color("5")))
	t.Section = on(s().Bold(true).Foreground(lipgloss.Color("6")))
	t.Key = on(s().Foreground(lipgloss.Color("4")))
	t.Dim = on(s().Faint(true))
	t.Good = on(s().Foreground(lipgloss.Color("2")))
	t.Warn = on(s().Foreground(lipgloss.Color("3")))
	t.Bad = on(s().Bold(true).Foreground(lipgloss.Color("1")))
	t.Mark = on(s().Bold(true).Foreground(lipgloss.Color("1")))
	return t
}
