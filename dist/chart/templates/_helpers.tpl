{{/* The chart's name (nameOverride replaces it). */}}
{{- define "tollgate.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
The prefix of every name, as config/default's namePrefix "tollgate-": the release name when it
contains the chart's name (release "tollgate" gives the names `make build-installer` gives),
else "<release>-<chart>"; fullnameOverride replaces it.
*/}}
{{- define "tollgate.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 40 | trimSuffix "-" }}
{{- else }}
{{- $name := include "tollgate.name" . }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 40 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 40 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{/* A name of this release: (include "tollgate.resourceName" (list . "webhook-service")). */}}
{{- define "tollgate.resourceName" -}}
{{- printf "%s-%s" (include "tollgate.fullname" (index . 0)) (index . 1) | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Labels on every object. */}}
{{- define "tollgate.labels" -}}
app.kubernetes.io/name: {{ include "tollgate.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
{{- end }}

{{/* The labels that select the manager's pods (config/manager's). */}}
{{- define "tollgate.selectorLabels" -}}
control-plane: controller-manager
app.kubernetes.io/name: {{ include "tollgate.name" . }}
{{- end }}

{{/* The manager's ServiceAccount. */}}
{{- define "tollgate.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "tollgate.resourceName" (list . "controller-manager")) .Values.serviceAccount.name }}
{{- else }}
{{- required "serviceAccount.name is required when serviceAccount.create=false" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/* The manager's ServiceAccount as an RBAC subject. */}}
{{- define "tollgate.serviceAccountSubject" -}}
- kind: ServiceAccount
  name: {{ include "tollgate.serviceAccountName" . }}
  namespace: {{ .Release.Namespace }}
{{- end }}

{{/* The manager's image: repository:tag (tag defaults to appVersion) or repository@digest. */}}
{{- define "tollgate.image" -}}
{{- if .Values.image.digest }}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}
{{- end }}

{{/* The webhook server's certificate Secret. */}}
{{- define "tollgate.webhookCertSecret" -}}
{{- if .Values.certManager.enabled }}webhook-server-cert{{ else }}{{ required "webhook.certSecret is required when certManager.enabled=false" .Values.webhook.certSecret }}{{ end }}
{{- end }}

{{/*
Which namespaces require a GatePolicy where their label does not say (--policy-enforcement,
docs/policies.md): policies.enforcement when set; else "everywhere" when Helm installs the
release, and on an upgrade what the running manager has — "labelled" when it predates policies,
so an upgrade keeps today's behaviour until an administrator turns enforcement on. (A client-side
dry-run or `helm template` of an upgrade cannot look the manager up: it shows "labelled".)
*/}}
{{- define "tollgate.policyEnforcement" -}}
{{- $set := .Values.policies.enforcement }}
{{- if and $set (not (has $set (list "everywhere" "labelled"))) }}
{{- fail (printf "policies.enforcement is %q: want \"everywhere\", \"labelled\" or empty (everywhere on install, kept on upgrade)" $set) }}
{{- end }}
{{- if $set }}
{{- $set }}
{{- else if .Release.IsInstall }}
{{- "everywhere" }}
{{- else }}
{{- $running := "labelled" }}
{{- $manager := lookup "apps/v1" "Deployment" .Release.Namespace (include "tollgate.resourceName" (list . "controller-manager")) }}
{{- range $c := dig "spec" "template" "spec" "containers" (list) $manager }}
{{- range $a := $c.args }}
{{- if hasPrefix "--policy-enforcement=" $a }}
{{- $running = trimPrefix "--policy-enforcement=" $a }}
{{- end }}
{{- end }}
{{- end }}
{{- $running }}
{{- end }}
{{- end }}
