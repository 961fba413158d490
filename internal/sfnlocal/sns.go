package sfnlocal

import (
	"fmt"
	"maps"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/tollgate-dev/tollgate/internal/sfnlocal/asl"
)

// The sns:publish service integration checks a task's parameters as SNS's
// Publish checks them and answers as Publish answers. Every message and code
// here is AWS's, recorded in LocalStack's snapshot tests against real AWS
// (tests/aws/services/sns/test_sns.snapshot.json unless said otherwise).

// snsTimeFormat is how SNS writes a notification's Timestamp.
const snsTimeFormat = "2006-01-02T15:04:05.000Z"

// snsError is an error answer of SNS's Publish.
type snsError struct {
	code    string // the wire error code: NotFound, InvalidParameter, ...
	status  int
	message string
}

// snsExceptions maps SNS's error codes to the exception of the AWS SDK for
// Java that Step Functions names the error after: "SNS." and the class,
// recorded as SNS.NotFoundException and SNS.InvalidParameterException
// (test_sns_task_service.snapshot.json). ParameterValueInvalid and
// InternalError are the codes of the SDK's InvalidParameterValueException
// and InternalErrorException (SNS API model). A code without an exception
// class of its own is the service's base exception, as recorded for SQS
// (SQS.AmazonSQSException, test_task_service_sqs.snapshot.json).
var snsExceptions = map[string]string{
	"NotFound":              "NotFoundException",
	"InvalidParameter":      "InvalidParameterException",
	"ParameterValueInvalid": "InvalidParameterValueException",
	"InternalError":         "InternalErrorException",
}

// taskError is the error an sns:publish task fails with, its cause worded as
// Step Functions words a service's error answer (recorded: "Topic does not
// exist (Service: AmazonSNS; Status Code: 404; Error Code: NotFound;
// Request ID: <request_id>; Proxy: null)").
func (e *snsError) taskError(requestID string) *asl.Error {
	name, ok := snsExceptions[e.code]
	if !ok {
		name = "AmazonSNSException"
	}
	return &asl.Error{Name: "SNS." + name, Cause: fmt.Sprintf("%s (Service: AmazonSNS; Status Code: %d; Error Code: %s; Request ID: %s; Proxy: null)",
		e.message, e.status, e.code, requestID)}
}

func snsInvalidParameter(format string, args ...any) *snsError {
	return &snsError{code: "InvalidParameter", status: http.StatusBadRequest, message: "Invalid parameter: " + fmt.Sprintf(format, args...)}
}

func snsParameterValueInvalid(format string, args ...any) *snsError {
	return &snsError{code: "ParameterValueInvalid", status: http.StatusBadRequest, message: fmt.Sprintf(format, args...)}
}

// snsNullMember is SNS's answer to a required member left out
// (test_empty_or_wrong_message_attributes, fully_missing_data_type).
func snsNullMember(member string) *snsError {
	return &snsError{code: "ValidationError", status: http.StatusBadRequest,
		message: fmt.Sprintf("1 validation error detected: Value null at '%s' failed to satisfy constraint: Member must not be null", member)}
}

// errSNSTopicNotFound is the answer for a topic that does not exist
// (test_sns_task_service.snapshot.json, test_publish_base_error_topic_arn):
// without a sink, no topic exists locally.
var errSNSTopicNotFound = &snsError{code: "NotFound", status: http.StatusNotFound, message: "Topic does not exist"}

// snsSinkFailed is the answer sfnlocal gives when the sink fails. No
// recording has SNS failing to take a message; InternalError ("Indicates an
// internal service error", HTTP 500) is the Publish error of the API
// reference for that, and is what a retrying client expects. The message is
// the sink's error, so that the cause says what went wrong.
func snsSinkFailed(err error) *snsError {
	return &snsError{code: "InternalError", status: http.StatusInternalServerError, message: err.Error()}
}

// snsTopicARN is a topic ARN; the name may end in .fifo.
var snsTopicARN = regexp.MustCompile(`^arn:aws[a-z-]*:sns:([a-z]{2}(?:-[a-z]+)+-\d):\d{12}:([A-Za-z0-9_-]{1,256}|[A-Za-z0-9_-]{1,251}\.fifo)$`)

// parsePublish checks the parameters of an sns:publish task and returns the
// notification they publish (MessageID and Timestamp left to the caller) and
// whether the topic is FIFO. region is the endpoint's: SNS refuses a topic of
// another region (test_topic_publish_another_region).
func parsePublish(params any, region string) (n SNSNotification, fifo bool, serr *snsError) {
	p, _ := params.(map[string]any)
	topic, hasTopic := snsString(p, "TopicArn")
	if !hasTopic {
		return n, false, noTopic(p)
	}
	if serr = checkTopicARN(topic, region); serr != nil {
		return n, false, serr
	}
	n = SNSNotification{Type: "Notification", TopicArn: topic}
	msg, ok := snsString(p, "Message")
	switch {
	case !ok:
		return n, false, snsNullMember("message")
	case msg == "":
		return n, false, snsInvalidParameter("Empty message")
	}
	n.Message = msg
	if subject, ok := snsString(p, "Subject"); ok {
		if subject == "" {
			return n, false, snsInvalidParameter("Subject")
		}
		n.Subject = subject
	}
	if n.MessageAttributes, serr = parseAttributes(p["MessageAttributes"]); serr != nil {
		return n, false, serr
	}
	fifo = strings.HasSuffix(topic, ".fifo")
	_, hasGroup := snsString(p, "MessageGroupId")
	_, hasDedup := snsString(p, "MessageDeduplicationId")
	switch {
	case fifo && !hasGroup: // test_sns_task_service.snapshot.json, test_fifo_message_attribute
		return n, false, snsInvalidParameter("The MessageGroupId parameter is required for FIFO topics")
	case !fifo && hasDedup: // test_validations_for_fifo
		return n, false, snsInvalidParameter("MessageDeduplicationId Reason: The request includes MessageDeduplicationId parameter that is not valid for this topic type")
	}
	return n, fifo, nil
}

// snsString reads a string parameter. Step Functions hands SNS a Message
// that is not a string as its JSON text (test_publish_base with an object);
// other members are taken the same way.
func snsString(p map[string]any, key string) (string, bool) {
	v, ok := p[key]
	if !ok || v == nil {
		return "", false
	}
	if s, ok := v.(string); ok {
		return s, true
	}
	return jsonValue{V: v}.text(), true
}

// noTopic answers a publish without a TopicArn: sfnlocal has no platform
// endpoints (test_publish_non_existent_target) and sends no SMS.
func noTopic(p map[string]any) *snsError {
	if _, ok := snsString(p, "TargetArn"); ok {
		return snsInvalidParameter("TargetArn Reason: No endpoint found for the target arn specified")
	}
	if _, ok := snsString(p, "PhoneNumber"); ok {
		return snsInvalidParameter("PhoneNumber Reason: sfnlocal sends no SMS")
	}
	// AWS's wording, as quoted in sul-dlss/dlme issue 432.
	return snsInvalidParameter("TopicArn or TargetArn Reason: no value for required parameter")
}

// checkTopicARN refuses what SNS refuses: an ARN of fewer than six elements
// (test_publish_wrong_arn_format), a topic of another region. Any other
// malformed ARN gets the same answer as another region's.
func checkTopicARN(arn, region string) *snsError {
	if n := len(strings.Split(arn, ":")); n < 6 {
		return snsInvalidParameter("TopicArn Reason: An ARN must have at least 6 elements, not %d", n)
	}
	if m := snsTopicARN.FindStringSubmatch(arn); m == nil || m[1] != region {
		return snsInvalidParameter("TopicArn")
	}
	return nil
}

// parseAttributes checks MessageAttributes as SNS does
// (test_empty_or_wrong_message_attributes, test_message_attributes_prefixes);
// names are checked in order so that the first error is always the same.
func parseAttributes(v any) (map[string]SNSAttribute, *snsError) {
	raw, _ := v.(map[string]any)
	if len(raw) == 0 {
		return nil, nil
	}
	out := make(map[string]SNSAttribute, len(raw))
	for _, name := range slices.Sorted(maps.Keys(raw)) {
		if serr := checkAttributeName(name); serr != nil {
			return nil, serr
		}
		a, serr := parseAttribute(name, raw[name])
		if serr != nil {
			return nil, serr
		}
		out[name] = a
	}
	return out, nil
}

func isAttributeNameRune(r rune) bool {
	return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.'
}

func checkAttributeName(name string) *snsError {
	if len(name) >= 256 {
		return snsParameterValueInvalid("Length of message attribute name must be less than 256 bytes.")
	}
	for _, r := range name {
		if !isAttributeNameRune(r) {
			return snsParameterValueInvalid("Invalid non-alphanumeric character '#x%X' was found in the message attribute name. Can only include alphanumeric characters, hyphens, underscores, or dots.", r)
		}
	}
	switch {
	case strings.HasPrefix(name, "."):
		return snsParameterValueInvalid("Invalid message attribute name starting with character '.' was found.")
	case strings.HasSuffix(name, "."):
		return snsParameterValueInvalid("Invalid message attribute name ending with character '.' was found.")
	case strings.Contains(name, ".."):
		return snsParameterValueInvalid("Message attribute name can not have successive '.' character.")
	}
	return nil
}

// parseAttribute reads one attribute: a DataType of prefix String or Number
// takes its value from StringValue, Binary from BinaryValue (base64).
func parseAttribute(name string, v any) (SNSAttribute, *snsError) {
	m, _ := v.(map[string]any)
	dataType, ok := snsString(m, "DataType")
	if !ok {
		return SNSAttribute{}, snsNullMember("messageAttributes." + name + ".member.dataType")
	}
	field, other := "StringValue", "BinaryValue"
	switch prefix, _, _ := strings.Cut(dataType, "."); prefix {
	case "String", "Number":
	case "Binary":
		field, other = other, field
	default:
		return SNSAttribute{}, snsParameterValueInvalid("The message attribute '%s' has an invalid message attribute type, the set of supported type prefixes is Binary, Number, and String.", name)
	}
	value, _ := snsString(m, field)
	if value == "" {
		if _, ok := snsString(m, other); ok {
			return SNSAttribute{}, snsParameterValueInvalid("The message attribute '%s' with type '%s' must use field '%s'.", name, dataType, strings.TrimSuffix(field, "Value"))
		}
		return SNSAttribute{}, snsParameterValueInvalid("The message attribute '%s' must contain non-empty message attribute value for message attribute type '%s'.", name, dataType)
	}
	return SNSAttribute{Type: dataType, Value: value}, nil
}

// publishCall is an sns:publish under way: the notification handed to the
// sink, and what Publish answers. It is kept with its thread (and so in the
// state file), so that a restarted endpoint delivers it again, with the same
// MessageId.
type publishCall struct {
	Notification   SNSNotification
	RequestID      string
	SequenceNumber string `json:",omitempty"` // FIFO topics only
}

// result is the task's result: Publish's answer as Step Functions' service
// integrations return it, with the SDK's HTTP metadata
// (test_sns_task_service.snapshot.json, test_publish_base and, with a
// SequenceNumber, test_fifo_message_attribute).
func (c *publishCall) result(now time.Time) map[string]any {
	// The length of SNS's XML answer, with and without a SequenceNumber.
	length := "294"
	if c.SequenceNumber != "" {
		length = "352"
	}
	date := now.UTC().Format(http.TimeFormat)
	out := map[string]any{
		"MessageId": c.Notification.MessageID,
		"SdkHttpMetadata": map[string]any{
			"AllHttpHeaders": map[string]any{
				"x-amzn-RequestId": []any{c.RequestID},
				"connection":       []any{"keep-alive"},
				"Content-Length":   []any{length},
				headerDate:         []any{date},
				headerContentType:  []any{"text/xml"},
			},
			"HttpHeaders": map[string]any{
				"connection": "keep-alive", "Content-Length": length, headerContentType: "text/xml",
				headerDate: date, "x-amzn-RequestId": c.RequestID,
			},
			"HttpStatusCode": int64(http.StatusOK),
		},
		"SdkResponseMetadata": map[string]any{"RequestId": c.RequestID},
	}
	if c.SequenceNumber != "" {
		out["SequenceNumber"] = c.SequenceNumber
	}
	return out
}

// nextSequenceNumber returns a FIFO sequence number: 20 digits, increasing
// across calls and, with the real clock, across restarts.
func (s *Server) nextSequenceNumber(now time.Time) string {
	n := uint64(1e19) + uint64(now.UnixMicro())
	s.snsSeq = max(s.snsSeq+1, n)
	return strconv.FormatUint(s.snsSeq, 10)
}
