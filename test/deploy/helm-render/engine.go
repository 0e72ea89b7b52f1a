package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"text/template"

	"github.com/Masterminds/sprig"
	"gopkg.in/yaml.v2"
)

// maxIncludeDepth is Helm's recursion limit for include.
const maxIncludeDepth = 1000

// engine renders one chart's templates as Helm 3's pkg/engine does: every file under
// templates/ is parsed into one template set (so _helpers.tpl defines are shared), files
// whose names start with "_" are not rendered, missing keys render as empty, and the
// function map is sprig's minus env/expandenv plus Helm's own functions.
type engine struct {
	set          *template.Template
	includeDepth map[string]int
}

// chartTemplate is one file under templates/, named as Helm names it: "<chart>/templates/<file>".
type chartTemplate struct {
	name string
	text string
}

func loadTemplates(chartDir, chartName string) ([]chartTemplate, error) {
	var out []chartTemplate
	root := filepath.Join(chartDir, "templates")
	err := filepath.Walk(root, func(p string, info os.FileInfo, err error) error {
		if err != nil || info.IsDir() {
			return err
		}
		rel, err := filepath.Rel(chartDir, p)
		if err != nil {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		out = append(out, chartTemplate{name: path.Join(chartName, filepath.ToSlash(rel)), text: string(data)})
		return nil
	})
	sort.Slice(out, func(i, j int) bool { return out[i].name < out[j].name })
	return out, err
}

func newEngine(templates []chartTemplate) (*engine, error) {
	e := &engine{includeDepth: map[string]int{}}
	e.set = template.New("gotpl").Option("missingkey=zero").Funcs(e.funcMap())
	for _, t := range templates {
		if _, err := e.set.New(t.name).Parse(t.text); err != nil {
			return nil, fmt.Errorf("parse error in %q: %v", t.name, err)
		}
	}
	return e, nil
}

func (e *engine) funcMap() template.FuncMap {
	f := sprig.TxtFuncMap()
	delete(f, "env")
	delete(f, "expandenv")
	extra := template.FuncMap{
		"toYaml":        toYAML,
		"fromYaml":      fromYAML,
		"fromYamlArray": fromYAMLArray,
		"toJson":        toJSON,
		"fromJson":      fromJSON,
		"required":      required,
		// `helm template` has no cluster: lookup finds nothing.
		"lookup": func(string, string, string, string) (map[string]interface{}, error) {
			return map[string]interface{}{}, nil
		},
		// Replaced by closures over the template set in newEngine; defined here so parsing
		// knows the names.
		"include": func(string, interface{}) (string, error) { return "", nil },
		"tpl":     func(string, interface{}) (string, error) { return "", nil },
	}
	for k, v := range extra {
		f[k] = v
	}
	f["include"] = e.include
	f["tpl"] = e.tpl
	return f
}

func (e *engine) include(name string, data interface{}) (string, error) {
	if e.includeDepth[name] > maxIncludeDepth {
		return "", fmt.Errorf("rendering template has a nested reference name: %s: unable to execute template", name)
	}
	e.includeDepth[name]++
	defer func() { e.includeDepth[name]-- }()
	var buf bytes.Buffer
	if err := e.set.ExecuteTemplate(&buf, name, data); err != nil {
		return "", err
	}
	return buf.String(), nil
}

// tpl renders a string as a template with the chart's defines available, in a clone of the
// template set so the string cannot redefine the chart's templates.
func (e *engine) tpl(text string, data interface{}) (string, error) {
	clone, err := e.set.Clone()
	if err != nil {
		return "", err
	}
	name := "tpl"
	if top, ok := data.(map[string]interface{}); ok {
		if t, ok := top["Template"].(map[string]interface{}); ok {
			if n, ok := t["Name"].(string); ok {
				name = n
			}
		}
	}
	t, err := clone.New(name).Parse(text)
	if err != nil {
		return "", fmt.Errorf("cannot parse template %q: %v", text, err)
	}
	var buf bytes.Buffer
	if err := t.Execute(&buf, data); err != nil {
		return "", fmt.Errorf("error during tpl function execution for %q: %v", text, err)
	}
	return strings.ReplaceAll(buf.String(), "<no value>", ""), nil
}

// render executes every template not named _*, with .Template set per file; empty results
// are dropped, as Helm drops them.
func (e *engine) render(templates []chartTemplate, top map[string]interface{}) ([]chartTemplate, error) {
	var out []chartTemplate
	for _, t := range templates {
		if strings.HasPrefix(path.Base(t.name), "_") {
			continue
		}
		vals := make(map[string]interface{}, len(top)+1)
		for k, v := range top {
			vals[k] = v
		}
		vals["Template"] = map[string]interface{}{"Name": t.name, "BasePath": path.Dir(t.name)}
		var buf bytes.Buffer
		if err := e.set.ExecuteTemplate(&buf, t.name, vals); err != nil {
			return nil, err
		}
		text := strings.ReplaceAll(buf.String(), "<no value>", "")
		if strings.TrimSpace(text) == "" {
			continue
		}
		out = append(out, chartTemplate{name: t.name, text: text})
	}
	return out, nil
}

func required(warn string, val interface{}) (interface{}, error) {
	if val == nil {
		return val, fmt.Errorf("%s", warn)
	}
	if s, ok := val.(string); ok && s == "" {
		return val, fmt.Errorf("%s", warn)
	}
	return val, nil
}

// toYAML is sigs.k8s.io/yaml.Marshal (JSON first, so keys sort and json tags apply) without
// the final newline; errors render as "", as in Helm.
func toYAML(v interface{}) string {
	j, err := json.Marshal(v)
	if err != nil {
		return ""
	}
	var generic interface{}
	if err := yaml.Unmarshal(j, &generic); err != nil {
		return ""
	}
	out, err := yaml.Marshal(generic)
	if err != nil {
		return ""
	}
	return strings.TrimSuffix(string(out), "\n")
}

func fromYAML(s string) map[string]interface{} {
	m, err := parseValues([]byte(s))
	if err != nil {
		return map[string]interface{}{"Error": err.Error()}
	}
	return m
}

func fromYAMLArray(s string) []interface{} {
	wrapped, err := parseValues([]byte("a:\n" + indent(s)))
	if err != nil {
		return []interface{}{err.Error()}
	}
	a, _ := wrapped["a"].([]interface{})
	return a
}

func indent(s string) string {
	lines := strings.Split(s, "\n")
	for i := range lines {
		lines[i] = "  " + lines[i]
	}
	return strings.Join(lines, "\n")
}

func toJSON(v interface{}) string {
	out, err := json.Marshal(v)
	if err != nil {
		return ""
	}
	return string(out)
}

func fromJSON(s string) map[string]interface{} {
	m := map[string]interface{}{}
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		m["Error"] = err.Error()
	}
	return m
}
