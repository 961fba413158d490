// Package devenv starts tollgate's development environment: a local control plane
// (kube-apiserver and etcd, controller-runtime's envtest) with tollgate's CRDs, admission
// webhooks and RBAC, tollgate's local Step Functions endpoint (internal/sfnlocal) on 127.0.0.1,
// and the operator running as its own identity. The controller suite, the benchmarks and
// `make demo` all start their environment here, so what the tests prove is what the demo runs;
// they all make a team's people here too (Team).
//
// Everything binds to loopback. Nothing is downloaded: the control plane binaries are built
// once per user from the Go module proxy (`make envtest-assets`) and found by Assets.
//
// Nothing it starts outlives a run that is killed. On Linux the processes it starts get SIGKILL
// when it dies (launch_linux.go: envtest's own processes through a launcher, since envtest sets
// their SysProcAttr itself); and each control plane records what it started, with enough to
// tell each process from a later one given the same pid, in a run directory, so that the next
// run ends what a killed one left (EndLeftovers): the demo's in .demo/run, tests' under
// $TMPDIR/tollgate-devenv-<uid>. TOLLGATE_DEVENV_CHILDREN_OUTLIVE=1 leaves out the signal, as
// where Linux's is not available (the demo's crash test).
package devenv
