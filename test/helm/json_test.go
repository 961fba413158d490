package helm

import (
	"bytes"
	"encoding/json"
)

func equalJSON(a, b any) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return bytes.Equal(x, y)
}

func containsJSON(v any, text string) bool {
	b, _ := json.Marshal(v)
	return bytes.Contains(b, []byte(text))
}
