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
	body, err := scrape(ctx, cfg)
	if err != nil {
		return nil, err
	}
	out := map[string]float64{}
	samples(body, "apiserver_request_total", func(l map[string]string, n float64) {
		key := l["verb"] + " " + l["resource"]
		if l["subresource"] != "" {
			key += "/" + l["subresource"]
		}
		out[key] += n
	})
	return out, nil
}

// webhookTimes reads how long kube-apiserver waited on each admission webhook
// (apiserver_admission_webhook_admission_duration_seconds): seconds and calls, by webhook.
func webhookTimes(ctx context.Context, cfg *rest.Config) (map[string][2]float64, error) {
	body, err := scrape(ctx, cfg)
	if err != nil {
		return nil, err
	}
	out := map[string][2]float64{}
	const metric = "apiserver_admission_webhook_admission_duration_seconds"
	for i, series := range []string{metric + "_sum", metric + "_count"} {
		samples(body, series, func(l map[string]string, v float64) {
			key := l["name"] + " " + l["operation"]
			sc := out[key]
			sc[i] += v
			out[key] = sc
		})
	}
	return out, nil
}

// scrape reads kube-apiserver's /metrics once.
func scrape(ctx context.Context, cfg *rest.Config) (string, error) {
	c, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return "", err
	}
	body, err := c.Discovery().RESTClient().Get().AbsPath("/metrics").DoRaw(ctx)
	if err != nil {
		return "", fmt.Errorf("reading kube-apiserver's metrics: %w", err)
	}
	return string(body), nil
}

// samples calls each for every sample of metric in a /metrics body.
func samples(body, metric string, each func(labels map[string]string, value float64)) {
	for line := range strings.Lines(body) {
		sample, found := strings.CutPrefix(line, metric+"{")
		labels, value, ok := strings.Cut(sample, "} ")
		if !found || !ok {
			continue
		}
		n, err := strconv.ParseFloat(strings.TrimSpace(value), 64)
		if err != nil {
			continue
		}
		each(parseLabels(labels), n)
	}
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

// webhookMeans says, per webhook, how many calls kube-apiserver made between two readings and
// how long it waited on each, on average.
func webhookMeans(before, after map[string][2]float64) []string {
	var out []string
	for _, k := range slices.Sorted(maps.Keys(after)) {
		secs, calls := after[k][0]-before[k][0], after[k][1]-before[k][1]
		if calls > 0 {
			out = append(out, fmt.Sprintf("%s: %.0f calls, %.1f ms each", k, calls, 1000*secs/calls))
		}
	}
	return out
}
