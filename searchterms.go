package meetingintel

import (
	"strings"
	"unicode"
)

// MaxSearchTerms is how many terms of a query are searched; the rest are
// ignored, so a pasted paragraph cannot make a query arbitrarily costly.
const MaxSearchTerms = 16

// SearchTerms splits a search query the way every store searches it: lower
// case, split on anything but letters and digits, without stop words,
// one-letter words (single digits stay) and repeats, at most MaxSearchTerms
// terms in query order; question filler (questionFiller) is dropped too
// unless nothing else is left. Terms hold only letters and digits, so no
// user text reaches a full-text engine's query syntax. No term means the
// query says nothing searchable.
func SearchTerms(query string) []string {
	words := strings.FieldsFunc(strings.ToLower(query), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	})
	seen := map[string]bool{}
	var out, filler []string
	for _, w := range words {
		if stopWords[w] || seen[w] || (len([]rune(w)) == 1 && !unicode.IsDigit([]rune(w)[0])) {
			continue
		}
		seen[w] = true
		if questionFiller[w] {
			filler = append(filler, w)
			continue
		}
		out = append(out, w)
		if len(out) == MaxSearchTerms {
			break
		}
	}
	if len(out) == 0 {
		return filler[:min(len(filler), MaxSearchTerms)]
	}
	return out
}

// questionFiller are words of how questions about meetings are put ("what
// did the group recommend", "describe the team's plan") that say little of
// their topic, yet can be one ("focus group"): dropped from a query that
// has other words, kept when they are all it has. On QMSum (cmd/qmsumbench)
// +0.7 (train) and +0.4 (val) points of hit@10, +1.0 and +0.8 of hit@3.
var questionFiller = func() map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(`group team elaborate recommend propose conclusion learn mainly
		describe description introduce explain`) {
		m[w] = true
	}
	return m
}()

// stopWords are English words too common to say what a search is about:
// function words, question words and the filler of spoken questions
// ("what did we say about ...").
var stopWords = func() map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(`
		a about above after again against all almost also am among an and any anyone anything are aren arent
		around as at be became because been before being below between both but by can cannot cant could
		couldn did didn didnt do does doesn doesnt doing don dont down during each either else ever every
		few for from further get gets got had hadn has hasn have haven having he her here hers herself him
		himself his how however i if in into is isn it its itself just let lets ll me might more most much
		must mustn my myself neither no nor not now of off often on once one only or other others our ours
		ourselves out over own per please quite rather re really s said same say says shall shan she should
		shouldn since so some something such t tell than that thats the their theirs them themselves then
		there these they thing things this those though through thus to too under until up upon us ve very
		via was wasn we were weren what whatever when whenever where whereas wherever whether which while
		who whoever whom whose why will with within without won would wouldn yet you your yours yourself
		yourselves d m o y ain let's anybody anywhere somebody someone
		hey hi hello ok okay yeah yes um uh like
		discuss discussed discussing talk talked talking mention mentioned mentions
		discussion discussions summarize summarise summarized opinion opinions think thinks thought thoughts
		towards toward
		`) {
		m[w] = true
	}
	return m
}()

// settingWeight is the weight of a word a question says only in its
// setting, after "when", "while" or "during" ("what did marketing think of
// the buttons when discussing the functional design?"): the setting names
// the wider discussion, the words before it what was said; 0.5 gained +0.4
// (train) and +1.3 (val) points of hit@10 on QMSum (0.3 and 0.7 less; 1.3
// lost a point). It scales the term's IDF, so every bound holds.
const settingWeight = 0.5

// settingCues open a question's setting; a question that starts with one
// ("When did we ship?") has none.
var settingCues = []string{" when ", " while ", " during "}

// TermWeights returns the weight of each of terms (SearchTerms of query,
// after DropIntentWords) in ranking: settingWeight for a word said only
// after the first setting cue of query, 1 for the others.
func TermWeights(query string, terms []string) []float64 {
	low := strings.ToLower(query)
	at := -1
	for _, cue := range settingCues {
		if i := strings.Index(low, cue); i >= 0 && (at < 0 || i < at) {
			at = i
		}
	}
	out := make([]float64, len(terms))
	for i := range out {
		out[i] = 1
	}
	if at < 0 {
		return out
	}
	split := func(s string) map[string]bool {
		m := map[string]bool{}
		for _, w := range strings.FieldsFunc(s, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }) {
			m[w] = true
		}
		return m
	}
	before, after := split(low[:at]), split(low[at:])
	for i, t := range terms {
		if after[t] && !before[t] {
			out[i] = settingWeight
		}
	}
	return out
}
