package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/Masterminds/semver/v3"
	"gopkg.in/yaml.v2"
)

// chartMeta is the part of Chart.yaml the templates and the checks use.
type chartMeta struct {
	APIVersion  string   `yaml:"apiVersion"`
	Name        string   `yaml:"name"`
	Version     string   `yaml:"version"`
	AppVersion  string   `yaml:"appVersion"`
	KubeVersion string   `yaml:"kubeVersion"`
	Description string   `yaml:"description"`
	Type        string   `yaml:"type"`
	Keywords    []string `yaml:"keywords"`
}

// readChartMeta reads Chart.yaml and checks what Helm's chart validation checks.
func readChartMeta(chartDir string) (chartMeta, error) {
	var m chartMeta
	data, err := os.ReadFile(filepath.Join(chartDir, "Chart.yaml"))
	if err != nil {
		return m, err
	}
	if err := yaml.UnmarshalStrict(data, &m); err != nil {
		return m, fmt.Errorf("Chart.yaml: %v", err)
	}
	if m.APIVersion != "v2" {
		return m, fmt.Errorf("Chart.yaml: apiVersion %q, want v2", m.APIVersion)
	}
	if m.Name == "" || strings.ContainsAny(m.Name, "/\\ ") {
		return m, fmt.Errorf("Chart.yaml: invalid name %q", m.Name)
	}
	if _, err := semver.StrictNewVersion(m.Version); err != nil {
		return m, fmt.Errorf("Chart.yaml: version %q is not a SemVer 2 version", m.Version)
	}
	if m.Type != "" && m.Type != "application" && m.Type != "library" {
		return m, fmt.Errorf("Chart.yaml: invalid type %q", m.Type)
	}
	return m, nil
}

// forTemplates is .Chart: Helm exposes Chart.yaml's fields under their Go names.
func (m chartMeta) forTemplates() map[string]interface{} {
	return map[string]interface{}{
		"APIVersion": m.APIVersion, "Name": m.Name, "Version": m.Version,
		"AppVersion": m.AppVersion, "KubeVersion": m.KubeVersion,
		"Description": m.Description, "Type": m.Type, "Keywords": m.Keywords,
	}
}

func checkKubeVersion(m chartMeta, kubeVersion string) error {
	if m.KubeVersion == "" {
		return nil
	}
	c, err := semver.NewConstraint(m.KubeVersion)
	if err != nil {
		return fmt.Errorf("Chart.yaml: kubeVersion %q: %v", m.KubeVersion, err)
	}
	v, err := semver.NewVersion(kubeVersion)
	if err != nil {
		return fmt.Errorf("--kube-version %q: %v", kubeVersion, err)
	}
	if !c.Check(v) {
		return fmt.Errorf("chart requires kubeVersion: %s which is incompatible with Kubernetes %s",
			m.KubeVersion, kubeVersion)
	}
	return nil
}

func capabilities(kubeVersion string) map[string]interface{} {
	v, _ := semver.NewVersion(kubeVersion)
	kv := map[string]interface{}{"Version": kubeVersion, "GitVersion": kubeVersion}
	if v != nil {
		kv["Major"] = fmt.Sprint(v.Major())
		kv["Minor"] = fmt.Sprint(v.Minor())
	}
	return map[string]interface{}{"KubeVersion": kv}
}
