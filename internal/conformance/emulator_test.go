package conformance_test

import (
	"context"
	"os"
	"testing"

	"github.com/sqstemp/sqstemp/internal/awsclient"
	"github.com/sqstemp/sqstemp/internal/conformance"
	"github.com/sqstemp/sqstemp/sqsapi"
)

// endpointHarness runs the suite against the endpoint named by
// SQSTEMP_SQS_ENDPOINT: the fauxqs emulator (a URL) or real AWS ("aws").
type endpointHarness struct {
	api  sqsapi.API
	real bool
}

func (h *endpointHarness) Name() string {
	if h.real {
		return "aws"
	}
	return "fauxqs"
}

func (h *endpointHarness) MakeAPI(context.Context, *testing.T) (sqsapi.API, func()) {
	return h.api, func() {}
}

func (h *endpointHarness) Capabilities() conformance.Capabilities {
	if h.real {
		return conformance.Capabilities{RealAWS: true, AWSQueueURLs: true}
	}
	if os.Getenv("SQSTEMP_CONFORMANCE_STRICT") != "" {
		// Re-check every deviation (for example after upgrading fauxqs).
		return conformance.Capabilities{}
	}
	return conformance.Capabilities{Deviations: conformance.FauxqsDeviations}
}

func TestConformanceEndpoint(t *testing.T) {
	api := awsclient.ForTest(t)
	h := &endpointHarness{api: api, real: os.Getenv(awsclient.EndpointEnv) == awsclient.AWS}
	if r := conformance.Run(t, h); r.Ran == 0 {
		t.Fatal("no conformance subtests ran")
	}
}
