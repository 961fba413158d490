#!/usr/bin/env bash
# Writes the Helm chart's CRD templates from config/crd/bases (run by `make manifests`, so CI's
# "generated files are current" check catches a chart that lags behind the API): each CRD as
# controller-gen made it, installed unless crds.enabled=false and kept on uninstall unless
# crds.keep=false. Usage: hack/chart-crds.sh config/crd/bases dist/chart/templates/crd
set -euo pipefail
src=${1:?source directory}
dst=${2:?destination directory}
mkdir -p "$dst"
rm -f "$dst"/*.yaml
for f in "$src"/*.yaml; do
  grep -q '{{' "$f" && { echo "$f contains '{{', which Helm would read as a template" >&2; exit 1; }
  out="$dst/$(basename "$f" | sed 's/^[^_]*_//')"
  {
    echo '{{- /* Generated from '"$f"' by hack/chart-crds.sh (make manifests). DO NOT EDIT. */}}'
    echo '{{- if .Values.crds.enabled }}'
    awk '
      { print }
      !done && /^  annotations:$/ {
        print "    {{- if .Values.crds.keep }}"
        print "    helm.sh/resource-policy: keep"
        print "    {{- end }}"
        done = 1
      }
      END { if (!done) { print "no metadata.annotations in " FILENAME > "/dev/stderr"; exit 1 } }
    ' "$f"
    echo '{{- end }}'
  } > "$out"
done
