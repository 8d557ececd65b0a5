//go:build race

package sqstest_test

const raceEnabled = true
