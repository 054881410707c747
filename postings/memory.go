package postings

import "unsafe"

// MemoryPart is one part of an index's heap, in bytes allocated (slices
// by capacity; maps estimated from their entries).
type MemoryPart struct {
	Name  string
	Bytes int64
}

// mapEntry estimates the bytes of one map entry beyond its key's text:
// a slot (string header and value, padded) at the tables' 7/8 load, plus
// its control byte.
const mapEntry = (24*8 + 8) / 7

// Memory returns where the index's bytes go, part by part, for
// measurements (mibench, BenchmarkIndexMemory).
func (ix *Index) Memory() []MemoryPart {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	var post, terms, lines, dict, spks int64
	for i := range ix.terms {
		post += int64(cap(ix.terms[i].post))
	}
	terms = int64(cap(ix.terms)) * int64(unsafe.Sizeof(term{}))
	for i := range ix.mtgs {
		lines += int64(cap(ix.mtgs[i].lines)) * 4
	}
	lines += int64(cap(ix.mtgs))*int64(unsafe.Sizeof(meeting{})) + int64(len(ix.mtgByID))*mapEntry
	for k := range ix.dict {
		dict += int64(len(k)) + mapEntry
	}
	for k := range ix.words {
		dict += int64(len(k)) + mapEntry
	}
	for _, s := range ix.spks {
		spks += 2*int64(len(s)) + 16 + mapEntry
	}
	return []MemoryPart{
		{"ids", int64(cap(ix.ids)) * 8},
		{"kind", int64(cap(ix.kind))},
		{"mtg", int64(cap(ix.mtg)) * 4},
		{"runs", int64(cap(ix.runs)) * int64(unsafe.Sizeof(run{}))},
		{"seq", int64(cap(ix.seq)) * 4},
		{"spk", int64(cap(ix.spk)) * 4},
		{"length", int64(cap(ix.length)) * 4},
		{"fwdAt", int64(cap(ix.fwdAt)) * 4},
		{"fwd", int64(cap(ix.fwd))},
		{"inOrder", int64(cap(ix.inOrder)) * 4},
		{"late", int64(len(ix.late)) * mapEntry},
		{"postings", post},
		{"terms", terms},
		{"dict+words", dict},
		{"lines", lines},
		{"speakers", spks},
	}
}
