package sweeper

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/sqstemp/sqstemp/internal/testutil"
	"github.com/sqstemp/sqstemp/sqsapi"
)

// Helpers of the simulations: tests that run Sweepers on sqstest inside a
// testing/synctest bubble, where the wall clock (the default Clock of
// Sweepers and of sqstest) is the bubble's fake time. Create everything
// inside the bubble, and stop every Sweeper before the bubble's function
// returns.

// simSweeper starts a Sweeper over api with a tagging budget of its own (the
// process-wide default one would be shared by every simulated process) and
// stops it when the test ends. The budget, simBudget a second, lets one
// process check hundreds of queues in the short periods of simulations; a
// test of the budget itself gives its own in optFns.
func simSweeper(t *testing.T, api sqsapi.API, optFns ...func(*Options)) *Sweeper {
	t.Helper()
	budget, err := NewTagBudget(simBudget, simBudget)
	if err != nil {
		t.Fatal(err)
	}
	return startSweeper(t, api, append([]func(*Options){func(o *Options) {
		o.QueuePrefix = pfx
		o.Logger = testutil.Logger(t)
		o.TagBudget = budget
	}}, optFns...)...)
}

const simBudget = 200

// stopAll stops sweepers (inside the bubble, before it ends).
func stopAll(t *testing.T, fleet ...*Sweeper) {
	t.Helper()
	for _, s := range fleet {
		if err := s.Stop(context.Background()); err != nil {
			t.Error(err)
		}
	}
}

// tagsAt returns the tags of a temporary queue with the given retention whose
// last heartbeat was at hb.
func tagsAt(retention time.Duration, hb time.Time) map[string]string {
	return map[string]string{
		sqsapi.RetentionTag: strconv.Itoa(int(retention.Seconds())),
		sqsapi.HeartbeatTag: strconv.FormatInt(hb.UnixMilli(), 10),
	}
}

// liveTags are the tags of a queue whose owner heartbeats forever.
func liveTags() map[string]string { return tagsAt(time.Minute, time.Now().AddDate(10, 0, 0)) }

// existing counts which of names exist.
func existing(t *testing.T, api sqsapi.API, names []string) int {
	t.Helper()
	n := 0
	for _, name := range names {
		if exists(t, api, name) {
			n++
		}
	}
	return n
}

// errKilled is what every call of a killed process returns.
var errKilled = errors.New("process killed (simulated)")

// hookAPI runs hook before each call a Sweeper makes (the operations below;
// others pass straight through) and fails the call with the error hook
// returns, if any. kill makes every later call fail with errKilled, which
// models a process killed at that moment: whatever it holds stays in
// flight, nothing is released or deleted.
type hookAPI struct {
	sqsapi.API
	hook func(op string, in any) error
	dead atomic.Bool
}

func (h *hookAPI) kill() { h.dead.Store(true) }

func (h *hookAPI) before(op string, in any) error {
	if h.dead.Load() {
		return fmt.Errorf("%s: %w", op, errKilled)
	}
	if h.hook != nil {
		return h.hook(op, in)
	}
	return nil
}

func (h *hookAPI) CreateQueue(ctx context.Context, in *sqs.CreateQueueInput, o ...func(*sqs.Options)) (*sqs.CreateQueueOutput, error) {
	if err := h.before("CreateQueue", in); err != nil {
		return nil, err
	}
	return h.API.CreateQueue(ctx, in, o...)
}

func (h *hookAPI) GetQueueUrl(ctx context.Context, in *sqs.GetQueueUrlInput, o ...func(*sqs.Options)) (*sqs.GetQueueUrlOutput, error) {
	if err := h.before("GetQueueUrl", in); err != nil {
		return nil, err
	}
	return h.API.GetQueueUrl(ctx, in, o...)
}

func (h *hookAPI) GetQueueAttributes(ctx context.Context, in *sqs.GetQueueAttributesInput, o ...func(*sqs.Options)) (*sqs.GetQueueAttributesOutput, error) {
	if err := h.before("GetQueueAttributes", in); err != nil {
		return nil, err
	}
	return h.API.GetQueueAttributes(ctx, in, o...)
}

func (h *hookAPI) ListQueues(ctx context.Context, in *sqs.ListQueuesInput, o ...func(*sqs.Options)) (*sqs.ListQueuesOutput, error) {
	if err := h.before("ListQueues", in); err != nil {
		return nil, err
	}
	return h.API.ListQueues(ctx, in, o...)
}

func (h *hookAPI) SendMessage(ctx context.Context, in *sqs.SendMessageInput, o ...func(*sqs.Options)) (*sqs.SendMessageOutput, error) {
	if err := h.before("SendMessage", in); err != nil {
		return nil, err
	}
	return h.API.SendMessage(ctx, in, o...)
}

func (h *hookAPI) SendMessageBatch(ctx context.Context, in *sqs.SendMessageBatchInput, o ...func(*sqs.Options)) (*sqs.SendMessageBatchOutput, error) {
	if err := h.before("SendMessageBatch", in); err != nil {
		return nil, err
	}
	return h.API.SendMessageBatch(ctx, in, o...)
}

func (h *hookAPI) ReceiveMessage(ctx context.Context, in *sqs.ReceiveMessageInput, o ...func(*sqs.Options)) (*sqs.ReceiveMessageOutput, error) {
	if err := h.before("ReceiveMessage", in); err != nil {
		return nil, err
	}
	return h.API.ReceiveMessage(ctx, in, o...)
}

func (h *hookAPI) DeleteMessageBatch(ctx context.Context, in *sqs.DeleteMessageBatchInput, o ...func(*sqs.Options)) (*sqs.DeleteMessageBatchOutput, error) {
	if err := h.before("DeleteMessageBatch", in); err != nil {
		return nil, err
	}
	return h.API.DeleteMessageBatch(ctx, in, o...)
}

func (h *hookAPI) ChangeMessageVisibilityBatch(ctx context.Context, in *sqs.ChangeMessageVisibilityBatchInput, o ...func(*sqs.Options)) (*sqs.ChangeMessageVisibilityBatchOutput, error) {
	if err := h.before("ChangeMessageVisibilityBatch", in); err != nil {
		return nil, err
	}
	return h.API.ChangeMessageVisibilityBatch(ctx, in, o...)
}

func (h *hookAPI) ListQueueTags(ctx context.Context, in *sqs.ListQueueTagsInput, o ...func(*sqs.Options)) (*sqs.ListQueueTagsOutput, error) {
	if err := h.before("ListQueueTags", in); err != nil {
		return nil, err
	}
	return h.API.ListQueueTags(ctx, in, o...)
}

func (h *hookAPI) TagQueue(ctx context.Context, in *sqs.TagQueueInput, o ...func(*sqs.Options)) (*sqs.TagQueueOutput, error) {
	if err := h.before("TagQueue", in); err != nil {
		return nil, err
	}
	return h.API.TagQueue(ctx, in, o...)
}

func (h *hookAPI) DeleteQueue(ctx context.Context, in *sqs.DeleteQueueInput, o ...func(*sqs.Options)) (*sqs.DeleteQueueOutput, error) {
	if err := h.before("DeleteQueue", in); err != nil {
		return nil, err
	}
	return h.API.DeleteQueue(ctx, in, o...)
}

// opLog records the calls a hookAPI saw, by operation.
type opLog struct {
	mu    sync.Mutex
	calls map[string]int
	at    map[string][]time.Time
}

func (l *opLog) hook(op string, _ any) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.calls == nil {
		l.calls, l.at = map[string]int{}, map[string][]time.Time{}
	}
	l.calls[op]++
	l.at[op] = append(l.at[op], time.Now())
	return nil
}

func (l *opLog) snapshot() (map[string]int, map[string][]time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	calls := map[string]int{}
	at := map[string][]time.Time{}
	for k, v := range l.calls {
		calls[k] = v
		at[k] = append([]time.Time(nil), l.at[k]...)
	}
	return calls, at
}

func total(calls map[string]int) int {
	n := 0
	for _, v := range calls {
		n += v
	}
	return n
}

// queueURLOf is the sqstest URL of a queue name in the default account.
func queueURLOf(name string) string {
	return "https://sqs.us-east-1.amazonaws.com/000000000000/" + name
}
