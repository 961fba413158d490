// Package gitops proves tollgate's GitOps gates, shipped in gitops/ at the project's root, on
// ApprovalRequests the operator really produced: the development environment (internal/devenv:
// kube-apiserver and etcd, the admission webhooks, the local Step Functions endpoint, the
// operator as its own service account) runs requests to each outcome, decided by the people
// their slots name, and the tests judge those objects as the tools would:
//
//   - Argo CD: the Lua health check (gitops/argocd/resource_customizations/...), run with
//     gopher-lua the way Argo CD runs it, on the produced objects and on every case of its
//     health_test.yaml, whose testdata are those objects (go test -update rewrites them);
//   - Flux: kstatus, with sigs.k8s.io/cli-utils and with Flux's fork github.com/fluxcd/cli-utils,
//     and the shipped healthCheckExprs, evaluated with cel-go in Flux's order.
//
// It is a module of its own because Flux's fork of cli-utils brings other Kubernetes versions
// than the operator's; `make test` runs it (`make test-gitops` alone).
package gitops
