package render

import (
	"encoding/json"
	"io"

	"github.com/oidcdev/oidc/decode"
)

// SARIF writes findings as a SARIF 2.1.0 log, for code-scanning tools:
// one rule per finding id, each result located at the document it is
// about and named by its member.
func SARIF(w io.Writer, toolVersion, uri string, fs []decode.Finding) error {
	type text struct {
		Text string `json:"text"`
	}
	type rule struct {
		ID               string `json:"id"`
		ShortDescription text   `json:"shortDescription"`
		Help             text   `json:"help"`
	}
	type location struct {
		PhysicalLocation struct {
			ArtifactLocation struct {
				URI string `json:"uri"`
			} `json:"artifactLocation"`
		} `json:"physicalLocation"`
		LogicalLocations []struct {
			Name string `json:"name"`
		} `json:"logicalLocations,omitempty"`
	}
	type result struct {
		RuleID    string     `json:"ruleId"`
		Level     string     `json:"level"`
		Message   text       `json:"message"`
		Locations []location `json:"locations"`
	}
	rules := []rule{}
	seen := map[string]bool{}
	results := []result{}
	for _, f := range fs {
		if !seen[f.ID] {
			seen[f.ID] = true
			rules = append(rules, rule{ID: f.ID, ShortDescription: text{f.Clause}, Help: text{f.Fix}})
		}
		var loc location
		loc.PhysicalLocation.ArtifactLocation.URI = uri
		if f.Member != "" {
			loc.LogicalLocations = []struct {
				Name string `json:"name"`
			}{{Name: f.Member}}
		}
		level := map[string]string{decode.SeverityCritical: "error", decode.SeverityError: "error", decode.SeverityWarning: "warning", decode.SeverityInfo: "note"}[f.Severity]
		results = append(results, result{RuleID: f.ID, Level: level, Message: text{f.Message}, Locations: []location{loc}})
	}
	log := map[string]any{
		"version": "2.1.0",
		"$schema": "https://json.schemastore.org/sarif-2.1.0.json",
		"runs": []any{map[string]any{
			"tool":    map[string]any{"driver": map[string]any{"name": "oidc", "version": toolVersion, "informationUri": "https://github.com/oidcdev/oidc", "rules": rules}},
			"results": results,
		}},
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(log)
}
