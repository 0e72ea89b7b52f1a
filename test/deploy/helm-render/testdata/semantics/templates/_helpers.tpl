{{- define "semantics.self" -}}
{{- include "semantics.self" . -}}
{{- end }}
{{- define "semantics.label" -}}
chart: {{ .Chart.Name }}-{{ .Chart.Version }}
{{- end }}
