// Package render turns results into terminal text and JSON. It owns every
// lipgloss style of the program; nothing else decides how output looks.
package render

import (
	"io"

	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"
)

// Theme holds the styles for one output stream.
//
// Colours are the 16 basic ANSI colours: the terminal's own palette maps
// them to something readable on its background, so the program never has to
// ask the terminal what its background is. Adaptive colours would send that
// query and wait up to 5 s under terminals that never answer.
type Theme struct {
	Color bool

	Title   lipgloss.Style // a token's heading
	Label   lipgloss.Style // the token's label in the heading
	Section lipgloss.Style // HEADER, PAYLOAD, ...
	Key     lipgloss.Style // claim and parameter names
	Dim     lipgloss.Style // explanations
	Good    lipgloss.Style
	Warn    lipgloss.Style
	Bad     lipgloss.Style
	Mark    lipgloss.Style // the caret under a broken byte
}

// NewTheme returns the styles for w; color false gives plain text.
func NewTheme(w io.Writer, color bool) *Theme {
	profile := termenv.Ascii
	if color {
		profile = termenv.ANSI
	}
	r := lipgloss.NewRenderer(w, termenv.WithProfile(profile))
	r.SetColorProfile(profile)
	r.SetHasDarkBackground(true) // set, so nothing ever queries it
	s := r.NewStyle
	return &Theme{
		Color:   color,
		Title:   s().Bold(true),
		Label:   s().Bold(true).Foreground(lipgloss.Color("5")),
		Section: s().Bold(true).Foreground(lipgloss.Color("6")),
		Key:     s().Foreground(lipgloss.Color("4")),
		Dim:     s().Faint(true),
		Good:    s().Foreground(lipgloss.Color("2")),
		Warn:    s().Foreground(lipgloss.Color("3")),
		Bad:     s().Bold(true).Foreground(lipgloss.Color("1")),
		Mark:    s().Bold(true).Foreground(lipgloss.Color("1")),
	}
}
