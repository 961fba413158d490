# Image URL to use all building/pushing image targets
IMG ?= controller:latest
# YEAR defines the year value used for substituting the YEAR placeholder in the boilerplate header.
YEAR ?= 2026

# Get the currently used golang install path (in GOPATH/bin, unless GOBIN is set)
ifeq (,$(shell go env GOBIN))
GOBIN=$(shell go env GOPATH)/bin
else
GOBIN=$(shell go env GOBIN)
endif

# CONTAINER_TOOL defines the container tool to be used for building images.
# Be aware that the target commands are only tested with Docker which is
# scaffolded by default. However, you might want to replace it to use other
# tools. (i.e. podman)
CONTAINER_TOOL ?= docker

# Setting SHELL to bash allows bash commands to be executed by recipes.
# Options are set to exit when a recipe line exits non-zero or a piped command fails.
SHELL = /usr/bin/env bash -o pipefail
.SHELLFLAGS = -ec

.PHONY: all
all: build

##@ General

# The help target prints out all targets with their descriptions organized
# beneath their categories. The categories are represented by '##@' and the
# target descriptions by '##'. The awk command is responsible for reading the
# entire set of makefiles included in this invocation, looking for lines of the
# file as xyz: ## something, and then pretty-format the target and help. Then,
# if there's a line with ##@ something, that gets pretty-printed as a category.
# More info on the usage of ANSI control characters for terminal formatting:
# https://en.wikipedia.org/wiki/ANSI_escape_code#SGR_parameters
# More info on the awk command:
# http://linuxcommand.org/lc3_adv_awk.php

.PHONY: help
help: ## Display this help.
	@awk 'BEGIN {FS = ":.*##"; printf "\nUsage:\n  make \033[36m<target>\033[0m\n"} /^[a-zA-Z_0-9-]+:.*?##/ { printf "  \033[36m%-15s\033[0m %s\n", $$1, $$2 } /^##@/ { printf "\n\033[1m%s\033[0m\n", substr($$0, 5) } ' $(MAKEFILE_LIST)

##@ Development

.PHONY: manifests
manifests: controller-gen ## Generate WebhookConfiguration, ClusterRole and CustomResourceDefinition objects.
	"$(CONTROLLER_GEN)" rbac:roleName=manager-role crd webhook paths="./..." output:crd:artifacts:config=config/crd/bases
	hack/chart-crds.sh config/crd/bases dist/chart/templates/crd

.PHONY: generate
generate: controller-gen ## Generate code containing DeepCopy, DeepCopyInto, and DeepCopyObject method implementations.
	"$(CONTROLLER_GEN)" object:headerFile="hack/boilerplate.go.txt",year=$(YEAR) paths="./..."

.PHONY: fmt
fmt: ## Run go fmt against code (the project's module and test/helm's).
	go fmt ./...
	cd test/helm && go fmt ./...

.PHONY: vet
vet: ## Run go vet against code.
	@echo ">> go vet ./... (the first run compiles Kubernetes and the AWS SDK: 2-4 minutes on 2 cores)"
	go vet ./...

.PHONY: test
test: manifests generate fmt vet envtest-assets kustomize ## Run every test: unit, fuzz seeds, envtest suites, the GitOps gates, the installer and the Helm chart (builds Helm into bin/ unless `make helm` did).
	@echo ">> go test ./... (first run compiles the Kubernetes and AWS SDK packages: 3-6 minutes on 2 cores)"
	KUBEBUILDER_ASSETS="$(ENVTEST_ASSETS)" KUSTOMIZE="$(KUSTOMIZE)" go test ./... -coverprofile cover.out $(TEST_FLAGS)
	@$(MAKE) --no-print-directory test-gitops
	@$(MAKE) --no-print-directory test-installer
	@$(MAKE) --no-print-directory test-helm

## The packages whose tests start a control plane (envtest or internal/devenv): make test-unit
## runs every other one. Its KUBEBUILDER_ASSETS names a directory that does not exist, so a
## package that starts a control plane and is missing here fails there instead of passing slowly.
ENVTEST_PACKAGES = cmd/tollgate-demo internal/admission internal/controller internal/devenv internal/plugin \
	internal/webhook/v1alpha1 test/install test/soak
UNIT_PACKAGES = $(filter-out $(addprefix github.com/tollgate-dev/tollgate/,$(ENVTEST_PACKAGES)),$(shell go list ./...))

.PHONY: test-unit
test-unit: ## Run every test that needs no control plane (the edit-test loop): under a minute once compiled.
	KUBEBUILDER_ASSETS="$(LOCALBIN)/no-control-plane" go test $(UNIT_PACKAGES) $(TEST_FLAGS)

## test/gitops is a Go module of its own (Flux's fork of cli-utils brings other Kubernetes
## versions than the operator's): the GitOps gates (gitops/) judged on requests the operator
## produced. GITOPS_TEST_FLAGS=-update rewrites the Argo CD check's testdata from them.
.PHONY: test-gitops
test-gitops: envtest-assets ## Run the GitOps gate tests (Argo CD Lua check, kstatus with both libraries, Flux CEL) in their own module.
	@echo ">> go test ./... in test/gitops (its own module; the first run compiles Flux's cli-utils and the Kubernetes packages again at the versions it needs: several minutes on 2 cores)"
	cd test/gitops && KUBEBUILDER_ASSETS="$(ENVTEST_ASSETS)" go test ./... $(TEST_FLAGS) $(GITOPS_TEST_FLAGS)

## The long soak: SOAK_REQUESTS requests decided through every path under every kind of injected
## fault, the manager (the shipped binary, two processes with leader election) SIGKILLed
## SOAK_KILLS times. `make test` runs a short one (12 requests, 2 kills).
SOAK_REQUESTS ?= 200
SOAK_KILLS ?= 8
SOAK_TIMEOUT_SECONDS ?= 1200

.PHONY: soak
soak: envtest-assets ## Run the long soak (faults, SIGKILLed managers, leader failover); judged from Step Functions' execution histories.
	@echo ">> soak: $(SOAK_REQUESTS) requests, $(SOAK_KILLS) leader kills, at most $(SOAK_TIMEOUT_SECONDS)s"
	KUBEBUILDER_ASSETS="$(ENVTEST_ASSETS)" SOAK_REQUESTS=$(SOAK_REQUESTS) SOAK_KILLS=$(SOAK_KILLS) SOAK_TIMEOUT_SECONDS=$(SOAK_TIMEOUT_SECONDS) \
		go test ./test/soak -run TestSoak -count=1 -v -timeout $$(( $(SOAK_TIMEOUT_SECONDS) + 300 ))s

## make bench: tollgate end to end at 1, 100 and 1,000 pending requests (the manager as it ships, a
## process of its own, on the local control plane and endpoint): the informer floor, decision and
## outcome latency, creation → tokens, a burst, the manager's memory and CPU, a restart, and the
## Step Functions calls per request (asserted). A table on stdout, the numbers in bin/bench.json.
BENCH_FLAGS ?=

.PHONY: bench
bench: envtest-assets ## Measure tollgate end to end (latency against the informer floor, burst, memory, restart, AWS calls): a table and bin/bench.json; about 3 min.
	@mkdir -p $(LOCALBIN)
	KUBEBUILDER_ASSETS="$(ENVTEST_ASSETS)" go run ./test/bench -json $(LOCALBIN)/bench.json $(BENCH_FLAGS)

.PHONY: bench-large
bench-large: envtest-assets ## make bench with a 10,000-pending tier (memory, restart at 10,000): bin/bench-large.json; about 15 min.
	@mkdir -p $(LOCALBIN)
	KUBEBUILDER_ASSETS="$(ENVTEST_ASSETS)" go run ./test/bench -tiers 1,100,1000,10000 -timeout 90m -json $(LOCALBIN)/bench-large.json $(BENCH_FLAGS)

.PHONY: bench-micro
bench-micro: envtest-assets ## Run the Go benchmarks (decision latency in-process, local endpoint hot paths, AWS call overhead).
	KUBEBUILDER_ASSETS="$(ENVTEST_ASSETS)" go test ./... -run '^$$' -bench . -benchmem $(MICRO_FLAGS)

.PHONY: verify-generated
verify-generated: manifests generate ## Fail if generated code or manifests differ from what is committed.
	@git diff --exit-code -- api config dist/chart || { echo "generated files are stale: run 'make manifests generate' and commit the result"; exit 1; }

## The Helm chart (dist/chart), checked with both Helm majors built from the Go module proxy:
## lint, render, a server-side dry-run on the local control plane, and no drift from config/.
## Its own Go module (test/helm), so Helm's Kubernetes versions stay out of the product's go.mod.
.PHONY: test-helm
test-helm: manifests kustomize helm envtest-assets ## Check the Helm chart with helm v4 and v3 (builds both into bin/ the first time: ~1-2 min each).
	@echo ">> test/helm (its own module; first run compiles its test binary: 1-3 min on 2 cores)"
	cd test/helm && KUBEBUILDER_ASSETS="$(ENVTEST_ASSETS)" KUSTOMIZE="$(KUSTOMIZE)" HELM_V4="$(HELM_V4)" HELM_V3="$(HELM_V3)" \
		go test ./... -count=1 $(TEST_FLAGS)

## The image test-installer renders dist/install.yaml with.
INSTALL_IMG ?= registry.example.com/tollgate:test

.PHONY: test-installer
test-installer: kustomize envtest-assets ## Render dist/install.yaml (make build-installer) and check it with a server-side dry-run (test/install).
	@echo ">> make build-installer, then dist/install.yaml applied with a server-side dry-run (test/install)"
	@$(MAKE) --no-print-directory build-installer IMG=$(INSTALL_IMG)
	KUBEBUILDER_ASSETS="$(ENVTEST_ASSETS)" KUSTOMIZE="$(KUSTOMIZE)" INSTALL_YAML="$(CURDIR)/dist/install.yaml" INSTALL_IMG=$(INSTALL_IMG) \
		go test ./test/install -count=1 -v -run TestDefaultInstallIsAcceptedByTheAPIServer

.PHONY: validate-asl
validate-asl: ## Check the shipped state machines with asl-validator (npm, cached in bin/): valid ASL for AWS.
	hack/validate-asl.sh

## cfn-lint comes from PyPI only (not Debian, not npm), which CI cannot reach: it is a check to run
## where it is installed (pip install cfn-lint), not part of make test. The template's Metadata
## says which of its warnings are intended, and why.
.PHONY: lint-template
lint-template: ## Check config/aws/template.yaml with cfn-lint (pip install cfn-lint first; not in CI: PyPI is out of its reach).
	@command -v cfn-lint >/dev/null || { echo "cfn-lint is not installed: pip install cfn-lint"; exit 1; }
	cfn-lint config/aws/template.yaml

.PHONY: envtest-assets
envtest-assets: ## Build kube-apiserver, etcd and kubectl from the Go module proxy, once per user and version (~5 min cold).
	@hack/envtest-assets.sh "$(ENVTEST_ASSETS)" "$(ENVTEST_K8S_VERSION)" "$(ETCD_VERSION)"

## Flags for the demo, e.g. make demo DEMO_FLAGS=--play
DEMO_FLAGS ?=

.PHONY: demo
demo: manifests envtest-assets ## Run tollgate locally (control plane, local Step Functions, operator) and decide a request with kubectl; DEMO_FLAGS=--play plays the scenarios.
	@echo "[demo $$(date +%H:%M:%S)] compiling the demo (first time: 1-3 min on 2 cores, then seconds)"
	go build -o "$(LOCALBIN)/tollgate-demo" ./cmd/tollgate-demo
	KUBEBUILDER_ASSETS="$(ENVTEST_ASSETS)" "$(LOCALBIN)/tollgate-demo" --assets "$(ENVTEST_ASSETS)" $(DEMO_FLAGS)

.PHONY: lint
lint: golangci-lint ## Run golangci-lint linter (the project's module, test/helm's and test/gitops')
	"$(GOLANGCI_LINT)" run
	cd test/helm && "$(GOLANGCI_LINT)" run
	cd test/gitops && "$(GOLANGCI_LINT)" run

.PHONY: lint-fix
lint-fix: golangci-lint ## Run golangci-lint linter and perform fixes
	"$(GOLANGCI_LINT)" run --fix

.PHONY: lint-config
lint-config: golangci-lint ## Verify golangci-lint linter configuration
	"$(GOLANGCI_LINT)" config verify

##@ Build

.PHONY: build
build: manifests generate fmt vet ## Build manager binary.
	go build -o bin/manager cmd/main.go

.PHONY: plugin
plugin: ## Build the kubectl plugin bin/kubectl-tollgate (put bin/ on PATH, then: kubectl tollgate list).
	go build -o bin/kubectl-tollgate ./cmd/kubectl-tollgate

.PHONY: run
run: manifests generate fmt vet ## Run a controller from your host.
	go run ./cmd/main.go

# If you wish to build the manager image targeting other platforms you can use the --platform flag.
# (i.e. docker build --platform linux/arm64). However, you must enable docker buildKit for it.
# More info: https://docs.docker.com/develop/develop-images/build_enhancements/
# Override BASE_IMAGE to build from another registry, e.g.
# make docker-build IMG=<img> BASE_IMAGE=docker.io/library/golang:1.26
.PHONY: docker-build
docker-build: ## Build docker image with the manager.
	$(CONTAINER_TOOL) build $(if $(BASE_IMAGE),--build-arg BASE_IMAGE=$(BASE_IMAGE)) -t ${IMG} .

.PHONY: docker-push
docker-push: ## Push docker image with the manager.
	$(CONTAINER_TOOL) push ${IMG}

# PLATFORMS defines the target platforms for the manager image be built to provide support to multiple
# architectures. (i.e. make docker-buildx IMG=myregistry/mypoperator:0.0.1). To use this option you need to:
# - be able to use docker buildx. More info: https://docs.docker.com/build/buildx/
# - have enabled BuildKit. More info: https://docs.docker.com/develop/develop-images/build_enhancements/
# - be able to push the image to your registry (i.e. if you do not set a valid value via IMG=<myregistry/image:<tag>> then the export will fail)
# To adequately provide solutions that are compatible with multiple platforms, you should consider using this option.
PLATFORMS ?= linux/arm64,linux/amd64,linux/s390x,linux/ppc64le
.PHONY: docker-buildx
docker-buildx: ## Build and push docker image for the manager for cross-platform support
	# copy existing Dockerfile and insert --platform=${BUILDPLATFORM} into Dockerfile.cross, and preserve the original Dockerfile
	sed -e '1 s/\(^FROM\)/FROM --platform=\$$\{BUILDPLATFORM\}/; t' -e ' 1,// s//FROM --platform=\$$\{BUILDPLATFORM\}/' Dockerfile > Dockerfile.cross
	- $(CONTAINER_TOOL) buildx create --name tollgate-builder
	$(CONTAINER_TOOL) buildx use tollgate-builder
	- $(CONTAINER_TOOL) buildx build --push --platform=$(PLATFORMS) $(if $(BASE_IMAGE),--build-arg BASE_IMAGE=$(BASE_IMAGE)) --tag ${IMG} -f Dockerfile.cross .
	- $(CONTAINER_TOOL) buildx rm tollgate-builder
	rm Dockerfile.cross

.PHONY: build-installer
build-installer: manifests generate kustomize ## Generate a consolidated YAML with CRDs and deployment (dist/install.yaml, image IMG).
	@# An overlay of config/default in a scratch directory sets the image: config/ stays as committed.
	rm -rf dist/.installer && mkdir -p dist/.installer
	printf 'resources:\n- ../../config/default\n' > dist/.installer/kustomization.yaml
	cd dist/.installer && "$(KUSTOMIZE)" edit set image controller=${IMG}
	"$(KUSTOMIZE)" build dist/.installer > dist/install.yaml
	rm -rf dist/.installer

##@ Deployment

ifndef ignore-not-found
  ignore-not-found = false
endif

.PHONY: install
install: manifests kustomize ## Install CRDs into the K8s cluster specified in ~/.kube/config.
	@out="$$( "$(KUSTOMIZE)" build config/crd 2>/dev/null || true )"; \
	if [ -n "$$out" ]; then echo "$$out" | "$(KUBECTL)" apply -f -; else echo "No CRDs to install; skipping."; fi

.PHONY: uninstall
uninstall: manifests kustomize ## Uninstall CRDs from the K8s cluster specified in ~/.kube/config. Call with ignore-not-found=true to ignore resource not found errors during deletion.
	@out="$$( "$(KUSTOMIZE)" build config/crd 2>/dev/null || true )"; \
	if [ -n "$$out" ]; then echo "$$out" | "$(KUBECTL)" delete --ignore-not-found=$(ignore-not-found) -f -; else echo "No CRDs to delete; skipping."; fi

.PHONY: deploy
deploy: manifests kustomize ## Deploy controller to the K8s cluster specified in ~/.kube/config.
	cd config/manager && "$(KUSTOMIZE)" edit set image controller=${IMG}
	"$(KUSTOMIZE)" build config/default | "$(KUBECTL)" apply -f -

.PHONY: undeploy
undeploy: kustomize ## Undeploy controller from the K8s cluster specified in ~/.kube/config. Call with ignore-not-found=true to ignore resource not found errors during deletion.
	"$(KUSTOMIZE)" build config/default | "$(KUBECTL)" delete --ignore-not-found=$(ignore-not-found) -f -

##@ Dependencies

## Location to install dependencies to
LOCALBIN ?= $(shell pwd)/bin
$(LOCALBIN):
	mkdir -p "$(LOCALBIN)"

## Tool Binaries
KUBECTL ?= kubectl
KUSTOMIZE ?= $(LOCALBIN)/kustomize
CONTROLLER_GEN ?= $(LOCALBIN)/controller-gen
GOLANGCI_LINT = $(LOCALBIN)/golangci-lint
HELM_V4 ?= $(LOCALBIN)/helm-v4
HELM_V3 ?= $(LOCALBIN)/helm-v3

## Tool Versions
KUSTOMIZE_VERSION ?= v5.8.2
CONTROLLER_TOOLS_VERSION ?= v0.23.0

## The local control plane for tests and the demo, built from source (setup-envtest's download
## sites are unreachable on CI): Kubernetes from the Go module proxy, pinned here (and in
## internal/devenv, which a test keeps equal). It is kept per user where setup-envtest keeps its
## binaries, so every clone of the project finds it and only the first one builds it.
ENVTEST_K8S_VERSION ?= 1.37.2
ETCD_VERSION ?= 3.6.5
ENVTEST_DATA_HOME ?= $(or $(XDG_DATA_HOME),$(HOME)/.local/share)
ENVTEST_ASSETS ?= $(ENVTEST_DATA_HOME)/kubebuilder-envtest/k8s/$(ENVTEST_K8S_VERSION)-$(shell go env GOOS)-$(shell go env GOARCH)
KUBECTL_LOCAL ?= $(ENVTEST_ASSETS)/kubectl

GOLANGCI_LINT_VERSION ?= v2.13.1
HELM_V4_VERSION ?= v4.3.1
HELM_V3_VERSION ?= v3.22.0
.PHONY: kustomize
kustomize: $(KUSTOMIZE) ## Download kustomize locally if necessary.
$(KUSTOMIZE): $(LOCALBIN)
	$(call go-install-tool,$(KUSTOMIZE),sigs.k8s.io/kustomize/kustomize/v5,$(KUSTOMIZE_VERSION))

.PHONY: controller-gen
controller-gen: $(CONTROLLER_GEN) ## Download controller-gen locally if necessary.
$(CONTROLLER_GEN): $(LOCALBIN)
	$(call go-install-tool,$(CONTROLLER_GEN),sigs.k8s.io/controller-tools/cmd/controller-gen,$(CONTROLLER_TOOLS_VERSION))

.PHONY: helm
helm: $(HELM_V4) $(HELM_V3) ## Build helm v4 and v3 locally if necessary (bin/helm-v4, bin/helm-v3).
$(HELM_V4): $(LOCALBIN)
	$(call go-install-tool,$(HELM_V4),helm.sh/helm/v4/cmd/helm,$(HELM_V4_VERSION),helm)
$(HELM_V3): $(LOCALBIN)
	$(call go-install-tool,$(HELM_V3),helm.sh/helm/v3/cmd/helm,$(HELM_V3_VERSION),helm)

.PHONY: golangci-lint
golangci-lint: $(GOLANGCI_LINT) ## Download golangci-lint locally if necessary.
$(GOLANGCI_LINT): $(LOCALBIN)
	$(call go-install-tool,$(GOLANGCI_LINT),github.com/golangci/golangci-lint/v2/cmd/golangci-lint,$(GOLANGCI_LINT_VERSION))
	@test -f .custom-gcl.yml && { \
		echo "Building custom golangci-lint with plugins..." && \
		$(GOLANGCI_LINT) custom --destination $(LOCALBIN) --name golangci-lint-custom && \
		mv -f $(LOCALBIN)/golangci-lint-custom $(GOLANGCI_LINT); \
	} || true

# go-install-tool will 'go install' any package with custom target and name of binary, if it doesn't exist
# $1 - target path with name of binary
# $2 - package url which can be installed
# $3 - specific version of package
# $4 - the name go install gives the binary, when not the target's (helm for bin/helm-v4)
define go-install-tool
@[ -f "$(1)-$(3)" ] && [ "$$(readlink -- "$(1)" 2>/dev/null)" = "$(1)-$(3)" ] || { \
set -e; \
package=$(2)@$(3) ;\
echo "Installing $${package} into bin/ (first time: about a minute)" ;\
rm -f "$(1)" ;\
GOBIN="$(LOCALBIN)" go install $${package} ;\
mv "$(LOCALBIN)/$(or $(4),$$(basename "$(1)"))" "$(1)-$(3)" ;\
} ;\
ln -sf "$$(realpath "$(1)-$(3)")" "$(1)"
endef

define gomodver
$(shell go list -m -f '{{if .Replace}}{{.Replace.Version}}{{else}}{{.Version}}{{end}}' $(1) 2>/dev/null)
endef
