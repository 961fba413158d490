{{/*
A webhook's clientConfig: the webhook Service, at the path given ((list . "/validate-...")), with
the CA bundle given in values when cert-manager does not inject it.
*/}}
{{- define "tollgate.webhookClientConfig" -}}
{{- $root := index . 0 -}}
clientConfig:
  {{- if not $root.Values.certManager.enabled }}
  caBundle: {{ required "webhook.caBundle is required when certManager.enabled=false" $root.Values.webhook.caBundle }}
  {{- end }}
  service:
    name: {{ include "tollgate.resourceName" (list $root "webhook-service") }}
    namespace: {{ $root.Release.Namespace }}
    path: {{ index . 1 }}
{{- end }}

{{/* The webhook configurations' metadata: name, labels, cert-manager's CA injection. */}}
{{- define "tollgate.webhookMetadata" -}}
{{- $root := index . 0 -}}
metadata:
  name: {{ include "tollgate.resourceName" (list $root (index . 1)) }}
  labels:
    {{- include "tollgate.labels" $root | nindent 4 }}
  {{- if $root.Values.certManager.enabled }}
  annotations:
    cert-manager.io/inject-ca-from: {{ $root.Release.Namespace }}/{{ include "tollgate.resourceName" (list $root "serving-cert") }}
  {{- end }}
{{- end }}
