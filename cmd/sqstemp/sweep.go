package main

import (
	"context"
	"fmt"
	"io"

	"github.com/sqstemp/sqstemp/sqsapi"
	"github.com/sqstemp/sqstemp/sweeper"
)

// Actions of sweep and cleanup.
const (
	actionDeleted     = "deleted"
	actionWouldDelete = "would-delete"
)

// actionRow is one queue that sweep or cleanup deleted (or would delete).
type actionRow struct {
	URL    string `json:"url"`
	Action string `json:"action"`
	Reason string `json:"reason"`
}

var actionHeader = []string{"URL", "ACTION", "REASON"}

func (r actionRow) cells() []string { return []string{r.URL, r.Action, r.Reason} }

// runSweep applies the sweeper's check (sweeper.Rule.Check, the code a
// Sweeper runs) to every queue under the prefix but the sweeper's own, once.
func runSweep(ctx context.Context, e env, api sqsapi.API, o options, stdout, stderr io.Writer) error {
	urls, err := listQueues(ctx, api, o.prefix)
	if err != nil {
		return err
	}
	mayDelete := func(sweeper.Decision) bool { return !o.dryRun }
	t := newTable(stdout, o.json, actionHeader...)
	var checked, acted, failed int
	for _, u := range urls {
		if sweeperQueue(u, o.prefix) != "" {
			continue
		}
		checked++
		d, deleted, err := o.rule.Check(ctx, api, u, e.now, mayDelete)
		if err != nil {
			failed++
			fmt.Fprintf(stderr, "sqstemp: %v\n", err)
			continue
		}
		row := actionRow{URL: u, Reason: d.Reason}
		switch {
		case deleted:
			row.Action = actionDeleted
		case o.dryRun && d.Verdict == sweeper.Idle:
			row.Action = actionWouldDelete
		default:
			continue
		}
		acted++
		t.add(row, row.cells()...)
	}
	if err := t.flush(); err != nil {
		return err
	}
	if !o.json {
		verb := "deleted"
		if o.dryRun {
			verb = "would delete"
		}
		fmt.Fprintf(stderr, "sqstemp: checked %d queues under %q, %s %d\n", checked, o.prefix, verb, acted)
	}
	return failedOn(failed, checked)
}
