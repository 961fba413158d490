package main

import (
	"slices"
	"testing"
)

func TestParseTiers(t *testing.T) {
	for _, c := range []struct {
		in   string
		want []int
	}{
		{"1,100,1000", []int{1, 100, 1000}},
		{" 1, 10000 ", []int{1, 10000}},
		{"5", []int{5}},
		{"", nil},
		{"100,10", nil},
		{"1,1", nil},
		{"0,5", nil},
		{"1,x", nil},
	} {
		got, err := parseTiers(c.in)
		if c.want == nil && err == nil || c.want != nil && !slices.Equal(got, c.want) {
			t.Errorf("parseTiers(%q) = %v, %v; want %v", c.in, got, err, c.want)
		}
	}
}

// FuzzParseTiers: -tiers gives ascending positive numbers or an error, never a panic.
func FuzzParseTiers(f *testing.F) {
	for _, s := range []string{"1,100,1000", "1,,2", "-1", "3,2", "99999999999999999999"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := parseTiers(s)
		if err != nil {
			return
		}
		for i, n := range got {
			if n < 1 || i > 0 && n <= got[i-1] {
				t.Fatalf("parseTiers(%q) = %v", s, got)
			}
		}
	})
}
