// Package docscheck holds no code: its test keeps the README's and docs/' links working. Every
// relative link must name a file that exists and every #anchor a heading of its target, so a
// section moved from the README to docs/ cannot leave a dead link behind.
package docscheck
