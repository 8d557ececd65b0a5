package sweeper

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/sqstemp/sqstemp/internal/clock"
	"github.com/sqstemp/sqstemp/internal/testutil"
	"github.com/sqstemp/sqstemp/sqsapi"
	"github.com/sqstemp/sqstemp/sqstest"
)

func TestMain(m *testing.M) {
	testutil.RunChild(crashChildEnv, crashChild) // the crash test's owner process
	testutil.VerifyTestMain(m)
}

var t0 = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// fakeEnv is an sqstest server on a fake clock.
type fakeEnv struct {
	clk *clock.Fake
	srv *sqstest.Server
}

func newFakeEnv(t *testing.T) *fakeEnv {
	t.Helper()
	clk := clock.NewFake(t0)
	srv := sqstest.New(func(o *sqstest.Options) { o.Clock = clk })
	t.Cleanup(srv.Close)
	return &fakeEnv{clk: clk, srv: srv}
}

func (e *fakeEnv) opts(t testing.TB, more ...func(*Options)) []func(*Options) {
	return append([]func(*Options){func(o *Options) {
		o.Clock = e.clk
		o.Logger = testutil.Logger(t)
	}}, more...)
}

func tagsOf(t testing.TB, api sqsapi.API, url string) map[string]string {
	t.Helper()
	out, err := api.ListQueueTags(context.Background(), &sqs.ListQueueTagsInput{QueueUrl: aws.String(url)})
	if err != nil {
		t.Fatalf("tags of %s: %v", url, err)
	}
	return out.Tags
}

func exists(t testing.TB, api sqsapi.API, name string) bool {
	t.Helper()
	_, err := api.GetQueueUrl(context.Background(), &sqs.GetQueueUrlInput{QueueName: aws.String(name)})
	if err != nil && !sqsapi.IsQueueDoesNotExist(err) {
		t.Fatalf("get url of %s: %v", name, err)
	}
	return err == nil
}

func retention(secs int) map[string]string {
	return map[string]string{sqsapi.IdleQueueRetentionPeriodAttribute: strconv.Itoa(secs)}
}
