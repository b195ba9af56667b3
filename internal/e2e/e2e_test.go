package e2e

import "testing"

func TestSummary(t *testing.T) {
	if s := Summary(); s != "" {
		t.Fatalf("nothing skipped yet: %q", s)
	}
	for _, name := range []string{"TestD", "TestB", "TestA", "TestC"} {
		Record(name, "Chromium is not installed", "apt-get install chromium")
	}
	Record("TestScripts/kubectl", "kubectl is not installed", "apt-get install kubernetes-client")
	want := "skipped 5 end-to-end tests; TestA, TestB, TestC, 1 more: Chromium is not installed (apt-get install chromium); TestScripts/kubectl: kubectl is not installed (apt-get install kubernetes-client)"
	if got := Summary(); got != want {
		t.Fatalf("summary:\n got %s\nwant %s", got, want)
	}
}
