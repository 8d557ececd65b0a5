package testutil

import "runtime"

// HeapAlloc returns the bytes of live heap objects after two garbage
// collections (the second frees what the finalizers run by the first
// released), for tests and benchmarks that bound memory.
func HeapAlloc() uint64 {
	runtime.GC()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}
