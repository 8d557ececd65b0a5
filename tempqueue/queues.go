package tempqueue

import (
	"context"
	"fmt"
	"strconv"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/sqstemp/sqstemp/sqsapi"
	"github.com/sqstemp/sqstemp/virtualqueue"
)

// CreateQueue creates a virtual queue named by in.QueueName on the host
// queue for its attribute set, creating that host queue first if this is
// the first queue with these attributes. After that first call, it makes no
// SQS call. Like SQS, the same name with the same attributes returns the same
// URL, and with different attributes fails with *types.QueueNameExists.
// Attributes that cannot be honoured per virtual queue are refused with an
// *sqsapi.InvalidParameterError (see the package documentation). optFns are
// not used.
func (c *Client) CreateQueue(ctx context.Context, in *sqs.CreateQueueInput, optFns ...func(*sqs.Options)) (*sqs.CreateQueueOutput, error) {
	if in == nil || in.QueueName == nil {
		return nil, fmt.Errorf("tempqueue: CreateQueue: %w",
			&sqsapi.InvalidParameterError{Code: "MissingParameter", Param: "QueueName", Reason: "required"})
	}
	name := aws.ToString(in.QueueName)
	fail := func(err error) (*sqs.CreateQueueOutput, error) {
		return nil, fmt.Errorf("tempqueue: CreateQueue %q: %w", name, err)
	}
	spec, err := parseAttributes(name, in.Attributes)
	if err != nil {
		return fail(err)
	}
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return fail(ErrClosed)
	}
	e, exists := c.names[name]
	c.mu.Unlock()
	if exists && !e.same(spec) {
		return fail(nameExists(name))
	}
	h, err := c.host(ctx, spec)
	if err != nil {
		return fail(err)
	}
	vattrs := map[string]string{sqsapi.HostQueueURLAttribute: h.url}
	if spec.retention > 0 {
		vattrs[sqsapi.IdleQueueRetentionPeriodAttribute] = strconv.Itoa(int(spec.retention))
	}
	if spec.wait > 0 {
		vattrs[string(types.QueueAttributeNameReceiveMessageWaitTimeSeconds)] = strconv.Itoa(int(spec.wait))
	}
	out, err := c.vq.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: in.QueueName, Attributes: vattrs, Tags: in.Tags})
	if err != nil {
		return fail(err)
	}
	c.mu.Lock()
	if other, ok := c.names[name]; ok && !other.same(spec) {
		// A concurrent CreateQueue of the same name with other attributes won.
		c.mu.Unlock()
		if other.host != h {
			_, _ = c.vq.DeleteQueue(context.WithoutCancel(ctx), &sqs.DeleteQueueInput{QueueUrl: out.QueueUrl})
		}
		return fail(nameExists(name))
	}
	c.names[name] = vqEntry{host: h, retention: spec.retention, wait: spec.wait}
	c.mu.Unlock()
	return &sqs.CreateQueueOutput{QueueUrl: out.QueueUrl}, nil
}

func (e vqEntry) same(s queueSpec) bool {
	return e.host.key == s.hostKey && e.retention == s.retention && e.wait == s.wait
}

func nameExists(name string) error {
	return &types.QueueNameExists{Message: aws.String("a queue named " + name + " already exists with different attributes")}
}

// lookup returns the entry of the virtual queue at url, if it was created
// through this client.
func (c *Client) lookup(url string) (string, vqEntry, bool) {
	hostURL, name, ok := virtualqueue.ParseURL(url)
	if !ok {
		return "", vqEntry{}, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.names[name]
	if !ok || e.host.url != hostURL {
		return "", vqEntry{}, false
	}
	return name, e, true
}

// GetQueueUrl returns the URL of a virtual queue created through this client
// by name, with no SQS call; for any other name it passes through.
func (c *Client) GetQueueUrl(ctx context.Context, in *sqs.GetQueueUrlInput, optFns ...func(*sqs.Options)) (*sqs.GetQueueUrlOutput, error) {
	if in != nil && in.QueueName != nil {
		name := *in.QueueName
		c.mu.Lock()
		e, ok := c.names[name]
		c.mu.Unlock()
		if ok {
			url := virtualqueue.URL(e.host.url, name)
			// ListQueueTags on a virtual queue is local: it tells, with no
			// SQS call, whether idle expiry has deleted the queue.
			if _, err := c.vq.ListQueueTags(ctx, &sqs.ListQueueTagsInput{QueueUrl: &url}); err == nil {
				return &sqs.GetQueueUrlOutput{QueueUrl: aws.String(url)}, nil
			} else if !sqsapi.IsQueueDoesNotExist(err) {
				return nil, fmt.Errorf("tempqueue: GetQueueUrl %q: %w", name, err)
			}
			c.forget(name, e.host)
			return nil, fmt.Errorf("tempqueue: GetQueueUrl %q: %w", name,
				&types.QueueDoesNotExist{Message: aws.String("virtual queue " + url + " was deleted after being idle")})
		}
	}
	return c.vq.GetQueueUrl(ctx, in, optFns...)
}

func (c *Client) forget(name string, h *hostQueue) {
	c.mu.Lock()
	if e, ok := c.names[name]; ok && e.host == h {
		delete(c.names, name)
	}
	c.mu.Unlock()
}

// DeleteQueue deletes a virtual queue locally, with no SQS call. It refuses
// to delete this client's host queues (Close deletes them). Other queues
// pass through.
func (c *Client) DeleteQueue(ctx context.Context, in *sqs.DeleteQueueInput, optFns ...func(*sqs.Options)) (*sqs.DeleteQueueOutput, error) {
	url := ""
	if in != nil {
		url = aws.ToString(in.QueueUrl)
	}
	c.mu.Lock()
	_, isHost := c.byURL[url]
	c.mu.Unlock()
	if isHost {
		return nil, fmt.Errorf("tempqueue: DeleteQueue: %w", &sqsapi.InvalidParameterError{Param: "QueueUrl", Value: url,
			Reason: "a host queue of this client; Close deletes it"})
	}
	name, e, ours := c.lookup(url)
	out, err := c.vq.DeleteQueue(ctx, in, optFns...)
	if ours && (err == nil || sqsapi.IsQueueDoesNotExist(err)) {
		c.forget(name, e.host)
	}
	return out, err
}

// ReceiveMessage receives from a virtual queue as package virtualqueue
// describes: a WaitTimeSeconds of 0 (unset) takes the queue's
// ReceiveMessageWaitTimeSeconds, as SQS does. Other queues pass through.
func (c *Client) ReceiveMessage(ctx context.Context, in *sqs.ReceiveMessageInput, optFns ...func(*sqs.Options)) (*sqs.ReceiveMessageOutput, error) {
	return c.vq.ReceiveMessage(ctx, in, optFns...)
}

// expired forgets the name of a virtual queue that idle expiry deleted,
// unless it was created again meanwhile. It is virtualqueue's OnExpired.
func (c *Client) expired(url string) {
	hostURL, name, ok := virtualqueue.ParseURL(url)
	if !ok {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.names[name]
	if !ok || e.host.url != hostURL {
		return
	}
	// ListQueueTags on a virtual queue is local: it tells, with no SQS
	// call, whether a CreateQueue brought the queue back meanwhile (which
	// then keeps its entry; a CreateQueue in progress records it after this).
	if _, err := c.vq.ListQueueTags(context.Background(), &sqs.ListQueueTagsInput{QueueUrl: &url}); sqsapi.IsQueueDoesNotExist(err) {
		delete(c.names, name)
	}
}
