// helm-render renders a Helm chart as `helm template` does, for tests on machines where the
// helm binary cannot be installed. It uses the engine Helm uses (Go's text/template with
// sprig, Helm's own functions re-implemented in engine.go) and the schema library Helm 3
// uses (gojsonschema), with Debian's packaged Go sources.
//
//	helm-render --chart helm/kr-node [-f values.yaml ...] [--release-name kr] [--namespace ns]
//	            [--kube-version v1.32.0] [--skip-schema-validation]
//
// Prints the manifests as `helm template` does (one "# Source:" document per object, in
// Helm's install order); exits 1 with the error on stderr when rendering fails.
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

type valueFiles []string

func (v *valueFiles) String() string     { return strings.Join(*v, ",") }
func (v *valueFiles) Set(s string) error { *v = append(*v, s); return nil }

func main() {
	var files valueFiles
	chartDir := flag.String("chart", "", "chart directory")
	flag.Var(&files, "f", "values file merged over the chart's values.yaml (repeatable; later wins)")
	releaseName := flag.String("release-name", "release-name", "release name")
	namespace := flag.String("namespace", "default", "release namespace")
	kubeVersion := flag.String("kube-version", "v1.32.0", "Kubernetes version for .Capabilities and kubeVersion")
	skipSchema := flag.Bool("skip-schema-validation", false, "do not validate values against values.schema.json")
	flag.Parse()
	if *chartDir == "" || flag.NArg() != 0 {
		fmt.Fprintln(os.Stderr, "usage: helm-render --chart DIR [-f values.yaml ...] [--release-name N] [--namespace NS]")
		os.Exit(2)
	}
	out, err := run(*chartDir, files, *releaseName, *namespace, *kubeVersion, *skipSchema)
	if err != nil {
		fmt.Fprintln(os.Stderr, "Error:", err)
		os.Exit(1)
	}
	fmt.Print(out)
}

func run(chartDir string, files []string, releaseName, namespace, kubeVersion string, skipSchema bool) (string, error) {
	meta, err := readChartMeta(chartDir)
	if err != nil {
		return "", err
	}
	if err := checkKubeVersion(meta, kubeVersion); err != nil {
		return "", err
	}
	values, err := readValues(filepath.Join(chartDir, "values.yaml"))
	if err != nil {
		return "", fmt.Errorf("values.yaml: %v", err)
	}
	for _, f := range files {
		user, err := readValues(f)
		if err != nil {
			return "", fmt.Errorf("%s: %v", f, err)
		}
		values = coalesce(user, values)
	}
	if !skipSchema {
		if err := validateValues(filepath.Join(chartDir, "values.schema.json"), values); err != nil {
			return "", err
		}
	}
	templates, err := loadTemplates(chartDir, meta.Name)
	if err != nil {
		return "", err
	}
	e, err := newEngine(templates)
	if err != nil {
		return "", err
	}
	top := map[string]interface{}{
		"Values": values,
		"Chart":  meta.forTemplates(),
		"Release": map[string]interface{}{
			"Name": releaseName, "Namespace": namespace, "Service": "Helm",
			"IsInstall": true, "IsUpgrade": false, "Revision": 1,
		},
		"Capabilities": capabilities(kubeVersion),
	}
	rendered, err := e.render(templates, top)
	if err != nil {
		return "", err
	}
	return manifestsText(splitManifests(rendered)), nil
}
