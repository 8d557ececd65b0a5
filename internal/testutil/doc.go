// Package testutil holds the helpers this module's tests share: a logger
// that is quiet unless asked (SQSTEMP_LOG=1), Eventually (wait for an
// outcome, with a liveness bound that asserts no timing), queue creation,
// the goroutine-leak check every package's TestMain runs, HeapAlloc for
// memory bounds, and child processes. It is for tests only; nothing in the
// library imports it.
//
// # Child processes
//
// A test that needs another process (one to kill with SIGKILL, say) runs
// its own test binary again as a child. TestMain calls RunChild first: in
// the child it runs the child's function instead of the tests.
//
//	func TestMain(m *testing.M) {
//		testutil.RunChild(crashChildEnv, crashChild)
//		testutil.VerifyTestMain(m)
//	}
//
//	func crashChild() int {
//		... // start what the test kills
//		testutil.ChildReady(hostQueueURL)
//		select {} // until killed
//	}
//
//	child, url := testutil.StartChild(t, crashChildEnv, "QUEUE="+queueURL)
//	child.Kill() // SIGKILL; also done when the test ends
package testutil
