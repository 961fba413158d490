package sfnlocal

import (
	"encoding/base64"
	"strconv"
	"strings"
)

const (
	defaultPageSize = 100
	maxPageSize     = 1000
	pageTokenPrefix = "sfnlocal-page:"
)

// page returns the slice of n items the request asks for, as [from, to), and
// the nextToken of the following page ("" on the last one).
func page(n int, nextToken string, maxResults int32) (from, to int, next string, err *APIError) {
	if maxResults < 0 || maxResults > maxPageSize {
		return 0, 0, "", errValidation("1 validation error detected: Value '%d' at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to %d", maxResults, maxPageSize)
	}
	size := int(maxResults)
	if size == 0 {
		size = defaultPageSize
	}
	if nextToken != "" {
		if len(nextToken) > 1024 {
			return 0, 0, "", errValidation("1 validation error detected: Value '%s' at 'nextToken' failed to satisfy constraint: Member must have length less than or equal to 1024", nextToken)
		}
		if from, err = decodePageToken(nextToken); err != nil {
			return 0, 0, "", err
		}
	}
	from = min(from, n)
	to = min(from+size, n)
	if to < n {
		next = base64.RawURLEncoding.EncodeToString([]byte(pageTokenPrefix + strconv.Itoa(to)))
	}
	return from, to, next, nil
}

func decodePageToken(tok string) (int, *APIError) {
	raw, err := base64.RawURLEncoding.DecodeString(tok)
	if err != nil || !strings.HasPrefix(string(raw), pageTokenPrefix) {
		return 0, errInvalidToken()
	}
	off, err := strconv.Atoi(strings.TrimPrefix(string(raw), pageTokenPrefix))
	if err != nil || off < 0 {
		return 0, errInvalidToken()
	}
	return off, nil
}
