package clock

import (
	"testing"
	"time"
)

func TestFakeTimersFireInOrderOnAdvance(t *testing.T) {
	start := time.Unix(1000, 0)
	f := NewFake(start)
	late := f.NewTimer(2 * time.Second)
	early := f.NewTimer(time.Second)
	stopped := f.NewTimer(time.Second)
	if !stopped.Stop() {
		t.Fatal("Stop of a pending timer must report true")
	}
	if f.Waiters() != 2 {
		t.Fatalf("Waiters = %d, want 2", f.Waiters())
	}
	f.Advance(time.Second)
	select {
	case got := <-early.C():
		if !got.Equal(start.Add(time.Second)) {
			t.Fatalf("early fired at %v", got)
		}
	default:
		t.Fatal("early timer did not fire")
	}
	select {
	case <-late.C():
		t.Fatal("late timer fired early")
	case <-stopped.C():
		t.Fatal("stopped timer fired")
	default:
	}
	f.Advance(time.Second)
	<-late.C()
	if late.Stop() {
		t.Fatal("Stop of a fired timer must report false")
	}
	f.Set(start) // never backwards
	if !f.Now().Equal(start.Add(2 * time.Second)) {
		t.Fatalf("Set moved the clock backwards to %v", f.Now())
	}
}

func TestFakeZeroDurationFiresAtOnce(t *testing.T) {
	f := NewFake(time.Unix(0, 0))
	select {
	case <-f.NewTimer(0).C():
	default:
		t.Fatal("zero-duration timer must fire at once")
	}
}

func TestBlockUntil(t *testing.T) {
	f := NewFake(time.Unix(0, 0))
	done := make(chan struct{})
	go func() {
		defer close(done)
		<-f.NewTimer(time.Minute).C()
	}()
	f.BlockUntil(1)
	f.Advance(time.Minute)
	<-done
}

func TestRealAndOrReal(t *testing.T) {
	if _, ok := OrReal(nil).(Real); !ok {
		t.Fatal("OrReal(nil) must be Real")
	}
	f := NewFake(time.Unix(0, 0))
	if OrReal(f) != Clock(f) {
		t.Fatal("OrReal must keep a given clock")
	}
	tm := (Real{}).NewTimer(time.Millisecond)
	<-tm.C()
	if (Real{}).Now().IsZero() {
		t.Fatal("Real.Now is zero")
	}
}
