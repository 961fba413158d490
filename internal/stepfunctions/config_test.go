package stepfunctions

import (
	"flag"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
)

func TestConfigValidate(t *testing.T) {
	tests := []struct {
		name    string
		cfg     Config
		wantErr string
	}{
		{"zero value", Config{}, ""},
		{"https endpoint", Config{EndpointURL: "https://states.example.com"}, ""},
		{"http refused", Config{EndpointURL: "http://127.0.0.1:8083"}, "--aws-allow-insecure-endpoint"},
		{"http allowed", Config{EndpointURL: "http://127.0.0.1:8083", AllowInsecureEndpoint: true}, ""},
		{"no scheme", Config{EndpointURL: "localhost:8083"}, "not an absolute URL"},
		{"other scheme", Config{EndpointURL: "ftp://example.com"}, "scheme must be https"},
		{"no host", Config{EndpointURL: "https://"}, "not an absolute URL"},
		{"bad url", Config{EndpointURL: "https://a b:x"}, "--aws-endpoint-url"},
		{"external id without role", Config{ExternalID: "x"}, "--aws-assume-role-arn"},
		{"negative scale", Config{RateLimitScale: -1}, "--aws-rate-scale"},
		{"negative attempts", Config{MaxAttempts: -1}, "max attempts"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.cfg.Validate()
			switch {
			case tt.wantErr == "" && err != nil:
				t.Fatalf("Validate() = %v, want nil", err)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Fatalf("Validate() = %v, want an error containing %q", err, tt.wantErr)
			}
		})
	}
}

func TestConfigBindFlags(t *testing.T) {
	var cfg Config
	fs := flag.NewFlagSet("test", flag.ContinueOnError)
	cfg.BindFlags(fs)
	err := fs.Parse([]string{
		"--aws-region=eu-west-1", "--aws-endpoint-url=http://127.0.0.1:1", "--aws-allow-insecure-endpoint",
		"--aws-assume-role-arn=arn:aws:iam::123456789012:role/tollgate", "--aws-external-id=ext",
		"--aws-role-session-name=s", "--aws-rate-scale=0.5",
	})
	if err != nil {
		t.Fatal(err)
	}
	want := Config{
		Region: "eu-west-1", EndpointURL: "http://127.0.0.1:1", AllowInsecureEndpoint: true,
		AssumeRoleARN: "arn:aws:iam::123456789012:role/tollgate", ExternalID: "ext", SessionName: "s", RateLimitScale: 0.5,
	}
	if cfg != want {
		t.Fatalf("parsed %+v, want %+v", cfg, want)
	}
	if got := cfg.Limits().StartExecution; got != (Bucket{Burst: 650, RefillPerSecond: 150}) {
		t.Errorf("scaled StartExecution bucket = %+v", got)
	}
}

// isolateAWSEnv keeps the developer's AWS environment out of a test.
func isolateAWSEnv(t *testing.T) {
	dir := t.TempDir()
	for k, v := range map[string]string{
		"AWS_CONFIG_FILE": filepath.Join(dir, "config"), "AWS_SHARED_CREDENTIALS_FILE": filepath.Join(dir, "credentials"),
		"AWS_EC2_METADATA_DISABLED": "true", "AWS_PROFILE": "", "AWS_REGION": "", "AWS_DEFAULT_REGION": "",
		"AWS_ENDPOINT_URL": "", "AWS_ENDPOINT_URL_SFN": "", "AWS_ENDPOINT_URL_STS": "", "AWS_ROLE_ARN": "",
		"AWS_WEB_IDENTITY_TOKEN_FILE": "", "AWS_CONTAINER_CREDENTIALS_FULL_URI": "", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI": "",
		"AWS_ACCESS_KEY_ID": "AKIDENV", "AWS_SECRET_ACCESS_KEY": "secret", "AWS_SESSION_TOKEN": "", "AWS_MAX_ATTEMPTS": "",
	} {
		t.Setenv(k, v)
	}
}

// recordAuth serves DescribeStateMachine and records each Authorization header.
func recordAuth(t *testing.T) (*httptest.Server, func() []string) {
	var mu sync.Mutex
	var auths []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		auths = append(auths, r.Header.Get("Authorization"))
		mu.Unlock()
		w.Header().Set("Content-Type", "application/x-amz-json-1.0")
		_, _ = io.WriteString(w, `{"stateMachineArn":"arn:aws:states:eu-west-1:123456789012:stateMachine:m","name":"m"}`)
	}))
	t.Cleanup(srv.Close)
	return srv, func() []string { mu.Lock(); defer mu.Unlock(); return append([]string(nil), auths...) }
}

func TestNewClientEnvironmentCredentials(t *testing.T) {
	isolateAWSEnv(t)
	srv, auths := recordAuth(t)
	client, err := NewClient(t.Context(), Config{Region: "eu-west-1", EndpointURL: srv.URL, AllowInsecureEndpoint: true})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := client.DescribeStateMachine(t.Context(), &sfn.DescribeStateMachineInput{StateMachineArn: aws.String("arn")}); err != nil {
		t.Fatal(err)
	}
	if got := auths(); len(got) != 1 || !strings.Contains(got[0], "Credential=AKIDENV/") || !strings.Contains(got[0], "/eu-west-1/states/") {
		t.Fatalf("Authorization headers = %q, want one signed by AKIDENV for eu-west-1/states", got)
	}
	if got := client.Options().Retryer.MaxAttempts(); got != DefaultMaxAttempts {
		t.Errorf("SDK max attempts = %d, want %d", got, DefaultMaxAttempts)
	}
}

func TestNewClientRefusesBadConfig(t *testing.T) {
	isolateAWSEnv(t)
	if _, err := NewClient(t.Context(), Config{Region: "eu-west-1", EndpointURL: "http://127.0.0.1:1"}); err == nil ||
		!strings.Contains(err.Error(), "--aws-allow-insecure-endpoint") {
		t.Errorf("http endpoint: err = %v, want one naming --aws-allow-insecure-endpoint", err)
	}
	if _, err := NewClient(t.Context(), Config{}); err == nil || !strings.Contains(err.Error(), "--aws-region") {
		t.Errorf("no region: err = %v, want one naming --aws-region", err)
	}
}

const assumeRoleResponse = `<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <AssumeRoleResult>
    <Credentials>
      <AccessKeyId>ASIAASSUMED</AccessKeyId>
      <SecretAccessKey>assumed-secret</SecretAccessKey>
      <SessionToken>assumed-session</SessionToken>
      <Expiration>2099-01-01T00:00:00Z</Expiration>
    </Credentials>
    <AssumedRoleUser>
      <Arn>arn:aws:sts::123456789012:assumed-role/tollgate/tollgate</Arn>
      <AssumedRoleId>AROAEXAMPLE:tollgate</AssumedRoleId>
    </AssumedRoleUser>
  </AssumeRoleResult>
  <ResponseMetadata><RequestId>req-1</RequestId></ResponseMetadata>
</AssumeRoleResponse>`

func TestNewClientAssumesRoleOnce(t *testing.T) {
	isolateAWSEnv(t)
	var mu sync.Mutex
	var stsCalls []url.Values
	stsSrv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		mu.Lock()
		stsCalls = append(stsCalls, r.PostForm)
		mu.Unlock()
		w.Header().Set("Content-Type", "text/xml")
		_, _ = io.WriteString(w, assumeRoleResponse)
	}))
	defer stsSrv.Close()
	t.Setenv("AWS_ENDPOINT_URL_STS", stsSrv.URL)
	srv, auths := recordAuth(t)

	client, err := NewClient(t.Context(), Config{
		Region: "eu-west-1", EndpointURL: srv.URL, AllowInsecureEndpoint: true,
		AssumeRoleARN: "arn:aws:iam::123456789012:role/tollgate", ExternalID: "ext-42",
	})
	if err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if _, err := client.DescribeStateMachine(t.Context(), &sfn.DescribeStateMachineInput{StateMachineArn: aws.String("arn")}); err != nil {
			t.Fatal(err)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if len(stsCalls) != 1 {
		t.Fatalf("%d AssumeRole calls, want 1 (credentials cached)", len(stsCalls))
	}
	form := stsCalls[0]
	if form.Get("Action") != "AssumeRole" || form.Get("RoleArn") != "arn:aws:iam::123456789012:role/tollgate" ||
		form.Get("ExternalId") != "ext-42" || form.Get("RoleSessionName") != DefaultSessionName {
		t.Errorf("AssumeRole request = %v", form)
	}
	for _, a := range auths() {
		if !strings.Contains(a, "Credential=ASIAASSUMED/") {
			t.Errorf("Step Functions call signed with %q, want the assumed role's key", a)
		}
	}
}
