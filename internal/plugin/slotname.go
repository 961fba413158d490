package plugin

import (
	"fmt"
	"regexp"
	"strings"
)

// slotPattern is spec.approvers[].name's schema: a DNS-1123 label of at most maxSlotLength
// characters.
var slotPattern = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`)

const maxSlotLength = 55

// parseSlot checks the value of --slot before it goes to the API server, so a typo reads as
// a typo rather than as the webhook's refusal of an unknown slot.
func parseSlot(value string) (string, error) {
	switch {
	case value == "":
		return "", fmt.Errorf("--slot is empty: name one of the request's approver slots")
	case len(value) > maxSlotLength:
		return "", fmt.Errorf("--slot %q is %d characters long: a slot name has at most %d", abbreviate(value), len(value), maxSlotLength)
	case !slotPattern.MatchString(value):
		return "", fmt.Errorf("--slot %q is not a slot name: lower-case letters, digits and '-', starting and ending with a letter or digit", abbreviate(value))
	}
	return value, nil
}

// abbreviate shortens user input quoted in a message.
func abbreviate(s string) string {
	const keep = 64
	s = strings.ToValidUTF8(s, "?")
	if r := []rune(s); len(r) > keep {
		return string(r[:keep]) + "…"
	}
	return s
}
