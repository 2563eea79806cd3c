package lint

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
)

// Formats lists the output formats of Write.
var Formats = []string{"text", "json", "github", "sarif"}

// Write prints findings in a format: text for people, json for machines,
// github for workflow annotations (::error file=...,line=...::), sarif
// (2.1.0) for code scanning.
func Write(w io.Writer, format string, fs []Finding) error {
	switch format {
	case "text":
		return writeText(w, fs)
	case "json":
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		if fs == nil {
			fs = []Finding{}
		}
		return enc.Encode(fs)
	case "github":
		for _, f := range fs {
			props := "title=" + escapeProp(f.Code+" "+f.Branch)
			if f.File != "" {
				props = "file=" + escapeProp(f.File) + "," + props
				if f.Line > 0 {
					props = fmt.Sprintf("file=%s,line=%d,title=%s", escapeProp(f.File), f.Line, escapeProp(f.Code+" "+f.Branch))
				}
			}
			fmt.Fprintf(w, "::%s %s::%s\n", f.Severity, props, escapeData(f.Message+where(f)))
		}
		return nil
	case "sarif":
		return writeSARIF(w, fs)
	}
	return fmt.Errorf("unknown format %q: use one of %s", format, strings.Join(Formats, ", "))
}

func where(f Finding) string {
	if f.Statement == "" {
		return ""
	}
	return " — in: " + f.Statement
}

func writeText(w io.Writer, fs []Finding) error {
	errs, warns := 0, 0
	for _, f := range fs {
		loc := f.File
		if f.Line > 0 {
			loc += fmt.Sprintf(":%d", f.Line)
		}
		if loc == "" {
			loc = "branch " + f.Branch
		}
		fmt.Fprintf(w, "%s: %s %s [%s, %s]: %s\n", loc, f.Severity, f.Code, f.Branch, orAll(f.Dialect), f.Message)
		if f.Statement != "" {
			fmt.Fprintf(w, "    %s\n", f.Statement)
		}
		if f.Severity == Error {
			errs++
		} else {
			warns++
		}
	}
	if errs+warns == 0 {
		_, err := fmt.Fprintln(w, "lint: no findings")
		return err
	}
	_, err := fmt.Fprintf(w, "lint: %d error(s), %d warning(s)\n", errs, warns)
	return err
}

func orAll(d string) string {
	if d == "" {
		return "all dialects"
	}
	return d
}

func escapeData(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A").Replace(s)
}

func escapeProp(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A", ":", "%3A", ",", "%2C").Replace(s)
}

// rules describes each of plugmig's codes for SARIF.
var rules = map[string]string{
	CodeFails:        "The statement fails on the dev database.",
	CodeNotOwned:     "A migration creates, alters or drops an object its branch does not own.",
	CodePrefix:       "A plugin migration creates an object without the plugin's prefix.",
	CodeForeignWrite: "A plugin migration writes rows of a table it does not own.",
	CodeSequence:     "A plugin migration changes a sequence it does not own.",
	CodeUnverifiable: "A statement whose effect cannot be verified, without an allow directive.",
	CodeDirective:    "A plugmig directive without a reason, or malformed.",
	CodeServerObject: "A plugin migration leaves a schema, a large object or a server-wide object.",
	CodeLaterCall:    "An expression the server evaluates later as whoever writes or reads a plugin table calls a routine the plugin does not own or a built-in that changes something.",
	CodeGrant:        "A plugin migration grants privileges to PUBLIC, another plugin or with the grant option, or sets default privileges.",
	CodeForeignCode:  "A trigger on a plugin table runs a routine the plugin does not own.",
	CodeBreaksPlugin: "A core migration drops or renames a table or column a plugin references.",
	CodeSum:          "atlas.sum does not match the migration folder.",
	CodeParity:       "A branch's dialect folders hold different versions.",
	CodeDrift:        "The ent schema and the migrations disagree.",
	CodeEdited:       "A migration that exists on the base branch was edited or deleted.",
	CodeOutOfOrder:   "A new migration sorts before the base branch's head.",
	CodeAtlasStale:   "The atlas CLI's inputs under .atlas/ are older than the ent schemas or the migrations: run atlas sync.",
}

func writeSARIF(w io.Writer, fs []Finding) error {
	type msg struct {
		Text string `json:"text"`
	}
	type region struct {
		StartLine int `json:"startLine,omitempty"`
	}
	type artifact struct {
		URI string `json:"uri"`
	}
	type physical struct {
		ArtifactLocation artifact `json:"artifactLocation"`
		Region           *region  `json:"region,omitempty"`
	}
	type location struct {
		PhysicalLocation physical `json:"physicalLocation"`
	}
	type result struct {
		RuleID    string     `json:"ruleId"`
		Level     string     `json:"level"`
		Message   msg        `json:"message"`
		Locations []location `json:"locations,omitempty"`
	}
	type rule struct {
		ID               string `json:"id"`
		ShortDescription msg    `json:"shortDescription"`
	}
	var (
		results = []result{}
		seen    = map[string]bool{}
		ruleSet = []rule{}
	)
	for _, f := range fs {
		r := result{RuleID: f.Code, Level: f.Severity, Message: msg{f.Message + where(f)}}
		if f.File != "" {
			loc := location{PhysicalLocation: physical{ArtifactLocation: artifact{URI: f.File}}}
			if f.Line > 0 {
				loc.PhysicalLocation.Region = &region{StartLine: f.Line}
			}
			r.Locations = []location{loc}
		}
		results = append(results, r)
		if !seen[f.Code] {
			seen[f.Code] = true
			desc := rules[f.Code]
			if desc == "" {
				desc = "Atlas analyzer " + f.Code
			}
			ruleSet = append(ruleSet, rule{ID: f.Code, ShortDescription: msg{desc}})
		}
	}
	doc := map[string]any{
		"$schema": "https://json.schemastore.org/sarif-2.1.0.json",
		"version": "2.1.0",
		"runs": []any{map[string]any{
			"tool":    map[string]any{"driver": map[string]any{"name": "plugmig lint", "informationUri": "https://github.com/plugmig/plugmig", "rules": ruleSet}},
			"results": results,
		}},
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(doc)
}
