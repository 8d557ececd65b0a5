package sqstest_test

import (
	"context"
	"testing"
	"time"

	"github.com/sqstemp/sqstemp/internal/clock"
	"github.com/sqstemp/sqstemp/internal/conformance"
	"github.com/sqstemp/sqstemp/sqsapi"
	"github.com/sqstemp/sqstemp/sqstest"
)

// harness runs the conformance suite against a fresh Server per subtest,
// on the real clock or on a fake one that the suite advances.
type harness struct{ fake bool }

func (h harness) Name() string {
	if h.fake {
		return "sqstest-fakeclock"
	}
	return "sqstest"
}

// fakeClockServer is a Server whose clock the suite can advance.
type fakeClockServer struct {
	*sqstest.Server
	clk *clock.Fake
}

func (f fakeClockServer) Advance(d time.Duration) { f.clk.Advance(d) }

func (h harness) MakeAPI(context.Context, *testing.T) (sqsapi.API, func()) {
	if !h.fake {
		s := sqstest.New()
		return s, s.Close
	}
	clk := clock.NewFake(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC))
	s := sqstest.New(func(o *sqstest.Options) { o.Clock = clk })
	return fakeClockServer{Server: s, clk: clk}, s.Close
}

func (h harness) Capabilities() conformance.Capabilities {
	return conformance.Capabilities{AWSQueueURLs: true}
}

func TestConformance(t *testing.T) {
	for _, h := range []harness{{fake: false}, {fake: true}} {
		t.Run(h.Name(), func(t *testing.T) {
			t.Parallel()
			if r := conformance.Run(t, h); r.Ran == 0 || r.Failed > 0 {
				t.Errorf("%s: %+v", h.Name(), r)
			}
		})
	}
}
