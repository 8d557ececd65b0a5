// Package fleetsim simulates fleets of sqstemp processes sharing one SQS
// account, on the in-memory sqstest server inside a testing/synctest bubble:
// a thousand tempqueue clients and requesters, each a "process" with its own
// tagging budget, live for simulated hours in seconds of real time, with
// SQS's latency and its account-wide tagging quota modelled, and a tenth of
// them killed (every call they make fails from the kill on, as after a
// SIGKILL) at random moments. Its tests check the life-cycle layer's
// promises at fleet scale: no live queue is ever deleted, every dead
// process's queues are deleted within their retention plus two sweep
// periods, the fleet's tagging stays within the quota, and what an idle
// process costs per hour. The package has no code outside its tests.
package fleetsim
