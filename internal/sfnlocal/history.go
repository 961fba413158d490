package sfnlocal

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"
)

// maxHistoryEvents is the AWS quota on events per standard execution.
const maxHistoryEvents = 25000

// historyEvent is one event as GetExecutionHistory returns it; the details
// live under the key named after the event type, e.g. activityScheduledEventDetails.
type historyEvent struct {
	Timestamp       epochTime `json:"timestamp"`
	Type            string    `json:"type"`
	ID              int64     `json:"id"`
	PreviousEventID int64     `json:"previousEventId"`
	detailsKey      string
	details         any
}

func (h historyEvent) MarshalJSON() ([]byte, error) {
	type plain historyEvent
	base, err := json.Marshal(plain(h))
	if err != nil || h.details == nil {
		return base, err
	}
	det, err := json.Marshal(h.details)
	if err != nil {
		return nil, fmt.Errorf("encode %s details: %w", h.Type, err)
	}
	out := append(base[:len(base)-1], `,"`...)
	out = append(out, h.detailsKey...)
	out = append(out, `":`...)
	out = append(out, det...)
	return append(out, '}'), nil
}

// Event details, lowerCamelCase as on the wire (sfn/types field names).
type (
	payloadDetails struct {
		Truncated bool `json:"truncated"`
	}
	executionStartedDetails struct {
		Input        string         `json:"input"`
		InputDetails payloadDetails `json:"inputDetails"`
		RoleArn      string         `json:"roleArn"`
	}
	outputDetails struct {
		Output        string         `json:"output"`
		OutputDetails payloadDetails `json:"outputDetails"`
	}
	errorDetails struct {
		Error *string `json:"error,omitempty"`
		Cause *string `json:"cause,omitempty"`
	}
	stateEnteredDetails struct {
		Name         string         `json:"name"`
		Input        string         `json:"input"`
		InputDetails payloadDetails `json:"inputDetails"`
	}
	stateExitedDetails struct {
		Name          string         `json:"name"`
		Output        string         `json:"output"`
		OutputDetails payloadDetails `json:"outputDetails"`
		// AssignedVariables are the variables the state's Assign set, as
		// JSON texts.
		AssignedVariables        map[string]string `json:"assignedVariables,omitempty"`
		AssignedVariablesDetails *payloadDetails   `json:"assignedVariablesDetails,omitempty"`
	}
	activityScheduledDetails struct {
		Resource           string         `json:"resource"`
		Input              string         `json:"input"`
		InputDetails       payloadDetails `json:"inputDetails"`
		TimeoutInSeconds   *int64         `json:"timeoutInSeconds,omitempty"`
		HeartbeatInSeconds *int64         `json:"heartbeatInSeconds,omitempty"`
	}
	taskScheduledDetails struct {
		ResourceType       string `json:"resourceType"`
		Resource           string `json:"resource"`
		Region             string `json:"region"`
		Parameters         string `json:"parameters"`
		TimeoutInSeconds   *int64 `json:"timeoutInSeconds,omitempty"`
		HeartbeatInSeconds *int64 `json:"heartbeatInSeconds,omitempty"`
	}
	taskFailedDetails struct {
		ResourceType string  `json:"resourceType"`
		Resource     string  `json:"resource"`
		Error        *string `json:"error,omitempty"`
		Cause        *string `json:"cause,omitempty"`
	}
	taskStartedDetails struct {
		ResourceType string `json:"resourceType"`
		Resource     string `json:"resource"`
	}
	taskSucceededDetails struct {
		ResourceType  string         `json:"resourceType"`
		Resource      string         `json:"resource"`
		Output        string         `json:"output"`
		OutputDetails payloadDetails `json:"outputDetails"`
	}
	lambdaScheduledDetails struct {
		Resource         string         `json:"resource"`
		Input            string         `json:"input"`
		InputDetails     payloadDetails `json:"inputDetails"`
		TimeoutInSeconds *int64         `json:"timeoutInSeconds,omitempty"`
	}
	activityStartedDetails struct {
		WorkerName string `json:"workerName,omitempty"`
	}
	mapStateStartedDetails struct {
		Length int `json:"length"`
	}
	mapIterationDetails struct {
		Name  string `json:"name"`
		Index int    `json:"index"`
	}
)

func newErrorDetails(name, cause string) errorDetails {
	var d errorDetails
	if name != "" {
		d.Error = &name
	}
	if cause != "" {
		d.Cause = &cause
	}
	return d
}

// detailsKey names the member of HistoryEvent holding an event's details.
func detailsKey(typ string) string {
	switch {
	case strings.HasSuffix(typ, "StateEntered"):
		return "stateEnteredEventDetails"
	case strings.HasSuffix(typ, "StateExited"):
		return "stateExitedEventDetails"
	case strings.HasPrefix(typ, "MapIteration"):
		return "mapIteration" + strings.TrimPrefix(typ, "MapIteration") + "EventDetails"
	}
	return strings.ToLower(typ[:1]) + typ[1:] + "EventDetails"
}

// record appends an event, chained after the last event of th (nil: the
// execution level), and returns its id.
//
// When the history is full (historyFull), an event that cannot be the
// execution's last is dropped and e.overflow set: the 25,000th event is the
// ExecutionFailed that drive records then (causes.go).
func (e *execution) record(th *thread, now time.Time, typ string, details any) int64 {
	id := int64(len(e.Events) + 1)
	if e.historyFull() && !closingEvents[typ] {
		e.overflow = true
		return id
	}
	var prev int64
	if th != nil {
		prev = th.LastEvent
		th.LastEvent = id
	} else if len(e.Events) > 0 {
		prev = id - 1
	}
	ev := historyEvent{Timestamp: epochTime(now), Type: typ, ID: id, PreviousEventID: prev, detailsKey: detailsKey(typ), details: details}
	raw, err := json.Marshal(ev)
	if err != nil {
		panic(fmt.Sprintf("sfnlocal: encode history event: %v", err))
	}
	e.Events = append(e.Events, raw)
	return id
}

type getExecutionHistoryInput struct {
	ExecutionArn         string `json:"executionArn"`
	MaxResults           int32  `json:"maxResults"`
	NextToken            string `json:"nextToken"`
	ReverseOrder         bool   `json:"reverseOrder"`
	IncludeExecutionData *bool  `json:"includeExecutionData"`
}

type getExecutionHistoryOutput struct {
	Events    []json.RawMessage `json:"events"`
	NextToken string            `json:"nextToken,omitempty"`
}

func (s *Server) getExecutionHistory(_ context.Context, in *getExecutionHistoryInput) (any, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, err := s.lookupExecution(in.ExecutionArn)
	if err != nil {
		return nil, err
	}
	events := slices.Clone(e.Events)
	if in.ReverseOrder {
		slices.Reverse(events)
	}
	from, to, next, perr := page(len(events), in.NextToken, in.MaxResults, maxPageToken)
	if perr != nil {
		return nil, perr
	}
	return &getExecutionHistoryOutput{Events: events[from:to], NextToken: next}, nil
}
