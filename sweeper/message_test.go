package sweeper

import (
	"errors"
	"strings"
	"testing"
)

func TestParseWorkMessage(t *testing.T) {
	tests := []struct {
		name, body string
		want       workMessage
		ok         bool
	}{
		{"sweep", `{"v":1,"kind":"sweep","period":42}`, workMessage{V: 1, Kind: kindSweep, Period: 42}, true},
		{"check", `{"v":1,"kind":"check","queueUrl":"https://h/1/q","period":3}`, workMessage{V: 1, Kind: kindCheck, QueueURL: "https://h/1/q", Period: 3}, true},
		{"check without period", `{"v":1,"kind":"check","queueUrl":"u"}`, workMessage{V: 1, Kind: kindCheck, QueueURL: "u"}, true},
		{"unknown field ignored", `{"v":1,"kind":"sweep","period":1,"extra":[1,2]}`, workMessage{V: 1, Kind: kindSweep, Period: 1}, true},
		{"whitespace", " {\"v\":1,\"kind\":\"sweep\",\"period\":0}\n", workMessage{V: 1, Kind: kindSweep}, true},
		{"empty", ``, workMessage{}, false},
		{"not json", `sweep please`, workMessage{}, false},
		{"array", `[1]`, workMessage{}, false},
		{"null", `null`, workMessage{}, false},
		{"no version", `{"kind":"sweep","period":1}`, workMessage{}, false},
		{"version 2", `{"v":2,"kind":"sweep","period":1}`, workMessage{}, false},
		{"version as string", `{"v":"1","kind":"sweep","period":1}`, workMessage{}, false},
		{"version fraction", `{"v":1.0,"kind":"sweep","period":1}`, workMessage{}, false},
		{"unknown kind", `{"v":1,"kind":"nuke"}`, workMessage{}, false},
		{"no kind", `{"v":1,"period":1}`, workMessage{}, false},
		{"sweep without period", `{"v":1,"kind":"sweep"}`, workMessage{}, false},
		{"negative period", `{"v":1,"kind":"sweep","period":-1}`, workMessage{}, false},
		{"huge period", `{"v":1,"kind":"sweep","period":1e40}`, workMessage{}, false},
		{"check without url", `{"v":1,"kind":"check"}`, workMessage{}, false},
		{"check with empty url", `{"v":1,"kind":"check","queueUrl":""}`, workMessage{}, false},
		{"trailing data", `{"v":1,"kind":"sweep","period":1}{}`, workMessage{}, false},
		{"too big", `{"v":1,"kind":"check","queueUrl":"` + strings.Repeat("a", maxWorkMessageSize) + `"}`, workMessage{}, false},
		{"list", `{"v":1,"kind":"list","period":7,"token":"AQIC+/x==","page":2}`, workMessage{V: 1, Kind: kindList, Period: 7, Token: "AQIC+/x==", Page: 2}, true},
		{"list last page", `{"v":1,"kind":"list","period":7,"token":"t","page":1000000}`, workMessage{V: 1, Kind: kindList, Period: 7, Token: "t", Page: maxListPage}, true},
		{"list longest token", `{"v":1,"kind":"list","period":7,"token":"` + strings.Repeat("t", maxListToken) + `","page":2}`,
			workMessage{V: 1, Kind: kindList, Period: 7, Token: strings.Repeat("t", maxListToken), Page: 2}, true},
		{"list without period", `{"v":1,"kind":"list","token":"t","page":2}`, workMessage{}, false},
		{"list without page", `{"v":1,"kind":"list","period":7,"token":"t"}`, workMessage{}, false},
		{"list of page 1", `{"v":1,"kind":"list","period":7,"token":"t","page":1}`, workMessage{}, false},
		{"list of page 0", `{"v":1,"kind":"list","period":7,"token":"t","page":0}`, workMessage{}, false},
		{"list page too far", `{"v":1,"kind":"list","period":7,"token":"t","page":1000001}`, workMessage{}, false},
		{"list page as string", `{"v":1,"kind":"list","period":7,"token":"t","page":"2"}`, workMessage{}, false},
		{"list without token", `{"v":1,"kind":"list","period":7,"page":2}`, workMessage{}, false},
		{"list with empty token", `{"v":1,"kind":"list","period":7,"token":"","page":2}`, workMessage{}, false},
		{"list with token not a string", `{"v":1,"kind":"list","period":7,"token":5,"page":2}`, workMessage{}, false},
		{"list with control in token", `{"v":1,"kind":"list","period":7,"token":"a\nb","page":2}`, workMessage{}, false},
		{"list with token too long", `{"v":1,"kind":"list","period":7,"token":"` + strings.Repeat("t", maxListToken+1) + `","page":2}`, workMessage{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseWorkMessage(tt.body)
			if tt.ok {
				if err != nil || got != tt.want {
					t.Fatalf("parse = %+v, %v; want %+v", got, err, tt.want)
				}
				return
			}
			if !errors.Is(err, errBadWorkMessage) {
				t.Fatalf("parse = %+v, %v; want errBadWorkMessage", got, err)
			}
		})
	}
}

func TestWorkMessageRoundTrip(t *testing.T) {
	for _, m := range []workMessage{
		{V: 1, Kind: kindSweep, Period: 9},
		{V: 1, Kind: kindCheck, QueueURL: "https://sqs.us-east-1.amazonaws.com/1/__RequesterClientQueues__x", Period: 9},
		{V: 1, Kind: kindList, Period: 9, Token: "AQIDAHh+/=", Page: 12},
	} {
		got, err := parseWorkMessage(m.encode())
		if err != nil || got != m {
			t.Errorf("round trip of %+v = %+v, %v", m, got, err)
		}
	}
}

// FuzzParseWorkMessage checks that the parser of untrusted work messages
// never panics, and that whatever it accepts is well-formed and survives a
// round trip.
func FuzzParseWorkMessage(f *testing.F) {
	for _, s := range []string{
		`{"v":1,"kind":"sweep","period":42}`,
		`{"v":1,"kind":"check","queueUrl":"https://sqs.us-east-1.amazonaws.com/000000000000/__RequesterClientQueues__q"}`,
		`{"v":2,"kind":"sweep","period":1}`,
		`{"v":1,"kind":"check","queueUrl":""}`,
		`{"v":1,"kind":"sweep","period":1}{}`,
		`{"v":1,"kind":"list","period":3,"token":"AQIDAHh+/=","page":2}`,
		`{"v":1,"kind":"list","period":3,"token":"\u0000","page":2}`,
		`{"v":1,"kind":"list","period":3,"token":"x","page":1}`,
		`{"v":1e3}`, `[]`, `null`, ``, `{`, "\x00",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body string) {
		m, err := parseWorkMessage(body)
		if err != nil {
			if !errors.Is(err, errBadWorkMessage) {
				t.Fatalf("error %v does not wrap errBadWorkMessage", err)
			}
			return
		}
		if m.V != workMessageVersion || m.Period < 0 || (m.Kind != kindSweep && m.Kind != kindCheck && m.Kind != kindList) || (m.Kind == kindCheck && m.QueueURL == "") {
			t.Fatalf("accepted a bad message %+v from %q", m, body)
		}
		if m.Kind == kindList && (m.Page < 2 || m.Page > maxListPage || validListToken(m.Token) != nil || len(m.Token) > maxListToken) {
			t.Fatalf("accepted a bad list message %+v from %q", m, body)
		}
		if m.Kind != kindList && (m.Token != "" || m.Page != 0) {
			t.Fatalf("kept a token or page on a %s message: %+v", m.Kind, m)
		}
		again, err := parseWorkMessage(m.encode())
		if err != nil || again != m {
			t.Fatalf("round trip of %+v = %+v, %v", m, again, err)
		}
	})
}
