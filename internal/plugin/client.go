package plugin

import (
	"context"
	"fmt"

	authenticationv1 "k8s.io/api/authentication/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/runtime/serializer"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/cache"

	v1 "github.com/tollgate-dev/tollgate/api/v1alpha1"
)

// The resources the plugin reads and writes.
const (
	resourceRequests  = "approvalrequests"
	resourceDecisions = "approverdecisions"
	resourceReviews   = "selfsubjectreviews"
)

// scheme knows tollgate's kinds and the SelfSubjectReview: all the plugin sends or reads.
var scheme = func() *runtime.Scheme {
	s := runtime.NewScheme()
	utilruntime.Must(v1.AddToScheme(s))
	utilruntime.Must(authenticationv1.AddToScheme(s))
	return s
}()

// cluster is the API server as the plugin's user sees it: REST clients for tollgate's group
// and for authentication.k8s.io, built from the kubeconfig and the flags.
type cluster struct {
	tollgate rest.Interface
	auth     rest.Interface
}

func newCluster(cfg *rest.Config) (*cluster, error) {
	tollgate, err := restClientFor(cfg, v1.GroupVersion)
	if err != nil {
		return nil, err
	}
	auth, err := restClientFor(cfg, authenticationv1.SchemeGroupVersion)
	if err != nil {
		return nil, err
	}
	return &cluster{tollgate: tollgate, auth: auth}, nil
}

func restClientFor(cfg *rest.Config, gv schema.GroupVersion) (*rest.RESTClient, error) {
	c := rest.CopyConfig(cfg)
	c.GroupVersion = &gv
	c.APIPath = "/apis"
	c.NegotiatedSerializer = serializer.NewCodecFactory(scheme).WithoutConversion()
	if c.UserAgent == "" {
		c.UserAgent = "kubectl-tollgate/" + v1.GroupVersion.Version
	}
	rc, err := rest.RESTClientFor(c)
	if err != nil {
		return nil, fmt.Errorf("a client for %s: %w", gv, err)
	}
	return rc, nil
}

// whoAmI asks the API server who the plugin's user is (a SelfSubjectReview): with --as and
// --as-group, the impersonated person.
func (c *cluster) whoAmI(ctx context.Context) (person, error) {
	review := &authenticationv1.SelfSubjectReview{}
	if err := c.auth.Post().Resource(resourceReviews).Body(review).Do(ctx).Into(review); err != nil {
		return person{}, fmt.Errorf("asking the API server who you are (SelfSubjectReview): %w", err)
	}
	return personOf(review.Status.UserInfo), nil
}

func (c *cluster) request(ctx context.Context, namespace, name string) (*v1.ApprovalRequest, error) {
	out := &v1.ApprovalRequest{}
	if err := c.tollgate.Get().Namespace(namespace).Resource(resourceRequests).Name(name).Do(ctx).Into(out); err != nil {
		return nil, fmt.Errorf("reading ApprovalRequest %s/%s: %w", namespace, name, err)
	}
	return out, nil
}

// requests lists the requests of a namespace ("": every namespace).
func (c *cluster) requests(ctx context.Context, namespace string) (*v1.ApprovalRequestList, error) {
	out := &v1.ApprovalRequestList{}
	if err := c.tollgate.Get().Namespace(namespace).Resource(resourceRequests).Do(ctx).Into(out); err != nil {
		return nil, fmt.Errorf("listing ApprovalRequests%s: %w", inNamespace(namespace), err)
	}
	return out, nil
}

// decisions lists the ApproverDecisions of a namespace.
func (c *cluster) decisions(ctx context.Context, namespace string) (*v1.ApproverDecisionList, error) {
	out := &v1.ApproverDecisionList{}
	if err := c.tollgate.Get().Namespace(namespace).Resource(resourceDecisions).Do(ctx).Into(out); err != nil {
		return nil, fmt.Errorf("listing ApproverDecisions%s: %w", inNamespace(namespace), err)
	}
	return out, nil
}

func (c *cluster) createDecision(ctx context.Context, d *v1.ApproverDecision) (*v1.ApproverDecision, error) {
	out := &v1.ApproverDecision{}
	if err := c.tollgate.Post().Namespace(d.Namespace).Resource(resourceDecisions).Body(d).Do(ctx).Into(out); err != nil {
		return nil, err
	}
	return out, nil
}

// watchRequest lists and watches one request, for `wait`.
func (c *cluster) watchRequest(namespace, name string) cache.ListerWatcher {
	return cache.NewListWatchFromClient(c.tollgate, resourceRequests, namespace, fields.OneTermEqualSelector("metadata.name", name))
}

func inNamespace(namespace string) string {
	if namespace == "" {
		return " in all namespaces"
	}
	return " in namespace " + namespace
}
