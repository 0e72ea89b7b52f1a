{{/* Names and labels, as `helm create` lays them out. */}}
{{- define "kr-node.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "kr-node.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "kr-node.namespace" -}}
{{- default .Release.Namespace .Values.namespaceOverride }}
{{- end }}

{{- define "kr-node.selectorLabels" -}}
app.kubernetes.io/name: {{ include "kr-node.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "kr-node.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{ include "kr-node.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{- define "kr-node.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "kr-node.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- required "serviceAccount.name is required when serviceAccount.create is false" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "kr-node.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}

{{/*
The daemons besides the informer that are enabled at all: a YAML list, for fromYaml callers
as {daemons: [...]}. The informer rule is checked here, so every template that asks fails
the same way.
*/}}
{{- define "kr-node.enabledDaemons" -}}
{{- $enabled := list }}
{{- range $d := list "proxyd" "policyd" "routed" }}
{{- if (index $.Values $d).enabled }}
{{- $enabled = append $enabled $d }}
{{- end }}
{{- end }}
{{- if and $enabled (not .Values.informer.enabled) }}
{{- fail (printf "informer.enabled=false, but %s need it: only the informer reads the API server" (join ", " $enabled)) }}
{{- end }}
{{- toYaml (dict "daemons" $enabled) }}
{{- end }}

{{/* The daemons a role runs: those it lists that are enabled. Called with (list root role). */}}
{{- define "kr-node.roleDaemons" -}}
{{- $root := index . 0 }}
{{- $role := index . 1 }}
{{- $enabled := (include "kr-node.enabledDaemons" $root | fromYaml).daemons }}
{{- $daemons := list }}
{{- range $d := $role.daemons }}
{{- if has $d $enabled }}
{{- $daemons = append $daemons $d }}
{{- end }}
{{- end }}
{{- toYaml (dict "daemons" $daemons) }}
{{- end }}

{{/* Whether any role runs routed: "true" or "". */}}
{{- define "kr-node.anyRouted" -}}
{{- $root := . }}
{{- range $name, $role := .Values.roles }}
{{- if has "routed" (include "kr-node.roleDaemons" (list $root $role) | fromYaml).daemons }}true{{ end }}
{{- end }}
{{- end }}

{{/*
One command-line flag: --name=value. Lists join with commas (kube-router's slice flags);
strings go through tpl so they may refer to values. Called with (list root name value).
*/}}
{{- define "kr-node.flag" -}}
{{- $root := index . 0 }}
{{- $name := index . 1 }}
{{- $value := index . 2 }}
{{- if kindIs "slice" $value }}
{{- $value = join "," $value }}
{{- else if kindIs "float64" $value }}
{{- /* Values hold numbers as float64: print 4200000000, not 4.2e+09. */}}
{{- $value = int64 $value }}
{{- else if kindIs "string" $value }}
{{- $value = tpl $value $root }}
{{- end -}}
- {{ printf "--%s=%v" $name $value | quote }}
{{- end }}

{{/* The flags every daemon takes. Called with (list root daemonValues). */}}
{{- define "kr-node.commonArgs" -}}
{{- $root := index . 0 }}
{{- $d := index . 1 }}
{{- $c := $root.Values.common -}}
- "--hostname-override=$(NODE_NAME)"
{{ include "kr-node.flag" (list $root "v" $c.verbosity) }}
{{ include "kr-node.flag" (list $root "bus-dir" $c.busDir) }}
{{ include "kr-node.flag" (list $root "health-port" $d.healthPort) }}
{{ include "kr-node.flag" (list $root "metrics-port" $d.metricsPort) }}
{{- if $c.metricsAddr }}
{{ include "kr-node.flag" (list $root "metrics-addr" $c.metricsAddr) }}
{{- end }}
{{ include "kr-node.flag" (list $root "metrics-path" $c.metricsPath) }}
{{- if $c.dryRun }}
{{ include "kr-node.flag" (list $root "dry-run" true) }}
{{- end }}
{{- end }}

{{/* The daemon's extraArgs, sorted by name. Called with (list root daemonValues). */}}
{{- define "kr-node.extraArgs" -}}
{{- $root := index . 0 }}
{{- range $name, $value := (index . 1).extraArgs }}
{{ include "kr-node.flag" (list $root $name $value) }}
{{- end }}
{{- end }}

{{/* What every daemon container has. Called with (list root name daemonValues extraEnv). */}}
{{- define "kr-node.containerCommon" -}}
{{- $root := index . 0 }}
{{- $name := index . 1 }}
{{- $d := index . 2 -}}
image: {{ include "kr-node.image" $root }}
imagePullPolicy: {{ $root.Values.image.pullPolicy }}
command: [/usr/local/bin/kr-{{ $name }}]
env:
  - name: NODE_NAME
    valueFrom:
      fieldRef:
        fieldPath: spec.nodeName
  {{- with index . 3 }}
  {{- toYaml . | nindent 2 }}
  {{- end }}
livenessProbe:
  httpGet:
    path: /healthz
    port: {{ $d.healthPort }}
  initialDelaySeconds: 10
  periodSeconds: 10
  failureThreshold: 3
{{- with $d.resources }}
resources:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end }}

{{/* A container's securityContext adding exactly `caps`. Called with a list of capabilities. */}}
{{- define "kr-node.securityContext" -}}
securityContext:
  allowPrivilegeEscalation: false
  readOnlyRootFilesystem: true
  capabilities:
    drop: [ALL]
    {{- if . }}
    add: {{ toJson . }}
    {{- end }}
{{- end }}

{{- define "kr-node.busMount" -}}
- name: bus
  mountPath: {{ .Values.common.busDir }}
{{- end }}
