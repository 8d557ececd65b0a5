// Package clock abstracts time so that expiry, heartbeats and sweeps can be
// tested without sleeping. Real is the wall clock; Fake moves only when told.
package clock
