//go:build race

package reliability

// raceEnabled reports whether the tests run with the race detector, which
// slows the in-memory server down by about five times.
const raceEnabled = true
