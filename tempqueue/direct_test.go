package tempqueue_test

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/sqstemp/sqstemp/internal/testutil"
	"github.com/sqstemp/sqstemp/sqsapi"
	"github.com/sqstemp/sqstemp/sqstest"
	"github.com/sqstemp/sqstemp/tempqueue"
)

// isOperation reports whether m (a method of *sqs.Client, receiver
// included) is an SQS operation: (ctx, *<Name>Input, ...func(*sqs.Options))
// (*<Name>Output, error).
func isOperation(m reflect.Method) bool {
	ft := m.Type
	named := func(t reflect.Type, suffix string) bool {
		return t.Kind() == reflect.Pointer && t.Elem().PkgPath() == reflect.TypeFor[sqs.Options]().PkgPath() &&
			t.Elem().Name() == m.Name+suffix
	}
	return ft.NumIn() == 4 && ft.IsVariadic() && ft.NumOut() == 2 &&
		ft.In(1) == reflect.TypeFor[context.Context]() &&
		named(ft.In(2), "Input") &&
		ft.In(3) == reflect.TypeFor[[]func(*sqs.Options)]() &&
		named(ft.Out(0), "Output") &&
		ft.Out(1) == reflect.TypeFor[error]()
}

// TestHasEveryOperationOfSQSClient keeps the drop-in complete: every
// operation method of the SDK's *sqs.Client (in the SDK version go.mod
// names) exists on *tempqueue.Client with the same signature.
func TestHasEveryOperationOfSQSClient(t *testing.T) {
	sdk, ours := reflect.TypeFor[*sqs.Client](), reflect.TypeFor[*tempqueue.Client]()
	ops := 0
	for i := range sdk.NumMethod() {
		m := sdk.Method(i)
		if !isOperation(m) {
			continue
		}
		ops++
		o, ok := ours.MethodByName(m.Name)
		if !ok {
			t.Errorf("*tempqueue.Client has no %s method", m.Name)
			continue
		}
		// Compare without the receiver (In(0)).
		if o.Type.NumIn() != m.Type.NumIn() || o.Type.NumOut() != m.Type.NumOut() || o.Type.IsVariadic() != m.Type.IsVariadic() {
			t.Errorf("%s: signature %v, *sqs.Client has %v", m.Name, o.Type, m.Type)
			continue
		}
		for j := 1; j < m.Type.NumIn(); j++ {
			if o.Type.In(j) != m.Type.In(j) {
				t.Errorf("%s: parameter %d is %v, *sqs.Client has %v", m.Name, j, o.Type.In(j), m.Type.In(j))
			}
		}
		for j := range m.Type.NumOut() {
			if o.Type.Out(j) != m.Type.Out(j) {
				t.Errorf("%s: result %d is %v, *sqs.Client has %v", m.Name, j, o.Type.Out(j), m.Type.Out(j))
			}
		}
	}
	// The SDK version in go.mod has 23 operations; fewer found means the
	// filter above is broken, not that the SDK shrank.
	if ops < 23 {
		t.Fatalf("found %d operations on *sqs.Client, want at least 23", ops)
	}
}

// fullServer is an sqstest server with the six operations sqsapi.API leaves
// out, recording which were called with which queue.
type fullServer struct {
	*sqstest.Server
	mu    sync.Mutex
	calls []string // "Op queueURL-or-ARN"
}

func (f *fullServer) record(op, target string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, op+" "+target)
}

func (f *fullServer) recorded() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.calls...)
}

func (f *fullServer) AddPermission(_ context.Context, in *sqs.AddPermissionInput, _ ...func(*sqs.Options)) (*sqs.AddPermissionOutput, error) {
	f.record("AddPermission", aws.ToString(in.QueueUrl))
	return &sqs.AddPermissionOutput{}, nil
}

func (f *fullServer) RemovePermission(_ context.Context, in *sqs.RemovePermissionInput, _ ...func(*sqs.Options)) (*sqs.RemovePermissionOutput, error) {
	f.record("RemovePermission", aws.ToString(in.QueueUrl))
	return &sqs.RemovePermissionOutput{}, nil
}

func (f *fullServer) ListDeadLetterSourceQueues(_ context.Context, in *sqs.ListDeadLetterSourceQueuesInput, _ ...func(*sqs.Options)) (*sqs.ListDeadLetterSourceQueuesOutput, error) {
	f.record("ListDeadLetterSourceQueues", aws.ToString(in.QueueUrl))
	return &sqs.ListDeadLetterSourceQueuesOutput{QueueUrls: []string{"source"}}, nil
}

func (f *fullServer) StartMessageMoveTask(_ context.Context, in *sqs.StartMessageMoveTaskInput, _ ...func(*sqs.Options)) (*sqs.StartMessageMoveTaskOutput, error) {
	f.record("StartMessageMoveTask", aws.ToString(in.SourceArn))
	return &sqs.StartMessageMoveTaskOutput{TaskHandle: aws.String("task")}, nil
}

func (f *fullServer) CancelMessageMoveTask(_ context.Context, in *sqs.CancelMessageMoveTaskInput, _ ...func(*sqs.Options)) (*sqs.CancelMessageMoveTaskOutput, error) {
	f.record("CancelMessageMoveTask", aws.ToString(in.TaskHandle))
	return &sqs.CancelMessageMoveTaskOutput{}, nil
}

func (f *fullServer) ListMessageMoveTasks(_ context.Context, in *sqs.ListMessageMoveTasksInput, _ ...func(*sqs.Options)) (*sqs.ListMessageMoveTasksOutput, error) {
	f.record("ListMessageMoveTasks", aws.ToString(in.SourceArn))
	return &sqs.ListMessageMoveTasksOutput{}, nil
}

// directCall is one of the six direct operations, called on target (a queue
// URL, or an ARN or task handle for the message-move tasks).
type directCall struct {
	op       string
	takesURL bool // refused on a virtual queue URL
	call     func(ctx context.Context, c *tempqueue.Client, target string) error
}

var directCalls = []directCall{
	{"AddPermission", true, func(ctx context.Context, c *tempqueue.Client, u string) error {
		_, err := c.AddPermission(ctx, &sqs.AddPermissionInput{QueueUrl: &u, Label: aws.String("l"), AWSAccountIds: []string{"123456789012"}, Actions: []string{"SendMessage"}})
		return err
	}},
	{"RemovePermission", true, func(ctx context.Context, c *tempqueue.Client, u string) error {
		_, err := c.RemovePermission(ctx, &sqs.RemovePermissionInput{QueueUrl: &u, Label: aws.String("l")})
		return err
	}},
	{"ListDeadLetterSourceQueues", true, func(ctx context.Context, c *tempqueue.Client, u string) error {
		_, err := c.ListDeadLetterSourceQueues(ctx, &sqs.ListDeadLetterSourceQueuesInput{QueueUrl: &u})
		return err
	}},
	{"StartMessageMoveTask", false, func(ctx context.Context, c *tempqueue.Client, arn string) error {
		_, err := c.StartMessageMoveTask(ctx, &sqs.StartMessageMoveTaskInput{SourceArn: &arn})
		return err
	}},
	{"CancelMessageMoveTask", false, func(ctx context.Context, c *tempqueue.Client, h string) error {
		_, err := c.CancelMessageMoveTask(ctx, &sqs.CancelMessageMoveTaskInput{TaskHandle: &h})
		return err
	}},
	{"ListMessageMoveTasks", false, func(ctx context.Context, c *tempqueue.Client, arn string) error {
		_, err := c.ListMessageMoveTasks(ctx, &sqs.ListMessageMoveTasksInput{SourceArn: &arn})
		return err
	}},
}

func TestDirectOperationsPassThroughToTheWrappedClient(t *testing.T) {
	ctx := context.Background()
	for _, dc := range directCalls {
		t.Run(dc.op, func(t *testing.T) {
			f := &fullServer{Server: newServer(t)}
			c := newClient(t, f)
			target := "arn:aws:sqs:us-east-1:123456789012:real"
			if dc.takesURL {
				target = testutil.CreateQueue(t, f, "real", nil, nil)
			}
			if err := dc.call(ctx, c, target); err != nil {
				t.Fatalf("%s on a real queue: %v", dc.op, err)
			}
			if got, want := f.recorded(), []string{dc.op + " " + target}; !reflect.DeepEqual(got, want) {
				t.Fatalf("wrapped client saw %q, want %q", got, want)
			}
			if n := c.Stats().Calls[dc.op]; n != 1 {
				t.Errorf("Stats().Calls[%s] = %d, want 1", dc.op, n)
			}
		})
	}
}

func TestDirectOperationsRefuseVirtualQueues(t *testing.T) {
	ctx := context.Background()
	for _, dc := range directCalls {
		if !dc.takesURL {
			continue
		}
		t.Run(dc.op, func(t *testing.T) {
			f := &fullServer{Server: newServer(t)}
			c := newClient(t, f)
			vq := testutil.CreateQueue(t, c, "virtual", nil, nil)
			err := dc.call(ctx, c, vq)
			var bad *sqsapi.InvalidParameterError
			if !errors.As(err, &bad) || bad.Param != "QueueUrl" || bad.Value != vq {
				t.Fatalf("%s on a virtual queue: err = %v, want an InvalidParameterError naming QueueUrl %s", dc.op, err, vq)
			}
			if got := f.recorded(); len(got) != 0 {
				t.Fatalf("the wrapped client was called: %q", got)
			}
		})
	}
}

func TestDirectOperationsWithoutTheMethodFailClearly(t *testing.T) {
	ctx := context.Background()
	c := newClient(t, newServer(t)) // sqstest.Server has none of the six
	for _, dc := range directCalls {
		err := dc.call(ctx, c, "arn:aws:sqs:us-east-1:123456789012:real")
		if !errors.Is(err, errors.ErrUnsupported) || !strings.Contains(err.Error(), dc.op) {
			t.Errorf("%s: err = %v, want errors.ErrUnsupported naming the operation", dc.op, err)
		}
		if n := c.Stats().Calls[dc.op]; n != 0 {
			t.Errorf("%s counted %d calls that were never made", dc.op, n)
		}
	}
}

func TestDirectOperationsAfterClose(t *testing.T) {
	f := &fullServer{Server: newServer(t)}
	c := newClient(t, f)
	if err := c.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	for _, dc := range directCalls {
		if err := dc.call(context.Background(), c, "arn:aws:sqs:us-east-1:123456789012:real"); !errors.Is(err, tempqueue.ErrClosed) {
			t.Errorf("%s after Close: err = %v, want ErrClosed", dc.op, err)
		}
	}
	if got := f.recorded(); len(got) != 0 {
		t.Fatalf("the wrapped client was called after Close: %q", got)
	}
}
