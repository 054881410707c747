package transcript

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// addFixtures seeds a fuzzer with every fixture: inputs of one format are
// good mutations for another.
func addFixtures(f *testing.F) {
	files, err := filepath.Glob("testdata/*.*")
	if err != nil {
		f.Fatal(err)
	}
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
}

// fuzzParse checks that Parse in format ft never panics, fails only with a
// *ParseError, and otherwise keeps the Transcript invariants.
func fuzzParse(f *testing.F, ft Format) {
	addFixtures(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		tr, err := Parse(data, ft)
		if err != nil {
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("error %v (%T) is not a *ParseError", err, err)
			}
			return
		}
		if ft != Auto && tr.Format != ft {
			t.Fatalf("parsed as %q, asked for %q", tr.Format, ft)
		}
		checkInvariants(t, tr)
	})
}

func FuzzParseVTT(f *testing.F)       { fuzzParse(f, VTT) }
func FuzzParseSRT(f *testing.F)       { fuzzParse(f, SRT) }
func FuzzParseOtter(f *testing.F)     { fuzzParse(f, Otter) }
func FuzzParseFireflies(f *testing.F) { fuzzParse(f, Fireflies) }
func FuzzParseText(f *testing.F)      { fuzzParse(f, Text) }

func FuzzDetect(f *testing.F) {
	addFixtures(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		got, err := Detect(data)
		if err != nil {
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("error %v (%T) is not a *ParseError", err, err)
			}
			return
		}
		if got == Auto || got == "" {
			t.Fatalf("Detect returned %q", got)
		}
		// Parse with Auto must parse the detected format.
		if tr, err := Parse(data, Auto); err == nil {
			if tr.Format != got {
				t.Fatalf("Detect says %q, Parse(Auto) parsed %q", got, tr.Format)
			}
			checkInvariants(t, tr)
		}
	})
}
