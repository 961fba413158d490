package sfnlocal

import (
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/sfn/types"
)

// What SNS's Publish refuses, refused before the sink sees it: each answer
// is SNS's, recorded in LocalStack's tests/aws/services/sns/test_sns.snapshot.json
// (test named per case), in the form Step Functions reports a service's
// error (test_sns_task_service.snapshot.json). A Catch of States.TaskFailed
// catches every one.
func TestSNSPublish_RefusedParameters_RecordedErrors(t *testing.T) {
	const otherRegion = "arn:aws:sns:eu-west-1:123456789012:t"
	for _, tc := range []struct {
		name, params, input string
		error, message      string
		status              int
		code                string
	}{
		{"test_publish_wrong_arn_format: one element", `"TopicArn":"randomstring","Message":"m"`, `{}`,
			"SNS.InvalidParameterException", "Invalid parameter: TopicArn Reason: An ARN must have at least 6 elements, not 1", 400, "InvalidParameter"},
		{"test_publish_wrong_arn_format: two elements", `"TopicArn":"randomstring:1","Message":"m"`, `{}`,
			"SNS.InvalidParameterException", "Invalid parameter: TopicArn Reason: An ARN must have at least 6 elements, not 2", 400, "InvalidParameter"},
		{"test_publish_wrong_arn_format: empty", `"TopicArn":"","Message":"m"`, `{}`,
			"SNS.InvalidParameterException", "Invalid parameter: TopicArn Reason: An ARN must have at least 6 elements, not 1", 400, "InvalidParameter"},
		{"test_topic_publish_another_region", `"TopicArn":"` + otherRegion + `","Message":"m"`, `{}`,
			"SNS.InvalidParameterException", "Invalid parameter: TopicArn", 400, "InvalidParameter"},
		{"test_publish_non_existent_target", `"TargetArn":"arn:aws:sns:us-east-1:123456789012:endpoint/APNS/abcdef/0f7d5971","Message":"m"`, `{}`,
			"SNS.InvalidParameterException", "Invalid parameter: TargetArn Reason: No endpoint found for the target arn specified", 400, "InvalidParameter"},
		{"no topic (sul-dlss/dlme issue 432)", `"Message":"m"`, `{}`,
			"SNS.InvalidParameterException", "Invalid parameter: TopicArn or TargetArn Reason: no value for required parameter", 400, "InvalidParameter"},
		{"no Message: the answer's form as fully_missing_data_type", `"TopicArn":"` + testTopic + `"`, `{}`,
			"SNS.AmazonSNSException", "1 validation error detected: Value null at 'message' failed to satisfy constraint: Member must not be null", 400, "ValidationError"},
		{"SMS: not supported", `"PhoneNumber":"+15551234567","Message":"m"`, `{}`,
			"SNS.InvalidParameterException", "Invalid parameter: PhoneNumber Reason: sfnlocal sends no SMS", 400, "InvalidParameter"},
		{"test_empty_sns_message", `"TopicArn":"` + testTopic + `","Message.$":"$.m"`, `{"m":""}`,
			"SNS.InvalidParameterException", "Invalid parameter: Empty message", 400, "InvalidParameter"},
		{"test_publish_with_empty_subject", `"TopicArn":"` + testTopic + `","Message":"m","Subject":""`, `{}`,
			"SNS.InvalidParameterException", "Invalid parameter: Subject", 400, "InvalidParameter"},
		{"test_validations_for_fifo: deduplication id on a standard topic", `"TopicArn":"` + testTopic + `","Message":"m","MessageDeduplicationId":"d"`, `{}`,
			"SNS.InvalidParameterException", "Invalid parameter: MessageDeduplicationId Reason: The request includes MessageDeduplicationId parameter that is not valid for this topic type", 400, "InvalidParameter"},
		{"test_empty_or_wrong_message_attributes: missing_string_attr", attrs(`"attr1":{"DataType":"String","StringValue":""}`), `{}`,
			"SNS.InvalidParameterValueException", "The message attribute 'attr1' must contain non-empty message attribute value for message attribute type 'String'.", 400, "ParameterValueInvalid"},
		{"test_empty_or_wrong_message_attributes: fully_missing_data_type", attrs(`"attr1":{"StringValue":"value"}`), `{}`,
			"SNS.AmazonSNSException", "1 validation error detected: Value null at 'messageAttributes.attr1.member.dataType' failed to satisfy constraint: Member must not be null", 400, "ValidationError"},
		{"test_empty_or_wrong_message_attributes: missing_binary_attr", attrs(`"attr1":{"DataType":"Binary","BinaryValue":""}`), `{}`,
			"SNS.InvalidParameterValueException", "The message attribute 'attr1' must contain non-empty message attribute value for message attribute type 'Binary'.", 400, "ParameterValueInvalid"},
		{"test_empty_or_wrong_message_attributes: int_attr_binary_value", attrs(`"attr1":{"DataType":"Number","BinaryValue":"MTIz"}`), `{}`,
			"SNS.InvalidParameterValueException", "The message attribute 'attr1' with type 'Number' must use field 'String'.", 400, "ParameterValueInvalid"},
		{"test_empty_or_wrong_message_attributes: binary_attr_string_value", attrs(`"attr1":{"DataType":"Binary","StringValue":"123"}`), `{}`,
			"SNS.InvalidParameterValueException", "The message attribute 'attr1' with type 'Binary' must use field 'Binary'.", 400, "ParameterValueInvalid"},
		{"test_empty_or_wrong_message_attributes: invalid_attr_string_value", attrs(`"attr1":{"DataType":"InvalidType","StringValue":"123"}`), `{}`,
			"SNS.InvalidParameterValueException", "The message attribute 'attr1' has an invalid message attribute type, the set of supported type prefixes is Binary, Number, and String.", 400, "ParameterValueInvalid"},
		{"test_empty_or_wrong_message_attributes: too_long_name", attrs(`"` + strings.Repeat("a", 257) + `":{"DataType":"String","StringValue":"123"}`), `{}`,
			"SNS.InvalidParameterValueException", "Length of message attribute name must be less than 256 bytes.", 400, "ParameterValueInvalid"},
		{"test_empty_or_wrong_message_attributes: invalid_name", attrs(`"a^*?":{"DataType":"String","StringValue":"123"}`), `{}`,
			"SNS.InvalidParameterValueException", "Invalid non-alphanumeric character '#x5E' was found in the message attribute name. Can only include alphanumeric characters, hyphens, underscores, or dots.", 400, "ParameterValueInvalid"},
		{"test_empty_or_wrong_message_attributes: invalid_name_2", attrs(`".abc":{"DataType":"String","StringValue":"123"}`), `{}`,
			"SNS.InvalidParameterValueException", "Invalid message attribute name starting with character '.' was found.", 400, "ParameterValueInvalid"},
		{"test_empty_or_wrong_message_attributes: invalid_name_3", attrs(`"abc.":{"DataType":"String","StringValue":"123"}`), `{}`,
			"SNS.InvalidParameterValueException", "Invalid message attribute name ending with character '.' was found.", 400, "ParameterValueInvalid"},
		{"test_empty_or_wrong_message_attributes: invalid_name_4", attrs(`"a..bc":{"DataType":"String","StringValue":"123"}`), `{}`,
			"SNS.InvalidParameterValueException", "Message attribute name can not have successive '.' character.", 400, "ParameterValueInvalid"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sink := fileSink(t)
			e := newEnv(t, Options{SNSSink: sink})
			def := `{"StartAt":"Publish","States":{"Publish":{"Type":"Task","Resource":"arn:aws:states:::sns:publish","Parameters":{` + tc.params + `},
				"Catch":[{"ErrorEquals":["States.TaskFailed"],"ResultPath":null,"Next":"Done"}],"End":true},"Done":{"Type":"Succeed"}}}`
			exec := e.start(e.machine("m", def), "run", tc.input)
			e.wantStatus(exec, types.ExecutionStatusSucceeded)
			events := e.history(exec)
			wantEvents(t, events, "ExecutionStarted", "TaskStateEntered", "TaskScheduled", "TaskStarted", "TaskFailed", "TaskStateExited",
				"SucceedStateEntered", "SucceedStateExited", "ExecutionSucceeded")
			wantTaskFailed(t, events[4], tc.error, snsCausePattern(tc.message, tc.status, tc.code))
			if n := notifications(t, sink.Path); len(n) != 0 {
				t.Fatalf("the sink received %+v", n)
			}
		})
	}
}

// attrs is the parameters of a valid publish with the given attributes.
func attrs(members string) string {
	return `"TopicArn":"` + testTopic + `","Message":"test message","MessageAttributes":{` + members + `}`
}
