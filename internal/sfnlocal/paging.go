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

// Lengths the model allows a nextToken: ListExecutions's is longer than the
// others (recorded in LocalStack's test_sfn_api.snapshot.json).
const (
	maxPageToken           = 1024
	maxExecutionsPageToken = 3096
)

// page returns the slice of n items the request asks for, as [from, to), and
// the nextToken of the following page ("" on the last one). A nextToken
// longer than maxToken is a ValidationException, as the model's constraint.
func page(n int, nextToken string, maxResults int32, maxToken int) (from, to int, next string, err *APIError) {
	if maxResults < 0 || maxResults > maxPageSize {
		return 0, 0, "", errValidation("1 validation error detected: Value '%d' at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to %d", maxResults, maxPageSize)
	}
	size := int(maxResults)
	if size == 0 {
		size = defaultPageSize
	}
	if nextToken != "" {
		if err := checkLength("nextToken", nextToken, 1, maxToken); err != nil {
			return 0, 0, "", err
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
