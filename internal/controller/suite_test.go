/*
Copyright 2026.

Licensed under the Apache License, Version 2.0 (the "License");
you may not use this file except in compliance with the License.
You may obtain a copy of the License at

    http://www.apache.org/licenses/LICENSE-2.0

Unless required by applicable law or agreed to in writing, software
distributed under the License is distributed on an "AS IS" BASIS,
WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
See the License for the specific language governing permissions and
limitations under the License.
*/

package controller_test

import (
	"context"
	"io"
	"testing"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
	logf "sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"

	"github.com/tollgate-dev/tollgate/internal/devenv"
)

// The suite runs against a real kube-apiserver and etcd with tollgate's webhooks and RBAC
// installed, and the local Step Functions endpoint through the real SDK: the environment
// internal/devenv starts, the same one `make demo` runs.
var (
	ctx       context.Context
	cancel    context.CancelFunc
	env       *devenv.Env
	k8sClient client.Client // the cluster administrator: setting up, never deciding
	scheme    *runtime.Scheme
	sfnLocal  *localSFN
	// legacyKey is the key of the records signed before version 2, as an upgraded cluster has
	// them (the upgrade spec).
	legacyKey = []byte("an upgraded cluster's record key!")
	// kubectlRun runs the kubectl built with the control plane, as a cluster administrator.
	kubectlRun func(args ...string) (stdout, stderr io.Reader, err error)
)

func TestControllers(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "Controller Suite")
}

var _ = BeforeSuite(func() {
	logf.SetLogger(zap.New(zap.WriteTo(tokenWatch(GinkgoWriter)), zap.UseDevMode(true)))
	startEnvironment()
})

var _ = AfterSuite(func() {
	defer stopEnvironment()
	checkNoTokenLeaked()
})

// startEnvironment starts what every spec and benchmark talks to.
func startEnvironment() {
	ctx, cancel = context.WithCancel(context.Background())
	sfnLocal = newLocalSFN()
	var err error
	env, err = devenv.Start(ctx, devenv.Options{Endpoint: devenv.EndpointOptions{Clock: sfnLocal.clock, Wrap: sfnLocal.record}, LegacyKey: legacyKey})
	Expect(err).NotTo(HaveOccurred())
	k8sClient, scheme = env.ControlPlane.Client, env.ControlPlane.Scheme
	sfnLocal.attach(env.Endpoint)
	admin, err := env.ControlPlane.Env.AddUser(envtest.User{Name: "kubectl-admin", Groups: []string{"system:masters"}}, nil)
	Expect(err).NotTo(HaveOccurred())
	k, err := admin.Kubectl()
	Expect(err).NotTo(HaveOccurred())
	kubectlRun = k.Run
}

func stopEnvironment() {
	cancel()
	if env != nil {
		Expect(env.Stop()).To(Succeed())
	}
}
