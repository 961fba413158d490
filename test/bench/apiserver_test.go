package main

import (
	"slices"
	"strconv"
	"testing"
)

func TestSamplesReadOneMetricOfAMetricsBody(t *testing.T) {
	body := `# HELP apiserver_request_total Counter of apiserver requests.
apiserver_request_total{code="200",resource="approvalrequests",subresource="status",verb="PATCH"} 7
apiserver_request_total_other{verb="GET"} 100
apiserver_request_total{code="201",resource="events",verb="POST"} 2
apiserver_request_total{code="200",resource="pods",verb="GET"} not-a-number
`
	var got []string
	samples(body, "apiserver_request_total", func(l map[string]string, v float64) {
		got = append(got, l["verb"]+" "+l["resource"]+"/"+l["subresource"]+" "+strconv.FormatFloat(v, 'f', -1, 64))
	})
	want := []string{"PATCH approvalrequests/status 7", "POST events/ 2"}
	if !slices.Equal(got, want) {
		t.Errorf("samples = %q, want %q", got, want)
	}
}

func TestWebhookMeansPerCallBetweenTwoReadings(t *testing.T) {
	before := map[string][2]float64{"m UPDATE": {1, 10}}
	after := map[string][2]float64{"m UPDATE": {1.5, 110}, "v UPDATE": {0.2, 100}, "idle CREATE": {3, 5}}
	got := webhookMeans(before, after)
	want := []string{"idle CREATE: 5 calls, 600.0 ms each", "m UPDATE: 100 calls, 5.0 ms each", "v UPDATE: 100 calls, 2.0 ms each"}
	if !slices.Equal(got, want) {
		t.Errorf("webhookMeans = %q, want %q", got, want)
	}
}
