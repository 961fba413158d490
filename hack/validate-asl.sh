#!/usr/bin/env bash
# Validates every Amazon States Language file under config/stepfunctions with asl-validator
# (npm), after substituting the deployment placeholders the way CloudFormation's
# DefinitionSubstitutions would: ${ApprovalActivityArn} and ${NotificationTopicArn}.
# asl-validator is installed into bin/ (via npm) the first time; later runs reuse it.
#
# Usage: hack/validate-asl.sh [DIR]   (DIR defaults to config/stepfunctions)
# Exits non-zero when a file is invalid or still holds an unknown ${...} placeholder.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
dir=${1:-$root/config/stepfunctions}
version=4.0.0
prefix=$root/bin/asl-validator-$version
validator=$prefix/node_modules/.bin/asl-validator

if [[ ! -x $validator ]]; then
  echo "installing asl-validator@$version into $prefix"
  npm install --silent --no-audit --no-fund --prefix "$prefix" "asl-validator@$version"
fi

activity_arn='arn:aws:states:us-east-1:123456789012:activity:tollgate-approval'
topic_arn='arn:aws:sns:us-east-1:123456789012:tollgate-approval'
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT

status=0
while IFS= read -r -d '' file; do
  out=$work/$(basename "$file")
  sed -e "s#\${ApprovalActivityArn}#$activity_arn#g" -e "s#\${NotificationTopicArn}#$topic_arn#g" "$file" >"$out"
  if grep -q '\${' "$out"; then
    echo "✕ $file: unknown placeholder: $(grep -o '\${[^}]*}' "$out" | sort -u | tr '\n' ' ')"
    status=1
    continue
  fi
  if "$validator" --json-path "$out" --silent; then
    echo "✓ $file"
  else
    "$validator" --json-path "$out" || true
    echo "✕ $file"
    status=1
  fi
done < <(find "$dir" -name '*.asl.json' -print0 | sort -z)
exit $status
