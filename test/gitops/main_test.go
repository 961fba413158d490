package gitops

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"testing"

	"github.com/go-logr/logr"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	logf "sigs.k8s.io/controller-runtime/pkg/log"
)

var update = flag.Bool("update", false, "rewrite the Argo CD check's testdata from the objects the operator produced")

// produced holds each outcome's request as the API server served it once the operator had
// taken it there, by outcome file.
var produced map[string]*unstructured.Unstructured

// testCluster is the environment the requests were produced on, for tests that ask it more.
var testCluster *cluster

// TestMain produces every outcome once, on one environment, for all the tests to judge.
func TestMain(m *testing.M) {
	flag.Parse()
	logf.SetLogger(logr.Discard())
	code, err := run(m)
	if err != nil {
		fmt.Fprintln(os.Stderr, "gitops:", err)
		code = 1
	}
	os.Exit(code)
}

func run(m *testing.M) (code int, err error) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	produced = map[string]*unstructured.Unstructured{}
	// Requests without a driver are taken before any operator runs: as nobody reconciled them.
	c, err := startCluster(ctx, func(c *cluster) error { return c.produce(ctx, false) })
	if err != nil {
		return 1, err
	}
	defer func() { err = errors.Join(err, c.stop()) }()
	testCluster = c
	if err := c.produce(ctx, true); err != nil {
		return 1, err
	}
	return m.Run(), nil
}

// produce applies the requests of the outcomes with a driver (driven) or without one, takes
// them to their outcomes and keeps what the API server then serves.
func (c *cluster) produce(ctx context.Context, driven bool) error {
	var todo []outcome
	for _, o := range outcomes {
		if (o.drive.run != nil) == driven {
			todo = append(todo, o)
		}
	}
	for _, o := range todo {
		obj, err := requestFor(o.request)
		if err != nil {
			return err
		}
		if o.drive.shape != nil {
			if err := o.drive.shape(ctx, c, obj); err != nil {
				return fmt.Errorf("%s: %w", o.file, err)
			}
		}
		if err := c.apply(ctx, obj); err != nil {
			return fmt.Errorf("%s: %w", o.file, err)
		}
	}
	for _, o := range todo {
		if o.drive.run != nil {
			if err := o.drive.run(ctx, c, o.request); err != nil {
				return fmt.Errorf("%s: %w", o.file, err)
			}
		}
		u, _, err := c.read(ctx, o.request)
		if err != nil {
			return fmt.Errorf("%s: %w", o.file, err)
		}
		produced[o.file] = u
	}
	return nil
}
