package main

import (
	"os"
	"path/filepath"
	"testing"
)

// TestSamplesUpToDate: making the samples again from the checked-in keys
// and tokens gives the checked-in files, byte for byte: a refresh with no
// claim changed changes nothing (the random ES256 signature is kept).
func TestSamplesUpToDate(t *testing.T) {
	samples := filepath.Join("..", "..", dir)
	files := generate(samples)
	if changed := changedFiles(samples, files); len(changed) != 0 {
		t.Errorf("samples out of date or not stable: %v differ; run go run ./scripts/samples -write", changed)
	}
	if _, ok := files["keys.json"]; ok {
		t.Error("keys.json made again though it exists")
	}
}

// TestSamplesFresh: with no keys, new ones are made and every file differs
// from an empty directory; nothing is written there.
func TestSamplesFresh(t *testing.T) {
	empty := t.TempDir()
	files := generate(empty)
	if f, ok := files["keys.json"]; !ok || f.mode != 0o600 {
		t.Fatalf("keys.json: %v", ok)
	}
	if got := changedFiles(empty, files); len(got) != len(files) {
		t.Errorf("changed %v of %d", got, len(files))
	}
	if entries, _ := os.ReadDir(empty); len(entries) != 0 {
		t.Errorf("generate wrote %d files", len(entries))
	}
}
