package stepfunctions

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/go-logr/logr"
)

func TestIsRole(t *testing.T) {
	const role = "arn:aws:iam::123456789012:role/tollgate/tollgate-operator"
	for caller, want := range map[string]string{
		"arn:aws:sts::123456789012:assumed-role/tollgate-operator/eks-prod-tollgate-abc": "",
		"arn:aws:sts::123456789012:assumed-role/eks-node-group-NodeInstanceRole/i-0abc":  "not a session of the role",
		"arn:aws:sts::210987654321:assumed-role/tollgate-operator/s":                     "not a session of the role",
		"arn:aws-cn:sts::123456789012:assumed-role/tollgate-operator/s":                  "not a session of the role",
		"arn:aws:iam::123456789012:user/tollgate-operator":                               "not a session of the role",
		"arn:aws:sts::123456789012:assumed-role/tollgate-operator":                       "not a session of the role",
		"not an arn": "not a session of the role",
	} {
		err := IsRole(caller, role)
		if got := fmt.Sprint(err); want == "" && err != nil || want != "" && !strings.Contains(got, want) {
			t.Errorf("IsRole(%s) = %v, want %q", caller, err, want)
		}
	}
	if err := IsRole("arn:aws:sts::123456789012:assumed-role/x/s", "arn:aws:iam::123456789012:user/x"); err == nil || !strings.Contains(err.Error(), "not the ARN of an IAM role") {
		t.Errorf("a user's ARN as the expected role: %v", err)
	}
}

// fakeSTS answers GetCallerIdentity as AWS does (the Query protocol's XML), for caller.
func fakeSTS(t *testing.T, caller string) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := r.ParseForm(); err != nil || r.Form.Get("Action") != "GetCallerIdentity" {
			http.Error(w, "unexpected request", http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Type", "text/xml")
		_, _ = fmt.Fprintf(w, `<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><GetCallerIdentityResult><Arn>%s</Arn><UserId>AROAEXAMPLE:s</UserId><Account>123456789012</Account></GetCallerIdentityResult><ResponseMetadata><RequestId>0</RequestId></ResponseMetadata></GetCallerIdentityResponse>`, caller)
	}))
	t.Cleanup(srv.Close)
	return srv
}

func TestCheckIdentity(t *testing.T) {
	const role = "arn:aws:iam::123456789012:role/tollgate-operator"
	creds := credentials.NewStaticCredentialsProvider("AKID", "SECRET", "")
	node := fakeSTS(t, "arn:aws:sts::123456789012:assumed-role/eks-node-group-NodeInstanceRole/i-0abc")
	operator := fakeSTS(t, "arn:aws:sts::123456789012:assumed-role/tollgate-operator/s")
	for name, tc := range map[string]struct {
		cfg  Config
		want string
	}{
		"the node's role, a role expected":  {Config{Region: "eu-west-1", Credentials: creds, STSEndpointURL: node.URL, ExpectRoleARN: role}, "not a session of the role"},
		"the operator's role":               {Config{Region: "eu-west-1", Credentials: creds, STSEndpointURL: operator.URL, ExpectRoleARN: role}, ""},
		"the node's role, none expected":    {Config{Region: "eu-west-1", Credentials: creds, STSEndpointURL: node.URL}, ""},
		"STS unreachable, a role expected":  {Config{Region: "eu-west-1", Credentials: creds, STSEndpointURL: "http://127.0.0.1:1", ExpectRoleARN: role, MaxAttempts: 1}, "sts:GetCallerIdentity"},
		"a local endpoint, a role expected": {Config{Region: "eu-west-1", EndpointURL: "http://127.0.0.1:4566", AllowInsecureEndpoint: true, ExpectRoleARN: role}, "no AWS identity to check"},
		"a local endpoint":                  {Config{Region: "eu-west-1", EndpointURL: "http://127.0.0.1:4566", AllowInsecureEndpoint: true}, ""},
	} {
		t.Run(name, func(t *testing.T) {
			err := tc.cfg.CheckIdentity(context.Background(), logr.Discard())
			if got := fmt.Sprint(err); tc.want == "" && err != nil || tc.want != "" && !strings.Contains(got, tc.want) {
				t.Errorf("CheckIdentity = %v, want %q", err, tc.want)
			}
		})
	}
}
