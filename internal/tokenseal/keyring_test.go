package tokenseal

import (
	"errors"
	"strings"
	"testing"
)

func keyring(t *testing.T, ids ...string) *Keyring {
	t.Helper()
	keys := map[string][]byte{}
	for _, id := range ids {
		keys[id] = NewKey()
	}
	k, err := New(keys)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func TestSealOpen(t *testing.T) {
	k := keyring(t, "1")
	token := strings.Repeat("AAAAKgAAAAIAAAAAAAAAA", 100)[:2048]
	sealed := k.Seal(token, "uid/alice")
	if strings.Contains(sealed, token[:40]) || !Sealed(sealed) {
		t.Fatalf("the sealed form shows the token or is not marked sealed: %.80s", sealed)
	}
	// api/v1alpha1 gives status.approvers[].taskToken at most 4,096 characters.
	if len(sealed) > 4096 {
		t.Errorf("a sealed 2,048-character token takes %d characters, over the schema's 4,096", len(sealed))
	}
	if again := k.Seal(token, "uid/alice"); again == sealed {
		t.Error("sealing twice gave the same text: the nonce is not fresh")
	}
	got, err := k.Open(sealed, "uid/alice")
	if err != nil || got != token {
		t.Fatalf("Open = %.20q, %v; want the token", got, err)
	}
}

func TestOpenRefuses(t *testing.T) {
	k := keyring(t, "1")
	sealed := k.Seal("token", "uid/alice")
	other := keyring(t, "1")
	body := strings.TrimPrefix(sealed, prefix+"1.")
	flipped := []byte(body)
	flipped[len(flipped)/2] ^= 'A' ^ 'B'
	for name, tc := range map[string]struct {
		k              *Keyring
		value, binding string
		want           string
	}{
		"another slot":         {k, sealed, "uid/bob", "does not open"},
		"another request":      {k, sealed, "other/alice", "does not open"},
		"another key":          {other, sealed, "uid/alice", "does not open"},
		"altered":              {k, prefix + "1." + string(flipped), "uid/alice", "token"},
		"unknown key id":       {k, prefix + "7." + body, "uid/alice", `key "7", which this operator does not hold`},
		"no key id":            {k, prefix + "nobody", "uid/alice", "no key id"},
		"not base64":           {k, prefix + "1.!!!", "uid/alice", "not well-formed"},
		"shorter than a nonce": {k, prefix + "1.AAAA", "uid/alice", "not well-formed"},
	} {
		t.Run(name, func(t *testing.T) {
			got, err := tc.k.Open(tc.value, tc.binding)
			if err == nil || !strings.Contains(err.Error(), tc.want) || got != "" {
				t.Errorf("Open = %q, %v; want an error with %q and no token", got, err, tc.want)
			}
		})
	}
	if _, err := k.Open("AAAAKgAAAAIAAAAAAAAAA", "uid/alice"); !errors.Is(err, ErrNotSealed) {
		t.Errorf("Open of a plain token = %v, want ErrNotSealed", err)
	}
}

func TestRotation(t *testing.T) {
	one := NewKey()
	before, err := New(map[string][]byte{"1": one})
	if err != nil {
		t.Fatal(err)
	}
	old := before.Seal("old", "b")
	after, err := New(map[string][]byte{"1": one, "2": NewKey(), "10": NewKey()})
	if err != nil {
		t.Fatal(err)
	}
	if got, err := after.Open(old, "b"); err != nil || got != "old" {
		t.Errorf("a token sealed before the rotation: Open = %q, %v", got, err)
	}
	if sealed := after.Seal("new", "b"); !strings.HasPrefix(sealed, prefix+"10.") {
		t.Errorf("after the rotation the token is sealed as %.16s, want with key 10 (the highest, by number)", sealed)
	}
}

func TestNewRefuses(t *testing.T) {
	for name, keys := range map[string]map[string][]byte{
		"no key":         {},
		"short key":      {"1": make([]byte, 16)},
		"id not numeric": {"a": NewKey()},
		"id zero":        {"0": NewKey()},
		"id padded":      {"01": NewKey()},
	} {
		if _, err := New(keys); err == nil {
			t.Errorf("%s: New accepted it", name)
		}
	}
}

// FuzzOpen: no stored value, however formed, panics Open or opens without the key.
func FuzzOpen(f *testing.F) {
	k, _ := New(map[string][]byte{"1": make([]byte, KeySize)})
	f.Add(k.Seal("token", "b"), "b")
	f.Add(prefix+"1.", "b")
	f.Add(prefix+"1."+strings.Repeat("A", 40), "")
	f.Add("AQ==", "b")
	f.Fuzz(func(t *testing.T, value, binding string) {
		other, _ := New(map[string][]byte{"1": NewKey()})
		if got, err := other.Open(value, binding); err == nil && got != "" {
			t.Fatalf("a value opened with a key that did not seal it: %q", got)
		}
		_, _ = k.Open(value, binding)
	})
}
