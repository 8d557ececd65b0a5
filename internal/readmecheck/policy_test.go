package readmecheck

import (
	"encoding/json"
	"maps"
	"os"
	"slices"
	"strings"
	"testing"
)

// policy is the part of an IAM policy document the checks read.
type policy struct {
	Statement []statement
}

type statement struct {
	Sid      string
	Effect   string
	Action   stringOrList
	Resource stringOrList
}

// stringOrList is an IAM field that is a string or a list of strings.
type stringOrList []string

func (s *stringOrList) UnmarshalJSON(b []byte) error {
	var one string
	if err := json.Unmarshal(b, &one); err == nil {
		*s = []string{one}
		return nil
	}
	return json.Unmarshal(b, (*[]string)(s))
}

// readmePolicy returns the IAM policy in README.md: the one ```json block
// that has a "Statement".
func readmePolicy(t *testing.T) policy {
	t.Helper()
	raw, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	var blocks []string
	for _, part := range strings.Split(string(raw), "```json\n")[1:] {
		block, _, ok := strings.Cut(part, "```")
		if ok && strings.Contains(block, `"Statement"`) {
			blocks = append(blocks, block)
		}
	}
	if len(blocks) != 1 {
		t.Fatalf("README.md has %d ```json blocks with a policy, want 1", len(blocks))
	}
	var p policy
	if err := json.Unmarshal([]byte(blocks[0]), &p); err != nil {
		t.Fatalf("README.md's policy is not valid JSON: %v", err)
	}
	return p
}

// actions returns the IAM actions of the SQS operations in calls, with
// where each is called.
func actions(calls []call) map[string][]string {
	m := map[string][]string{}
	for _, c := range calls {
		a := action(c.op)
		m[a] = append(m[a], c.pos)
	}
	return m
}

// prefixResource is the resource of the statement for the library's queues.
const prefixResource = "arn:aws:sqs:REGION:ACCOUNT:__RequesterClientQueues__*"

// TestREADMEPolicyNamesExactlyTheActionsTheLibraryCalls: every SQS action
// the library's code can call is in the README's policy, on the resource
// where the library calls it, and the policy names no other action.
func TestREADMEPolicyNamesExactlyTheActionsTheLibraryCalls(t *testing.T) {
	p := readmePolicy(t)
	calls, err := scanCalls("../..", libraryRoots)
	if err != nil {
		t.Fatal(err)
	}
	called := actions(calls)
	granted := map[string]bool{}
	onPrefix := map[string]bool{}
	for _, s := range p.Statement {
		if s.Effect != "Allow" {
			t.Errorf("statement %s: Effect %q, want Allow", s.Sid, s.Effect)
		}
		for _, a := range s.Action {
			granted[a] = true
			switch {
			case slices.Contains(s.Resource, prefixResource):
				onPrefix[a] = true
			case a == "sqs:ListQueues" && !slices.Equal(s.Resource, []string{"*"}):
				t.Errorf("sqs:ListQueues on %v: IAM needs Resource \"*\" for it", s.Resource)
			}
		}
	}
	for _, a := range slices.Sorted(maps.Keys(called)) {
		switch {
		case !granted[a]:
			t.Errorf("the library calls %s (%s) but the README's policy does not grant it", a, strings.Join(called[a], ", "))
		case a != "sqs:ListQueues" && !onPrefix[a]:
			t.Errorf("the library calls %s on its own queues (%s) but the policy does not grant it on %s", a, called[a][0], prefixResource)
		}
	}
	for _, a := range slices.Sorted(maps.Keys(granted)) {
		if called[a] == nil {
			t.Errorf("the README's policy grants %s, which the library never calls", a)
		}
	}
}

// TestREADMEPolicyCoversTheCommand: the sqstemp command needs no action the
// policy does not grant.
func TestREADMEPolicyCoversTheCommand(t *testing.T) {
	p := readmePolicy(t)
	granted := map[string]bool{}
	for _, s := range p.Statement {
		for _, a := range s.Action {
			granted[a] = true
		}
	}
	calls, err := scanCalls("../..", []string{"cmd/sqstemp"})
	if err != nil {
		t.Fatal(err)
	}
	for a, where := range actions(calls) {
		if !granted[a] {
			t.Errorf("sqstemp calls %s (%s) but the README's policy does not grant it", a, where[0])
		}
	}
}

// TestScanFindsCallsNotPassThroughs pins what the scan counts: a call made
// on the library's own account, not a wrapper handing on its caller's call.
func TestScanFindsCallsNotPassThroughs(t *testing.T) {
	calls, err := scanCalls("../..", []string{"internal/callcount"})
	if err != nil {
		t.Fatal(err)
	}
	if len(calls) != 0 {
		t.Errorf("callcount only passes calls on, yet the scan found %v", calls)
	}
	calls, err = scanCalls("../..", []string{"sweeper"})
	if err != nil {
		t.Fatal(err)
	}
	found := actions(calls)
	for _, a := range []string{"sqs:ListQueues", "sqs:TagQueue", "sqs:DeleteQueue"} {
		if found[a] == nil {
			t.Errorf("the scan of package sweeper misses %s", a)
		}
	}
}
