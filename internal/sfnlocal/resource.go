package sfnlocal

import (
	"regexp"
	"strings"
)

// taskResource is what a Task's Resource names. Activities run; the others
// are accepted in a definition, as AWS accepts them, but fail when reached
// (see runIntegration).
type taskResource struct {
	kind string // resActivity, resIntegration or resLambda
	// service and action split a service integration ARN the way history
	// events report it: resourceType "sns" (or "aws-sdk:s3"), resource
	// "publish" (with its .sync, .sync:2 or .waitForTaskToken suffix).
	service, action string
}

const (
	resIntegration = "integration"
	resLambda      = "lambda"
)

var (
	// arn:<partition>:states:::<service>:<action>[.sync|.sync:2|.waitForTaskToken],
	// and the AWS SDK integrations arn:<partition>:states:::aws-sdk:<service>:<action>.
	integrationARN = regexp.MustCompile(`^arn:aws[a-z-]*:states:::((?:aws-sdk:)?[a-z0-9][a-z0-9-]*):([a-zA-Z][a-zA-Z0-9]*(?:\.sync(?::2)?|\.waitForTaskToken)?)$`)
	// A Lambda function, optionally qualified by a version or an alias.
	lambdaARN = regexp.MustCompile(`^arn:aws[a-z-]*:lambda:[a-z]{2}(?:-[a-z]+)+-\d:\d{12}:function:[a-zA-Z0-9_-]{1,64}(?::(?:\$LATEST|[a-zA-Z0-9_-]{1,128}))?$`)
)

// parseTaskResource classifies a Task's Resource; ok is false for anything
// AWS would not recognise.
func parseTaskResource(arn string) (taskResource, bool) {
	if m := integrationARN.FindStringSubmatch(arn); m != nil && m[1] != "aws-sdk" {
		return taskResource{kind: resIntegration, service: m[1], action: m[2]}, true
	}
	if lambdaARN.MatchString(arn) {
		return taskResource{kind: resLambda}, true
	}
	if _, err := parseARN(arn, resActivity); err == nil {
		return taskResource{kind: resActivity}, true
	}
	return taskResource{}, false
}

// waitsForToken reports whether the integration hands out $$.Task.Token.
func (r taskResource) waitsForToken() bool {
	return strings.HasSuffix(r.action, ".waitForTaskToken")
}

// isSNSPublish reports whether the resource is the request-response
// sns:publish integration, the one service integration sfnlocal runs.
func (r taskResource) isSNSPublish() bool {
	return r.kind == resIntegration && r.service == "sns" && r.action == "publish"
}
