// Package manifests reads, installs and checks the YAML tollgate ships (config/ rendered by
// kustomize, `make build-installer`'s dist/install.yaml, the Helm chart in dist/chart): decoding,
// the CRDs of other projects it refers to (cert-manager's, prometheus-operator's ServiceMonitor)
// taken from their modules on the Go module proxy, a server-side dry-run against a real API
// server, and what the pieces must say to each other. test/install and test/helm use it.
package manifests
