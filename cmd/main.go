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

// Command manager runs the tollgate operator: flags and wiring only.
package main

import (
	"crypto/tls"
	"flag"
	"os"

	_ "k8s.io/client-go/plugin/pkg/client/auth"

	"k8s.io/apimachinery/pkg/runtime"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/healthz"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"
	"sigs.k8s.io/controller-runtime/pkg/metrics/filters"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"
	"sigs.k8s.io/controller-runtime/pkg/webhook"

	approvalsv1alpha1 "github.com/tollgate-dev/tollgate/api/v1alpha1"
	"github.com/tollgate-dev/tollgate/internal/operator"
	"github.com/tollgate-dev/tollgate/internal/stepfunctions"
)

var (
	scheme   = runtime.NewScheme()
	setupLog = ctrl.Log.WithName("setup")
)

func init() {
	utilruntime.Must(clientgoscheme.AddToScheme(scheme))
	utilruntime.Must(approvalsv1alpha1.AddToScheme(scheme))
}

func main() {
	var metricsAddr, probeAddr, pprofAddr, metricsCertPath, webhookCertPath string
	var webhookPort int
	var enableLeaderElection, secureMetrics, enableHTTP2, enableWebhooks bool
	var leaderElectionNamespace string
	var kubeQPS float64
	var kubeBurst int
	flag.StringVar(&metricsAddr, "metrics-bind-address", "0", "The address the metrics endpoint binds to. "+
		"Use :8443 for HTTPS or :8080 for HTTP, or leave as 0 to disable the metrics service.")
	flag.StringVar(&probeAddr, "health-probe-bind-address", ":8081", "The address the probe endpoint binds to.")
	flag.StringVar(&pprofAddr, "pprof-bind-address", "0", "The address Go's profiler (/debug/pprof/) is served on, e.g. 127.0.0.1:6060; 0 disables it. "+
		"Bind it to localhost and reach it with kubectl port-forward: it is not authenticated.")
	flag.BoolVar(&enableLeaderElection, "leader-elect", false,
		"Enable leader election: only the leader polls the activity and reconciles.")
	flag.BoolVar(&secureMetrics, "metrics-secure", true,
		"Serve the metrics endpoint over HTTPS with authentication and authorization. --metrics-secure=false serves HTTP.")
	flag.StringVar(&metricsCertPath, "metrics-cert-path", "", "The directory that contains the metrics server certificate (tls.crt, tls.key).")
	flag.BoolVar(&enableHTTP2, "enable-http2", false, "Enable HTTP/2 for the metrics and webhook servers.")
	flag.StringVar(&webhookCertPath, "webhook-cert-path", "",
		"The directory that contains the admission webhook server's certificate (tls.crt, tls.key), e.g. issued by cert-manager.")
	flag.IntVar(&webhookPort, "webhook-port", 9443, "The port the admission webhook server listens on.")
	flag.BoolVar(&enableWebhooks, "enable-webhooks", true, "Serve the admission webhooks from this process. "+
		"Turn it off only where another process serves them (they must run somewhere: they decide who may decide).")
	flag.StringVar(&leaderElectionNamespace, "leader-election-namespace", "",
		"Namespace of the leader election lease (default: the namespace the pod runs in; required out of cluster).")
	flag.Float64Var(&kubeQPS, "kube-api-qps", 500, "The most requests per second the manager sends the Kubernetes API server "+
		"(client-go's default, 20, would throttle a burst of decisions to a crawl; the API server's priority and fairness protects it). "+
		"Negative: no client-side limit.")
	flag.IntVar(&kubeBurst, "kube-api-burst", 1000, "The most requests the manager sends the Kubernetes API server at once, above --kube-api-qps.")
	cfg := operator.NewConfig()
	cfg.BindFlags(flag.CommandLine)
	opts := zap.Options{Development: true}
	opts.BindFlags(flag.CommandLine)
	flag.Parse()
	ctrl.SetLogger(zap.New(zap.UseFlagOptions(&opts)))

	var tlsOpts []func(*tls.Config)
	if !enableHTTP2 {
		tlsOpts = append(tlsOpts, func(c *tls.Config) { c.NextProtos = []string{"http/1.1"} })
	}
	metricsOptions := metricsserver.Options{BindAddress: metricsAddr, SecureServing: secureMetrics, TLSOpts: tlsOpts, CertDir: metricsCertPath}
	if secureMetrics {
		metricsOptions.FilterProvider = filters.WithAuthenticationAndAuthorization
	}

	ctx := ctrl.SetupSignalHandler()
	var webhookServer webhook.Server
	if enableWebhooks {
		webhookServer = webhook.NewServer(webhook.Options{Port: webhookPort, CertDir: webhookCertPath, TLSOpts: tlsOpts})
	}
	restConfig := ctrl.GetConfigOrDie()
	restConfig.QPS, restConfig.Burst = float32(kubeQPS), kubeBurst
	mgr, err := ctrl.NewManager(restConfig, ctrl.Options{
		Scheme:                  scheme,
		Cache:                   operator.CacheOptions(),
		Metrics:                 metricsOptions,
		WebhookServer:           webhookServer,
		HealthProbeBindAddress:  probeAddr,
		PprofBindAddress:        pprofAddr,
		LeaderElection:          enableLeaderElection,
		LeaderElectionID:        "tollgate.approvals.tollgate.dev",
		LeaderElectionNamespace: leaderElectionNamespace,
	})
	exitOn(err, "creating the manager")

	exitOn(cfg.AWS.Validate(), "checking the AWS flags")
	exitOn(cfg.AWS.CheckIdentity(ctx, setupLog), "checking the operator's AWS identity")
	client, err := stepfunctions.NewClient(ctx, cfg.AWS)
	exitOn(err, "creating the Step Functions client")
	api := stepfunctions.Wrap(client, stepfunctions.NewLimiter(cfg.AWS.Limits()))
	exitOn(cfg.Identity.LoadLegacyKey(ctx, mgr.GetAPIReader()), "loading the legacy record key")
	_, err = operator.Setup(ctx, mgr, cfg, api)
	exitOn(err, "setting up tollgate")
	// The webhooks run on every replica (the API server reaches any of them); the controllers
	// and the activity poller only on the leader.
	if enableWebhooks {
		exitOn(operator.SetupWebhooks(ctx, mgr, cfg), "setting up the admission webhooks")
	}

	exitOn(mgr.AddHealthzCheck("healthz", healthz.Ping), "adding the health check")
	exitOn(mgr.AddReadyzCheck("readyz", healthz.Ping), "adding the readiness check")

	setupLog.Info("starting the manager")
	exitOn(mgr.Start(ctx), "running the manager")
}

func exitOn(err error, doing string) {
	if err != nil {
		setupLog.Error(err, "failed: "+doing)
		os.Exit(1)
	}
}
