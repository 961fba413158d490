package docscheck

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"unicode"
)

// repoRoot is where this package sits relative to the repository's root.
const repoRoot = "../.."

var (
	// inlineLink matches [text](target) and ![alt](target), with an optional "title".
	inlineLink = regexp.MustCompile(`!?\[[^\]]*\]\(\s*<?([^)\s>]*)>?(?:\s+"[^"]*")?\s*\)`)
	// referenceDef matches a reference-style definition: [label]: target.
	referenceDef = regexp.MustCompile(`^\s{0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s+.*)?$`)
	// htmlAnchor matches an explicit anchor: <a id="x"> or <a name="x">.
	htmlAnchor = regexp.MustCompile(`<a\s+(?:id|name)="([^"]+)"`)
	atxHeading = regexp.MustCompile(`^\s{0,3}(#{1,6})\s+(.*?)\s*#*\s*$`)
	codeSpan   = regexp.MustCompile("`+[^`]*`+")
	// packagePath matches a package of this module named in a code span: `internal/controller`.
	packagePath = regexp.MustCompile("`((?:api|cmd|internal|test)(?:/[a-z0-9_.-]+)*)[`.]")
)

// TestDocumentationLinksResolve checks every relative link in README.md and docs/*.md: the
// file it names exists, and its #anchor is a heading (or an explicit anchor) of the target.
func TestDocumentationLinksResolve(t *testing.T) {
	docs, err := filepath.Glob(filepath.Join(repoRoot, "docs", "*.md"))
	if err != nil {
		t.Fatal(err)
	}
	sources := make([]string, 0, 1+len(docs))
	sources = append(sources, "README.md")
	for _, d := range docs {
		rel, err := filepath.Rel(repoRoot, d)
		if err != nil {
			t.Fatal(err)
		}
		sources = append(sources, rel)
	}
	if len(sources) < 2 {
		t.Fatalf("found no Markdown under docs/ from %s: is the test run from its package?", repoRoot)
	}

	anchorsOf := map[string]map[string]bool{}
	anchors := func(path string) (map[string]bool, error) {
		if a, ok := anchorsOf[path]; ok {
			return a, nil
		}
		text, err := os.ReadFile(filepath.Join(repoRoot, path))
		if err != nil {
			return nil, err
		}
		a := headingAnchors(string(text))
		anchorsOf[path] = a
		return a, nil
	}

	checked := 0
	for _, src := range sources {
		text, err := os.ReadFile(filepath.Join(repoRoot, src))
		if err != nil {
			t.Fatal(err)
		}
		for _, l := range links(string(text)) {
			target, problem := resolve(src, l.target, anchors)
			checked++
			if problem != "" {
				t.Errorf("%s:%d: link %q (%s): %s", src, l.line, l.target, target, problem)
			}
		}
	}
	if checked == 0 {
		t.Fatal("found no links at all: the parser is broken")
	}
}

// resolve checks one link from src and returns the target file it names and what is wrong
// with it ("" when nothing is).
func resolve(src, link string, anchors func(string) (map[string]bool, error)) (string, string) {
	path, fragment, _ := strings.Cut(link, "#")
	target := src
	if path != "" {
		target = filepath.Clean(filepath.Join(filepath.Dir(src), path))
		if strings.HasPrefix(target, "..") {
			return target, "points outside the repository"
		}
		if _, err := os.Stat(filepath.Join(repoRoot, target)); err != nil {
			return target, "no such file"
		}
	}
	if fragment == "" || !strings.HasSuffix(target, ".md") {
		return target, ""
	}
	a, err := anchors(target)
	if err != nil {
		return target, err.Error()
	}
	if !a[fragment] {
		return target, fmt.Sprintf("no heading with anchor #%s", fragment)
	}
	return target, ""
}

type link struct {
	line   int
	target string
}

// links returns the relative links of a Markdown document, outside code blocks and code spans.
func links(text string) []link {
	var out []link
	for n, line := range proseLines(text) {
		line = codeSpan.ReplaceAllString(line, "")
		var targets []string
		for _, m := range inlineLink.FindAllStringSubmatch(line, -1) {
			targets = append(targets, m[1])
		}
		if m := referenceDef.FindStringSubmatch(line); m != nil {
			targets = append(targets, m[1])
		}
		for _, t := range targets {
			if t == "" || isExternal(t) {
				continue
			}
			out = append(out, link{line: n + 1, target: t})
		}
	}
	return out
}

func isExternal(target string) bool {
	for _, scheme := range []string{"http://", "https://", "mailto:", "ftp://"} {
		if strings.HasPrefix(strings.ToLower(target), scheme) {
			return true
		}
	}
	return false
}

// proseLines returns the document's lines with those inside fenced code blocks blanked, so
// line numbers stay true.
func proseLines(text string) []string {
	lines := strings.Split(text, "\n")
	fence := ""
	for i, line := range lines {
		trimmed := strings.TrimLeft(line, " ")
		switch {
		case fence == "" && (strings.HasPrefix(trimmed, "```") || strings.HasPrefix(trimmed, "~~~")):
			fence = trimmed[:3]
			lines[i] = ""
		case fence != "":
			if strings.HasPrefix(trimmed, fence) {
				fence = ""
			}
			lines[i] = ""
		}
	}
	return lines
}

// headingAnchors returns the anchors GitHub gives a document's headings (a repeated one gets
// -1, -2, ...) and its explicit <a id> anchors.
func headingAnchors(text string) map[string]bool {
	out := map[string]bool{}
	seen := map[string]int{}
	for _, line := range proseLines(text) {
		for _, m := range htmlAnchor.FindAllStringSubmatch(line, -1) {
			out[m[1]] = true
		}
		m := atxHeading.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		slug := Slug(m[2])
		if n := seen[slug]; n > 0 {
			out[fmt.Sprintf("%s-%d", slug, n)] = true
		} else {
			out[slug] = true
		}
		seen[slug]++
	}
	return out
}

// Slug is GitHub's anchor for a heading: its text as rendered (links reduced to their text),
// lowercased, every character but letters, digits, spaces, '-' and '_' removed, and each
// space turned into '-'.
func Slug(heading string) string {
	heading = inlineLink.ReplaceAllStringFunc(heading, func(l string) string {
		return l[strings.Index(l, "[")+1 : strings.Index(l, "]")]
	})
	var b strings.Builder
	for _, r := range strings.ToLower(heading) {
		switch {
		case r == ' ':
			b.WriteRune('-')
		case r == '-' || r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsMark(r):
			b.WriteRune(r)
		}
	}
	return b.String()
}

func TestSlugFollowsGitHub(t *testing.T) {
	cases := []struct{ heading, want string }{
		{"Running the operator against AWS", "running-the-operator-against-aws"},
		{"Heartbeats and re-issued tokens", "heartbeats-and-re-issued-tokens"},
		{"What IAM evaluates for `states:SendTask*`", "what-iam-evaluates-for-statessendtask"},
		{"make test-unit: the edit–test loop", "make-test-unit-the-edittest-loop"},
		{"A [link](docs/x.md) in a heading", "a-link-in-a-heading"},
		{"snake_case and 1.37.2", "snake_case-and-1372"},
		{"Two  spaces", "two--spaces"},
	}
	for _, c := range cases {
		if got := Slug(c.heading); got != c.want {
			t.Errorf("Slug(%q) = %q, want %q", c.heading, got, c.want)
		}
	}
}

func TestLinkParsing(t *testing.T) {
	doc := "See [a](a.md#x) and ![img](img.png \"t\").\n" +
		"```sh\n[not](code.md)\n```\n" +
		"Inline `[not](span.md)` and [web](https://example.com).\n" +
		"[ref]: docs/ref.md#y\n"
	found := links(doc)
	got := make([]string, 0, len(found))
	for _, l := range found {
		got = append(got, fmt.Sprintf("%d:%s", l.line, l.target))
	}
	want := []string{"1:a.md#x", "1:img.png", "6:docs/ref.md#y"}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("links = %v, want %v", got, want)
	}
	anchors := headingAnchors("# Title\n## Same\n## Same\n```\n# not a heading\n```\n<a id=\"custom\"></a>\n")
	for _, a := range []string{"title", "same", "same-1", "custom"} {
		if !anchors[a] {
			t.Errorf("anchor %q missing from %v", a, anchors)
		}
	}
	if anchors["not-a-heading"] {
		t.Error("a heading inside a code block counted")
	}
}

// TestArchitectureNamesEveryPackage keeps docs/architecture.md's package list true: every Go
// package of the module (a directory with a .go file under api/, cmd/, internal/ or test/, not
// test/gitops and test/helm, modules of their own) is named there, and every package named
// there exists.
func TestArchitectureNamesEveryPackage(t *testing.T) {
	text, err := os.ReadFile(filepath.Join(repoRoot, "docs", "architecture.md"))
	if err != nil {
		t.Fatal(err)
	}
	named := map[string]bool{}
	for _, m := range packagePath.FindAllStringSubmatch(string(text), -1) {
		named[m[1]] = true
	}
	packages := map[string]bool{}
	for _, top := range []string{"api", "cmd", "internal", "test"} {
		err := filepath.WalkDir(filepath.Join(repoRoot, top), func(path string, d os.DirEntry, err error) error {
			if err != nil {
				return err
			}
			rel, _ := filepath.Rel(repoRoot, path)
			if d.IsDir() && (rel == "test/gitops" || rel == "test/helm" || strings.HasPrefix(d.Name(), ".") || d.Name() == "testdata") {
				return filepath.SkipDir
			}
			if !d.IsDir() && strings.HasSuffix(path, ".go") {
				packages[filepath.ToSlash(filepath.Dir(rel))] = true
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	for p := range packages {
		if !named[p] {
			t.Errorf("docs/architecture.md does not name package %s", p)
		}
	}
	for p := range named {
		if _, err := os.Stat(filepath.Join(repoRoot, p)); err != nil {
			t.Errorf("docs/architecture.md names %s, which does not exist", p)
		}
	}
}
