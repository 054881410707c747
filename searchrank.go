package meetingintel

import "strings"

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
