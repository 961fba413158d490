// Package devenv starts tollgate's development environment: a local control plane
// (kube-apiserver and etcd, controller-runtime's envtest) with tollgate's CRDs, admission
// webhooks and RBAC, tollgate's local Step Functions endpoint (internal/sfnlocal) on 127.0.0.1,
// and the operator running as its own identity. The controller suite, the benchmarks and
// `make demo` all start their environment here, so what the tests prove is what the demo runs.
//
// Everything binds to loopback. Nothing is downloaded: the control plane binaries are built
// once per user from the Go module proxy (`make envtest-assets`) and found by Assets.
package devenv
