//go:build race

package transcript

// raceEnabled: the race detector slows parsing tens of times, so the
// hostile-input test uses smaller inputs under it.
const raceEnabled = true
