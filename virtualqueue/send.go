package virtualqueue

import (
	"context"
	"fmt"
	"maps"
	"strconv"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/sqstemp/sqstemp/sqsapi"
)

// hostMessage is what the wire format changes in a send to a virtual queue.
type hostMessage struct {
	attrs        map[string]types.MessageAttributeValue
	group, dedup *string
}

// toHostMessage translates the parts of a send to virtual queue name on
// hostURL that the wire format changes: the name attribute is added, and on
// a FIFO host the group and deduplication IDs are scoped to the queue.
func toHostMessage(hostURL, name string, body *string, attrs map[string]types.MessageAttributeValue, group, dedup *string) (hostMessage, error) {
	f := fifoFields{group: group, dedup: dedup}
	if isFIFOHost(hostURL) {
		var err error
		if f, err = toHostFIFO(name, body, group, dedup); err != nil {
			return hostMessage{}, err
		}
	}
	a, err := toHostAttributes(attrs, name, f.carry)
	if err != nil {
		return hostMessage{}, err
	}
	return hostMessage{attrs: a, group: f.group, dedup: f.dedup}, nil
}

// toHostAttributes returns a copy of attrs with the virtual queue name added
// (and the FIFO IDs, if carry is not ""), or an error if the caller's
// attributes leave no room for them or use their names.
func toHostAttributes(attrs map[string]types.MessageAttributeValue, name, carry string) (map[string]types.MessageAttributeValue, error) {
	for _, reserved := range []string{sqsapi.VirtualQueueNameAttribute, fifoIDsAttribute} {
		if _, ok := attrs[reserved]; ok {
			return nil, &sqsapi.InvalidParameterError{Param: "MessageAttributeName", Value: reserved,
				Reason: "reserved: the virtual queue wire format uses it"}
		}
	}
	for name := range attrs {
		if err := sqsapi.ValidateMessageAttributeName(name); err != nil {
			return nil, err
		}
	}
	switch {
	case carry == "" && len(attrs) >= sqsapi.MaxMessageAttributes:
		return nil, &sqsapi.InvalidParameterError{Param: "MessageAttributes", Value: strconv.Itoa(len(attrs)) + " attributes",
			Reason: "a message to a virtual queue may carry at most 9 message attributes (the 10th names the virtual queue)"}
	case carry != "" && len(attrs) >= sqsapi.MaxMessageAttributes-1:
		return nil, &sqsapi.InvalidParameterError{Param: "MessageAttributes", Value: strconv.Itoa(len(attrs)) + " attributes",
			Reason: "a message to a FIFO virtual queue whose MessageGroupId or MessageDeduplicationId does not fit beside the queue name " +
				"in 128 characters may carry at most 8 message attributes (the 9th names the virtual queue, the 10th carries the IDs)"}
	}
	out := make(map[string]types.MessageAttributeValue, len(attrs)+2)
	maps.Copy(out, attrs)
	out[sqsapi.VirtualQueueNameAttribute] = types.MessageAttributeValue{DataType: aws.String("String"), StringValue: aws.String(name)}
	if carry != "" {
		out[fifoIDsAttribute] = types.MessageAttributeValue{DataType: aws.String("String"), StringValue: aws.String(carry)}
	}
	return out, nil
}

// ToHost translates a send to a virtual queue into the send to its host
// queue that the wire format prescribes: QueueUrl becomes the host queue's
// URL and the virtual queue name attribute is added (so the message may carry
// at most 9 attributes of its own, none of them a reserved name); on a FIFO
// host, MessageGroupId and MessageDeduplicationId are scoped to the virtual
// queue (see the package documentation). It needs no client and no state, so
// any process can reply to a virtual URL it only read from a message. ok is
// false, and in is returned as is, when QueueUrl is not a virtual queue URL;
// a malformed one (a '#' but not "<queue URL>#<name>") is an
// *sqsapi.InvalidParameterError. in is not modified.
func ToHost(in *sqs.SendMessageInput) (out *sqs.SendMessageInput, ok bool, err error) {
	const op = "SendMessage"
	url := aws.ToString(in.QueueUrl)
	hostURL, name, ok, err := virtual(op, url)
	if err != nil || !ok {
		return in, false, err
	}
	hm, err := toHostMessage(hostURL, name, in.MessageBody, in.MessageAttributes, in.MessageGroupId, in.MessageDeduplicationId)
	if err != nil {
		return nil, true, fmt.Errorf("virtualqueue: %s to %s: %w", op, url, err)
	}
	cp := *in
	cp.QueueUrl = aws.String(hostURL)
	cp.MessageAttributes, cp.MessageGroupId, cp.MessageDeduplicationId = hm.attrs, hm.group, hm.dedup
	return &cp, true, nil
}

// SendMessage to a virtual queue sends to its host queue as ToHost
// describes. It needs no local state: the virtual queue may live in another
// process. Other sends pass through.
func (c *Client) SendMessage(ctx context.Context, in *sqs.SendMessageInput, optFns ...func(*sqs.Options)) (*sqs.SendMessageOutput, error) {
	if in == nil {
		in = &sqs.SendMessageInput{}
	}
	const op = "SendMessage"
	if c.closedFlag.Load() {
		return nil, errClosed(op)
	}
	hostIn, ok, err := ToHost(in)
	if err != nil {
		return nil, err
	}
	if !ok {
		return c.api.SendMessage(ctx, in, optFns...)
	}
	url := aws.ToString(in.QueueUrl)
	if err := c.checkDeduplication(ctx, aws.ToString(hostIn.QueueUrl), in.MessageDeduplicationId); err != nil {
		return nil, fmt.Errorf("virtualqueue: %s to %s: %w", op, url, err)
	}
	c.touch(url)
	out, err := c.sender.SendMessage(ctx, hostIn, optFns...)
	if err != nil {
		return nil, fmt.Errorf("virtualqueue: %s to %s: %w", op, url, err)
	}
	return out, nil
}

// SendMessageBatch to a virtual queue sends the batch to its host queue,
// every entry translated as ToHost describes; every entry is checked before
// the call. Other batches pass through.
func (c *Client) SendMessageBatch(ctx context.Context, in *sqs.SendMessageBatchInput, optFns ...func(*sqs.Options)) (*sqs.SendMessageBatchOutput, error) {
	const op = "SendMessageBatch"
	v, out, done, err := route(ctx, c, op, in, func(in *sqs.SendMessageBatchInput) **string { return &in.QueueUrl }, c.api.SendMessageBatch, optFns)
	if done {
		return out, err
	}
	in, url, hostURL, name := v.in, v.url, v.hostURL, v.name
	cp := *in
	cp.QueueUrl = aws.String(hostURL)
	cp.Entries = make([]types.SendMessageBatchRequestEntry, len(in.Entries))
	for i, e := range in.Entries {
		hm, err := toHostMessage(hostURL, name, e.MessageBody, e.MessageAttributes, e.MessageGroupId, e.MessageDeduplicationId)
		if err == nil {
			err = c.checkDeduplication(ctx, hostURL, e.MessageDeduplicationId)
		}
		if err != nil {
			return nil, fmt.Errorf("virtualqueue: %s to %s: entry %q: %w", op, url, aws.ToString(e.Id), err)
		}
		e.MessageAttributes, e.MessageGroupId, e.MessageDeduplicationId = hm.attrs, hm.group, hm.dedup
		cp.Entries[i] = e
	}
	c.touch(url)
	out, err = c.api.SendMessageBatch(ctx, &cp, optFns...)
	if err != nil {
		return nil, fmt.Errorf("virtualqueue: %s to %s: %w", op, url, err)
	}
	return out, nil
}

// checkDeduplication refuses, as SQS would, a send without a
// MessageDeduplicationId to a virtual queue on a FIFO host that has no
// ContentBasedDeduplication: deduplicated by content (see toHostFIFO), a
// second message with the same body would be accepted and never delivered.
// It reads the host's attributes once per host and client.
func (c *Client) checkDeduplication(ctx context.Context, hostURL string, dedup *string) error {
	if dedup != nil || !isFIFOHost(hostURL) {
		return nil
	}
	p, err := c.hostParams(ctx, hostURL)
	if err != nil {
		return err
	}
	if !p.contentDedup {
		return &sqsapi.InvalidParameterError{Param: "MessageDeduplicationId", Value: "",
			Reason: "required: the host queue " + hostURL + " has no ContentBasedDeduplication (as on any FIFO queue without it)"}
	}
	return nil
}
