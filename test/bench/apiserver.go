package main

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
)

// apiRequests reads kube-apiserver's own count of the requests it served
// (apiserver_request_total), summed by verb and resource: what a phase cost the API server.
func apiRequests(ctx context.Context, cfg *rest.Config) (map[string]float64, error) {
	c, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return nil, err
	}
	body, err := c.Discovery().RESTClient().Get().AbsPath("/metrics").DoRaw(ctx)
	if err != nil {
		return nil, fmt.Errorf("reading kube-apiserver's metrics: %w", err)
	}
	out := map[string]float64{}
	for line := range strings.Lines(string(body)) {
		if !strings.HasPrefix(line, "apiserver_request_total{") {
			continue
		}
		labels, value, ok := strings.Cut(strings.TrimPrefix(line, "apiserver_request_total{"), "} ")
		if !ok {
			continue
		}
		n, err := strconv.ParseFloat(strings.TrimSpace(value), 64)
		if err != nil {
			continue
		}
		l := parseLabels(labels)
		key := l["verb"] + " " + l["resource"]
		if l["subresource"] != "" {
			key += "/" + l["subresource"]
		}
		out[key] += n
	}
	return out, nil
}

// parseLabels reads name="value" pairs (the values kube-apiserver writes hold no quotes).
func parseLabels(s string) map[string]string {
	out := map[string]string{}
	for pair := range strings.SplitSeq(s, ",") {
		k, v, ok := strings.Cut(pair, "=")
		if ok {
			out[k] = strings.Trim(v, `"`)
		}
	}
	return out
}

// perDecision is what each decision of a phase cost the API server, busiest first: the
// requests between two readings divided by the decisions made between them.
func perDecision(before, after map[string]float64, decisions int) []string {
	diff := map[string]float64{}
	for k, v := range after {
		if d := v - before[k]; d > 0 && !strings.HasPrefix(k, "WATCH") {
			diff[k] = d / float64(decisions)
		}
	}
	keys := slices.SortedFunc(maps.Keys(diff), func(a, b string) int {
		if diff[a] != diff[b] {
			if diff[a] > diff[b] {
				return -1
			}
			return 1
		}
		return strings.Compare(a, b)
	})
	out := make([]string, 0, len(keys))
	for _, k := range keys {
		if diff[k] >= 0.05 {
			out = append(out, fmt.Sprintf("%s %.2f", k, diff[k]))
		}
	}
	return out
}
