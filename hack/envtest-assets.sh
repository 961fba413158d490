#!/usr/bin/env bash
# Builds envtest's control plane (kube-apiserver, etcd) and kubectl from the Go module proxy,
# because setup-envtest's download sites are not reachable from every machine (CI's included).
#
# Usage: hack/envtest-assets.sh OUT_DIR K8S_VERSION ETCD_VERSION
# The result is cached: when OUT_DIR/.version already names these versions, nothing is rebuilt.
# OUT_DIR is per user (the Makefile: ~/.local/share/kubebuilder-envtest/k8s/<version>-<os>-<arch>),
# so every clone shares one build; two builds at once wait for each other (a lock), and a build
# is moved into place only when complete, so an interrupted one leaves nothing half-built.
# Cold build on 2 cores: about 6 minutes (kube-apiserver is most of it: measured 4 min 42 s of 5 min 47 s); warm: instant.
set -euo pipefail
out=${1:?usage: envtest-assets.sh OUT_DIR K8S_VERSION ETCD_VERSION}
k8s=${2:?k8s version, e.g. 1.37.2}
etcd=${3:?etcd version, e.g. 3.6.5}
stamp="kubernetes=v$k8s etcd=v$etcd"
mkdir -p "$(dirname "$out")"; out=$(cd "$(dirname "$out")" && pwd)/$(basename "$out")

cached() { [[ -f $out/.version && $(cat "$out/.version") == "$stamp" && -x $out/kube-apiserver && -x $out/etcd && -x $out/kubectl ]]; }
if cached; then
  echo "envtest assets: cached in $out ($stamp)"
  exit 0
fi

log() { printf '[envtest-assets %s] %s\n' "$(date +%H:%M:%S)" "$*"; }
exec 9>"$out.lock"
if command -v flock >/dev/null && ! flock -n 9; then
  log "another build of the control plane is running (lock $out.lock); waiting for it"
  flock 9
  if cached; then echo "envtest assets: built meanwhile in $out ($stamp)"; exit 0; fi
fi
log "building the local control plane ($stamp) into $out"
log "this happens once per user and version and takes 6 to 11 minutes on 2 cores; every clone reuses it"

work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
final=$out; out=$work/out; mkdir -p "$out"
minor=${k8s#*.}; minor=${minor%%.*}
staging="v0.${k8s#*.}"   # k8s.io/kubernetes v1.X.Y publishes its staging modules as v0.X.Y

# k8s.io/kubernetes maps its staging modules (k8s.io/api, k8s.io/client-go, ...) to ./staging
# with replace directives; a module that builds its commands restates them with published versions.
mkdir -p "$work/k8s/tools" && cd "$work/k8s"
printf 'module local/envtestassets\n\ngo 1.26.0\n\nrequire k8s.io/kubernetes v%s\n' "$k8s" > go.mod
log "resolving k8s.io/kubernetes v$k8s from the module proxy"
gomod=$(go mod download -json "k8s.io/kubernetes@v$k8s" | sed -n 's/.*"GoMod": "\(.*\)".*/\1/p')
{
  echo "replace ("
  grep -oE 'k8s.io/[a-z0-9-]+ => ./staging' "$gomod" | awk -v v="$staging" '{print "\t"$1" => "$1" "v}'
  echo ")"
} >> go.mod
cat > tools/tools.go <<'GO'
//go:build tools

package tools

import (
	_ "k8s.io/kubernetes/cmd/kube-apiserver"
	_ "k8s.io/kubernetes/cmd/kubectl"
)
GO
go mod tidy >/dev/null 2>&1 || go mod tidy

# Unstamped binaries report v0.0.0-master and clients warn about version skew.
ldflags="-s -w"
for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
  ldflags+=" -X $pkg.gitVersion=v$k8s -X $pkg.gitMajor=1 -X $pkg.gitMinor=$minor"
done
ldflags+=" -X k8s.io/component-base/version.gitTreeState=clean"

log "compiling kube-apiserver (the long step: 5 to 9 minutes)"
go build -trimpath -ldflags="$ldflags" -o "$out/kube-apiserver" k8s.io/kubernetes/cmd/kube-apiserver
log "compiling kubectl (about 30 seconds after kube-apiserver)"
go build -trimpath -ldflags="$ldflags" -o "$out/kubectl" k8s.io/kubernetes/cmd/kubectl

log "compiling etcd v$etcd (about 30 seconds)"
mkdir -p "$work/etcd" && cd "$work/etcd"
printf 'module local/etcdasset\n\ngo 1.26.0\n' > go.mod
go get "go.etcd.io/etcd/server/v3@v$etcd" >/dev/null 2>&1 || go get "go.etcd.io/etcd/server/v3@v$etcd"
go build -trimpath -ldflags='-s -w' -o "$out/etcd" go.etcd.io/etcd/server/v3

echo "$stamp" > "$out/.version"
log "done: $("$out/kube-apiserver" --version) / $("$out/etcd" --version | head -1)"
rm -rf "$final.old"; [[ -e $final ]] && mv "$final" "$final.old"
mv "$out" "$final" && rm -rf "$final.old"
log "installed in $final"
