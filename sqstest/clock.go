package sqstest

import (
	"time"

	"github.com/sqstemp/sqstemp/internal/clock"
)

// Clock is the time source of a Server (Options.Clock): it tells the time and
// makes one-shot timers. The clients of this module take the same Clock in
// their Options, so one fake clock can drive a whole test.
type Clock = clock.Clock

// FakeClock is a Clock that moves only through Advance and Set; timers fire
// when it reaches their deadline. BlockUntil(n) waits until n timers are
// pending, so a test can advance the clock knowing the code under test is
// already waiting.
type FakeClock = clock.Fake

// NewFakeClock returns a FakeClock reading start.
func NewFakeClock(start time.Time) *FakeClock { return clock.NewFake(start) }
