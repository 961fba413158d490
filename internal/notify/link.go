package notify

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
)

// The placeholders of a link template.
const (
	placeholderNamespace = "{namespace}"
	placeholderName      = "{name}"
)

// Link is an administrator's link template (spec.link): an https URL in which {namespace} and
// {name} stand for a request's.
type Link struct{ template string }

// ParseLink checks a link template as the schema does, and more: an https URL with a host,
// without credentials, whose only placeholders are {namespace} and {name}, outside the host.
// The empty template is the zero Link, which links nothing.
func ParseLink(template string) (Link, error) {
	if template == "" {
		return Link{}, nil
	}
	probe := strings.NewReplacer(placeholderNamespace, "ns", placeholderName, "n").Replace(template)
	if strings.ContainsAny(probe, "{}") {
		return Link{}, fmt.Errorf("link %q: the only placeholders are %s and %s", template, placeholderNamespace, placeholderName)
	}
	u, err := url.Parse(probe)
	if err != nil {
		return Link{}, fmt.Errorf("link %q: %w", template, err)
	}
	switch {
	case u.Scheme != "https" || u.Host == "" || u.Opaque != "":
		return Link{}, fmt.Errorf("link %q: not an https URL with a host", template)
	case u.User != nil:
		return Link{}, fmt.Errorf("link %q: credentials do not belong in a link", template)
	case hostOf(template) != u.Host:
		return Link{}, errors.New("link: a placeholder cannot stand in the host")
	}
	return Link{template: template}, nil
}

// hostOf is what stands between "https://" and the path, query or fragment of a template.
func hostOf(template string) string {
	rest := strings.TrimPrefix(template, "https://")
	if i := strings.IndexAny(rest, "/?#"); i >= 0 {
		return rest[:i]
	}
	return rest
}

// Expand is the link of a request; "" for the zero Link.
func (l Link) Expand(r Request) string {
	return strings.NewReplacer(placeholderNamespace, url.PathEscape(r.Namespace), placeholderName, url.PathEscape(r.Name)).Replace(l.template)
}
