package meetingintel

import (
	"math"
	"strings"
)

// Ranking knobs both stores share, so SQLite and PostgreSQL order hits the
// same way (their text scores differ: bm25 against ts_rank).

// kindWeights multiply a hit's text score by the kind of text matched: a
// word in a title says more about a meeting than the same word in one line
// of transcript, and decisions and actions are what people come back for.
var kindWeights = map[string]float64{
	KindTitle:    2.0,
	KindDecision: 1.5,
	KindAction:   1.5,
	KindSummary:  1.2,
	KindSegment:  1.0,
}

// IntentBoost multiplies the weight of the kind a question asks for.
const IntentBoost = 1.6

// intentWords map words of a question to the kind it asks for: "what did
// we decide about X" wants decisions, "who owns the follow-up on X" wants
// actions. DropIntentWords keeps them out of matching, so they steer
// ranking only.
var intentWords = map[string]string{
	"decide": KindDecision, "decided": KindDecision, "decision": KindDecision, "decisions": KindDecision,
	"agree": KindDecision, "agreed": KindDecision, "agreement": KindDecision, "conclude": KindDecision,
	"concluded": KindDecision, "resolved": KindDecision, "settled": KindDecision, "chose": KindDecision,
	"action": KindAction, "actions": KindAction, "todo": KindAction, "todos": KindAction, "task": KindAction,
	"tasks": KindAction, "owner": KindAction, "owns": KindAction, "assigned": KindAction,
	"follow": KindAction, "followup": KindAction, "due": KindAction, "deadline": KindAction,
}

// KindWeights returns the weight of each kind of hit for query: the base
// weights, with the kind the question asks for (if any) boosted.
func KindWeights(query string) map[string]float64 {
	out := make(map[string]float64, len(kindWeights))
	for k, w := range kindWeights {
		out[k] = w
	}
	if kind := QueryIntent(query); kind != "" {
		out[kind] *= IntentBoost
	}
	return out
}

// QueryIntent returns the kind of hit a question asks for (KindDecision or
// KindAction), or "" when it asks for nothing in particular.
func QueryIntent(query string) string {
	for _, w := range strings.FieldsFunc(strings.ToLower(query), func(r rune) bool {
		return !('a' <= r && r <= 'z')
	}) {
		if k, ok := intentWords[w]; ok {
			return k
		}
	}
	return ""
}

// DropIntentWords removes the words that say what kind of hit a question
// wants ("decide", "action", ...) from its search terms: in "what did we
// decide about the pricing page?" the topic is the pricing page, and a
// line that says "decided" is no more about it. When nothing else is left
// ("decisions"), the terms stay as they are.
func DropIntentWords(terms []string) []string {
	out := make([]string, 0, len(terms))
	for _, t := range terms {
		if _, ok := intentWords[t]; !ok {
			out = append(out, t)
		}
	}
	if len(out) == 0 {
		return terms
	}
	return out
}

// BM25's parameters, FTS5's defaults, which both stores score with.
const (
	bm25K1 = 1.2
	bm25B  = 0.75
	// shortDocTokens is the length below which a document scores as if it
	// were this long (see BM25).
	shortDocTokens = 8
)

// BM25IDF is BM25's inverse document frequency of a term found in df of
// docs documents, as FTS5 computes it, floored just above zero so every
// match scores.
func BM25IDF(docs, df float64) float64 {
	v := math.Log((docs - df + 0.5) / (df + 0.5))
	if v <= 0 {
		v = 1e-6
	}
	return v
}

// BM25 scores a document of docLen tokens (avgLen on average) that holds
// terms whose BM25IDFs sum to idfs, each term counted once. Lengths have a
// floor: with repeats not counted, length normalisation alone would put
// one-word replies ("Budget?") above the sentences that discuss the topic.
func BM25(idfs, docLen, avgLen float64) float64 {
	docLen = max(docLen, shortDocTokens)
	return idfs * (bm25K1 + 1) / (1 + bm25K1*(1-bm25B+bm25B*docLen/avgLen))
}

// BM25MaxLen returns the longest document length at which BM25(idfs,
// docLen, avgLen) still reaches score (> 0): BM25 falls as documents grow,
// so a longer document scores less. An index uses it to turn a bound on
// the score into a bound on length, compared without arithmetic per
// document. Below shortDocTokens, no length reaches score.
func BM25MaxLen(idfs, avgLen, score float64) float64 {
	return (idfs*(bm25K1+1)/score - 1 - bm25K1*(1-bm25B)) * avgLen / (bm25K1 * bm25B)
}
