package notifier

import (
	"context"
	"errors"
	"fmt"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"

	v1 "github.com/tollgate-dev/tollgate/api/v1alpha1"
	"github.com/tollgate-dev/tollgate/internal/notify"
)

// SecretAccess says whether the manager may get a Secret, as the API server answers about it.
type SecretAccess interface {
	MayGet(ctx context.Context, namespace, name string) (bool, error)
}

// readiness is what a config's Ready condition says: ready, or the problems found (each naming
// its channel, the channel's field and the Secret; never a value), the first's reason its reason.
type readiness struct {
	ready   bool
	reason  string
	message string
}

// secretFinding is what a Secret turned out to be: its data, or a problem and its reason.
type secretFinding struct {
	data    map[string][]byte
	reason  string
	problem string
}

// secretCheck checks the Secrets of one config's channels, each read once however many of its
// channels name it, in namespace (where the config reads Secrets from).
type secretCheck struct {
	access    SecretAccess
	secrets   notify.SecretReader
	namespace string
	found     map[string]secretFinding
}

// checkChannels finds whether the manager can use every Secret channels name, in namespace: it
// may get it, it exists, it holds the keys its channel reads in the form the channel needs. An
// error is a failure to find out (the API server did not answer), not a finding.
func checkChannels(ctx context.Context, channels []v1.NotificationChannel, namespace string, access SecretAccess,
	secrets notify.SecretReader) (readiness, error) {
	c := secretCheck{access: access, secrets: secrets, namespace: namespace, found: map[string]secretFinding{}}
	var reason string
	var problems []string
	for _, ch := range channels {
		for _, use := range notify.SecretUses(ch) {
			r, problem, err := c.use(ctx, use)
			if err != nil {
				return readiness{}, err
			}
			if r == "" {
				continue
			}
			if reason == "" {
				reason = r
			}
			problems = append(problems, fmt.Sprintf("channel %s (%s): %s", ch.Name, use.Field, problem))
		}
	}
	if reason != "" {
		return readiness{reason: reason, message: strings.Join(problems, "; ")}, nil
	}
	if len(c.found) == 0 {
		return readiness{ready: true, reason: v1.ReasonChannelsReady, message: "the channels name no Secret"}, nil
	}
	return readiness{ready: true, reason: v1.ReasonChannelsReady,
		message: "tollgate may read every Secret the channels name, and each holds what its channel reads"}, nil
}

// use checks one Secret a channel names: the reason and text of its problem ("" when none).
func (c *secretCheck) use(ctx context.Context, use notify.SecretUse) (reason, problem string, err error) {
	f, ok := c.found[use.Name]
	if !ok {
		if f, err = c.find(ctx, use.Name); err != nil {
			return "", "", err
		}
		c.found[use.Name] = f
	}
	if f.reason != "" {
		return f.reason, f.problem, nil
	}
	err = use.Check(f.data)
	switch {
	case errors.Is(err, notify.ErrSecretKeyMissing):
		return v1.ReasonSecretKeyMissing, c.about(use.Name, err), nil
	case err != nil:
		return v1.ReasonSecretInvalid, c.about(use.Name, err), nil
	}
	return "", "", nil
}

// find reads a Secret as the sends read it, once the API server said the manager may.
func (c *secretCheck) find(ctx context.Context, name string) (secretFinding, error) {
	notGranted := secretFinding{reason: v1.ReasonSecretNotGranted, problem: notify.SecretNotGranted(c.namespace, name)}
	may, err := c.access.MayGet(ctx, c.namespace, name)
	if err != nil {
		return secretFinding{}, err
	}
	if !may {
		return notGranted, nil
	}
	data, err := c.secrets.SecretData(ctx, c.namespace, name)
	switch {
	case errors.Is(err, notify.ErrSecretNotGranted): // the grant was taken back meanwhile
		return notGranted, nil
	case apierrors.IsNotFound(err):
		return secretFinding{reason: v1.ReasonSecretMissing, problem: fmt.Sprintf("the Secret %s/%s does not exist", c.namespace, name)}, nil
	case err != nil:
		return secretFinding{}, fmt.Errorf("reading the Secret %s/%s: %w", c.namespace, name, err)
	}
	return secretFinding{data: data}, nil
}

func (c *secretCheck) about(name string, err error) string {
	return fmt.Sprintf("the Secret %s/%s %v", c.namespace, name, err)
}
