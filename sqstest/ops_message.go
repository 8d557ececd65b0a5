package sqstest

import (
	"container/heap"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"github.com/google/uuid"

	"github.com/sqstemp/sqstemp/internal/clock"
	"github.com/sqstemp/sqstemp/sqsapi"
)

// dedupWindow is the FIFO deduplication interval.
const dedupWindow = 5 * time.Minute

// sendRequest is one message to send: a SendMessageInput or a batch entry.
type sendRequest struct {
	body     *string
	delay    int32
	attrs    map[string]types.MessageAttributeValue
	sysAttrs map[string]types.MessageSystemAttributeValue
	groupID  *string
	dedupID  *string
}

type sendResult struct {
	id, md5Body, md5Attrs, seqNumber string
}

func checkGroupOrDedupID(param, v string) error {
	if v == "" || len(v) > 128 {
		return errInvalidParameter("Value %s for parameter %s is invalid. Reason: %s can only include alphanumeric and punctuation characters. 1 to 128 in length.", v, param, param)
	}
	for i := 0; i < len(v); i++ {
		if c := v[i]; c < 0x21 || c > 0x7e {
			return errInvalidParameter("Value %s for parameter %s is invalid. Reason: %s can only include alphanumeric and punctuation characters. 1 to 128 in length.", v, param, param)
		}
	}
	return nil
}

// send validates r and enqueues it on q. Callers hold s.mu.
func (s *Server) send(q *queue, r sendRequest, now time.Time) (sendResult, error) {
	size, err := checkMessage(r.body, r.attrs)
	if err != nil {
		return sendResult{}, err
	}
	if size > q.attrs.maxSize {
		return sendResult{}, errInvalidParameter("One or more parameters are invalid. Reason: Message must be shorter than %d bytes.", q.attrs.maxSize)
	}
	for k, v := range r.sysAttrs {
		if k != "AWSTraceHeader" {
			return sendResult{}, errInvalidParameter("Message system attribute name '%s' is invalid.", k)
		}
		if aws.ToString(v.DataType) != "String" || aws.ToString(v.StringValue) == "" {
			return sendResult{}, errInvalidParameter("Message system attribute '%s' must be a non-empty String.", k)
		}
	}
	if r.delay < 0 || r.delay > 900 {
		return sendResult{}, errInvalidParameter("Value %d for parameter DelaySeconds is invalid. Reason: DelaySeconds must be >= 0 and <= 900.", r.delay)
	}
	delay := q.attrs.delay
	if r.delay != 0 {
		if q.fifo {
			return sendResult{}, errInvalidParameter("Value %d for parameter DelaySeconds is invalid. Reason: The request include parameter that is not valid for this queue type.", r.delay)
		}
		delay = int(r.delay)
	}
	m := &message{
		body:      *r.body,
		attrs:     cloneAttrs(r.attrs),
		md5Body:   md5Hex(*r.body),
		sentAt:    now,
		visibleAt: now.Add(time.Duration(delay) * time.Second),
		heapIndex: -1,
	}
	res := sendResult{md5Body: m.md5Body, md5Attrs: md5OfAttributes(r.attrs)}
	if r.groupID != nil {
		if err := checkGroupOrDedupID("MessageGroupId", *r.groupID); err != nil {
			return sendResult{}, err
		}
		m.groupID = *r.groupID
	}
	if q.fifo {
		if r.groupID == nil {
			return sendResult{}, errMissingParameter("MessageGroupId")
		}
		switch {
		case r.dedupID != nil:
			if err := checkGroupOrDedupID("MessageDeduplicationId", *r.dedupID); err != nil {
				return sendResult{}, err
			}
			m.dedupID = *r.dedupID
		case q.attrs.contentDedup:
			sum := sha256.Sum256([]byte(*r.body))
			m.dedupID = hex.EncodeToString(sum[:])
		default:
			return sendResult{}, errInvalidParameter("The queue should either have ContentBasedDeduplication enabled or MessageDeduplicationId provided explicitly")
		}
		key := m.dedupID
		if q.attrs.raw["DeduplicationScope"] == "messageGroup" {
			key = m.groupID + "\x00" + key
		}
		if e := q.dedupLookup(key, now); e != nil {
			res.id, res.seqNumber = e.messageID, e.seqNumber
			return res, nil
		}
		s.seq++
		m.seq = s.seq
		m.id = uuid.NewString()
		m.seqNumber = fmt.Sprintf("%020d", m.seq)
		e := &dedupEntry{id: key, expires: now.Add(dedupWindow), messageID: m.id, seqNumber: m.seqNumber}
		q.dedup[key] = e
		q.dedupOrder = append(q.dedupOrder, e)
	} else {
		if r.dedupID != nil {
			return sendResult{}, errInvalidParameter("Value %s for parameter MessageDeduplicationId is invalid. Reason: The request includes a parameter that is not valid for this queue type.", *r.dedupID)
		}
		s.seq++
		m.seq = s.seq
		m.id = uuid.NewString()
	}
	if v, ok := r.sysAttrs["AWSTraceHeader"]; ok {
		m.trace = aws.ToString(v.StringValue)
	}
	res.id, res.seqNumber = m.id, m.seqNumber
	q.add(m, now)
	q.notify()
	return res, nil
}

func cloneAttrs(in map[string]types.MessageAttributeValue) map[string]types.MessageAttributeValue {
	if in == nil {
		return nil
	}
	out := make(map[string]types.MessageAttributeValue, len(in))
	for k, v := range in {
		c := types.MessageAttributeValue{DataType: copyString(v.DataType), StringValue: copyString(v.StringValue)}
		if v.BinaryValue != nil {
			c.BinaryValue = append([]byte{}, v.BinaryValue...)
		}
		out[k] = c
	}
	return out
}

func copyString(p *string) *string {
	if p == nil {
		return nil
	}
	s := *p
	return &s
}

// SendMessage implements sqsapi.API. MD5OfMessageBody and
// MD5OfMessageAttributes are computed as SQS computes them, so the SDK's
// checksum validation passes when the Server is served over HTTP.
func (s *Server) SendMessage(ctx context.Context, in *sqs.SendMessageInput, _ ...func(*sqs.Options)) (*sqs.SendMessageOutput, error) {
	return do(ctx, s, "SendMessage", in, func(in *sqs.SendMessageInput) (*sqs.SendMessageOutput, error) {
		s.mu.Lock()
		defer s.mu.Unlock()
		q, err := s.lookup(in.QueueUrl)
		if err != nil {
			return nil, err
		}
		res, err := s.send(q, sendRequest{body: in.MessageBody, delay: in.DelaySeconds, attrs: in.MessageAttributes,
			sysAttrs: in.MessageSystemAttributes, groupID: in.MessageGroupId, dedupID: in.MessageDeduplicationId}, s.clk.Now())
		if err != nil {
			return nil, err
		}
		return &sqs.SendMessageOutput{MessageId: aws.String(res.id), MD5OfMessageBody: aws.String(res.md5Body),
			MD5OfMessageAttributes: optString(res.md5Attrs), SequenceNumber: optString(res.seqNumber)}, nil
	})
}

func optString(s string) *string {
	if s == "" {
		return nil
	}
	return aws.String(s)
}

// checkBatchIDs applies SQS's whole-request batch checks.
func checkBatchIDs(ids []string) error {
	if len(ids) == 0 {
		return errEmptyBatch()
	}
	if len(ids) > sqsapi.MaxBatchEntries {
		return errTooManyEntries(len(ids))
	}
	seen := make(map[string]bool, len(ids))
	for _, id := range ids {
		if id == "" || len(id) > 80 {
			return errInvalidBatchEntryID(id)
		}
		for i := 0; i < len(id); i++ {
			c := id[i]
			if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
				return errInvalidBatchEntryID(id)
			}
		}
		if seen[id] {
			return errIdsNotDistinct(id)
		}
		seen[id] = true
	}
	return nil
}

// SendMessageBatch implements sqsapi.API. Whole-request errors
// (EmptyBatchRequest, TooManyEntriesInBatchRequest, BatchEntryIdsNotDistinct,
// InvalidBatchEntryId, BatchRequestTooLong) fail the call; an entry that is
// invalid on its own is reported in Failed and the others are sent.
func (s *Server) SendMessageBatch(ctx context.Context, in *sqs.SendMessageBatchInput, _ ...func(*sqs.Options)) (*sqs.SendMessageBatchOutput, error) {
	return do(ctx, s, "SendMessageBatch", in, func(in *sqs.SendMessageBatchInput) (*sqs.SendMessageBatchOutput, error) {
		ids := make([]string, len(in.Entries))
		total := 0
		for i, e := range in.Entries {
			ids[i] = aws.ToString(e.Id)
			total += len(aws.ToString(e.MessageBody))
			for k, v := range e.MessageAttributes {
				total += len(k) + len(aws.ToString(v.DataType)) + len(aws.ToString(v.StringValue)) + len(v.BinaryValue)
			}
		}
		if err := checkBatchIDs(ids); err != nil {
			return nil, err
		}
		if total > maxMessageSize {
			return nil, errBatchTooLong(total)
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		q, err := s.lookup(in.QueueUrl)
		if err != nil {
			return nil, err
		}
		now := s.clk.Now()
		out := &sqs.SendMessageBatchOutput{Successful: []types.SendMessageBatchResultEntry{}, Failed: []types.BatchResultErrorEntry{}}
		for _, e := range in.Entries {
			res, err := s.send(q, sendRequest{body: e.MessageBody, delay: e.DelaySeconds, attrs: e.MessageAttributes,
				sysAttrs: e.MessageSystemAttributes, groupID: e.MessageGroupId, dedupID: e.MessageDeduplicationId}, now)
			if err != nil {
				out.Failed = append(out.Failed, batchError(aws.ToString(e.Id), err))
				continue
			}
			out.Successful = append(out.Successful, types.SendMessageBatchResultEntry{Id: e.Id, MessageId: aws.String(res.id),
				MD5OfMessageBody: aws.String(res.md5Body), MD5OfMessageAttributes: optString(res.md5Attrs), SequenceNumber: optString(res.seqNumber)})
		}
		return out, nil
	})
}

// receiveRequest is a parsed ReceiveMessageInput.
type receiveRequest struct {
	max        int
	visibility time.Duration
	sysAll     bool
	sys        map[string]bool
	attrAll    bool
	attrNames  map[string]bool
	attrPrefix []string
}

func parseReceive(in *sqs.ReceiveMessageInput) (receiveRequest, error) {
	if err := sqsapi.ValidateMaxNumberOfMessages(in.MaxNumberOfMessages); err != nil {
		return receiveRequest{}, err
	}
	if err := sqsapi.ValidateWaitTimeSeconds(in.WaitTimeSeconds); err != nil {
		return receiveRequest{}, err
	}
	if err := sqsapi.ValidateVisibilityTimeout(in.VisibilityTimeout); err != nil {
		return receiveRequest{}, err
	}
	r := receiveRequest{max: sqsapi.EffectiveMaxNumberOfMessages(in.MaxNumberOfMessages), sys: map[string]bool{}, attrNames: map[string]bool{}}
	for _, n := range in.AttributeNames {
		if n == types.QueueAttributeNameAll {
			r.sysAll = true
		}
		r.sys[string(n)] = true
	}
	for _, n := range in.MessageSystemAttributeNames {
		if n == types.MessageSystemAttributeNameAll {
			r.sysAll = true
		}
		r.sys[string(n)] = true
	}
	for _, n := range in.MessageAttributeNames {
		switch {
		case n == "All" || n == ".*":
			r.attrAll = true
		case strings.HasSuffix(n, ".*"):
			r.attrPrefix = append(r.attrPrefix, strings.TrimSuffix(n, "*"))
		default: // names that no attribute can have simply match nothing
			r.attrNames[n] = true
		}
	}
	return r, nil
}

func (r *receiveRequest) wantAttr(name string) bool {
	if r.attrAll || r.attrNames[name] {
		return true
	}
	for _, p := range r.attrPrefix {
		if strings.HasPrefix(name, p) {
			return true
		}
	}
	return false
}

func (r *receiveRequest) wantSys(name string) bool { return r.sysAll || r.sys[name] }

// ReceiveMessage implements sqsapi.API. WaitTimeSeconds 0 (which the SDK does
// not send) means the queue's ReceiveMessageWaitTimeSeconds, and
// VisibilityTimeout 0 the queue's VisibilityTimeout, as on the wire. A long
// poll returns as soon as at least one message is available (sent, made
// visible by ChangeMessageVisibility, or made visible by the clock), when its
// wait time passes (empty result), when ctx ends (ctx's error), when Close is
// called (an error matching ErrClosed and context.Canceled) and when the
// queue is deleted (*types.QueueDoesNotExist).
func (s *Server) ReceiveMessage(ctx context.Context, in *sqs.ReceiveMessageInput, _ ...func(*sqs.Options)) (*sqs.ReceiveMessageOutput, error) {
	return do(ctx, s, "ReceiveMessage", in, func(in *sqs.ReceiveMessageInput) (*sqs.ReceiveMessageOutput, error) {
		return s.receive(ctx, in)
	})
}

func (s *Server) receive(ctx context.Context, in *sqs.ReceiveMessageInput) (*sqs.ReceiveMessageOutput, error) {
	r, err := parseReceive(in)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	q, err := s.lookup(in.QueueUrl)
	if err != nil {
		s.mu.Unlock()
		return nil, err
	}
	wait := time.Duration(in.WaitTimeSeconds) * time.Second
	if in.WaitTimeSeconds == 0 {
		wait = time.Duration(q.attrs.waitTime) * time.Second
	}
	r.visibility = time.Duration(in.VisibilityTimeout) * time.Second
	if in.VisibilityTimeout == 0 {
		r.visibility = time.Duration(q.attrs.visibility) * time.Second
	}
	start := s.clk.Now()
	deadline := start.Add(wait)
	var deadlineTimer clock.Timer
	defer func() {
		if deadlineTimer != nil {
			deadlineTimer.Stop()
		}
	}()
	timedOut := false
	for {
		now := s.clk.Now()
		msgs := s.collect(q, &r, now)
		if len(msgs) > 0 || wait == 0 || timedOut || !now.Before(deadline) {
			s.mu.Unlock()
			return &sqs.ReceiveMessageOutput{Messages: msgs}, nil
		}
		if q.gone {
			s.mu.Unlock()
			return nil, errQueueDoesNotExist()
		}
		sig := q.signal
		next := q.nextChange(now)
		s.mu.Unlock()

		if deadlineTimer == nil {
			deadlineTimer = s.clk.NewTimer(deadline.Sub(now))
		}
		var wake clock.Timer
		var wakeC <-chan time.Time
		if !next.IsZero() && next.Before(deadline) {
			wake = s.clk.NewTimer(next.Sub(now))
			wakeC = wake.C()
		}
		var werr error
		select {
		case <-sig:
		case <-wakeC:
		case <-deadlineTimer.C():
			timedOut = true
		case <-ctx.Done():
			werr = ctx.Err()
		case <-s.done:
			werr = &closedError{op: "ReceiveMessage"}
		}
		if wake != nil {
			wake.Stop()
		}
		if werr != nil {
			return nil, werr
		}
		s.mu.Lock()
	}
}

// collect takes up to r.max available messages from q, making them in flight,
// and returns them as the SDK type. Callers hold s.mu.
func (s *Server) collect(q *queue, r *receiveRequest, now time.Time) []types.Message {
	if q.gone {
		return nil
	}
	var got []*message
	deliver := func(m *message) {
		m.receiveCount++
		if m.receiveCount == 1 {
			m.firstReceive = now
		}
		m.handle = s.newHandle(q, m)
		m.visibleAt = now.Add(r.visibility)
		got = append(got, m)
	}
	if !q.fifo {
		for len(got) < r.max && len(q.heap) > 0 {
			top := q.heap[0]
			if top.visibleAt.After(now) {
				break
			}
			heap.Pop(&q.heap)
			if q.expired(top, now) {
				q.remove(top, now)
				continue
			}
			if s.redrive(q, top, now) {
				continue
			}
			deliver(top)
		}
		for _, m := range got {
			heap.Push(&q.heap, m)
		}
	} else {
		// Visit the ready groups in order of their first message, taking
		// each out of the heap while it is looked at; groups with a
		// message in flight wait in a heap of their own, so this is
		// O(k log groups).
		q.wake(now)
		var visited []*group
		for len(got) < r.max && q.groups.Len() > 0 {
			g := heap.Pop(&q.groups).(*group)
			g.where = outOfHeaps
			visited = append(visited, g)
			for i := 0; i < len(g.msgs) && len(got) < r.max; {
				m := g.msgs[i]
				if m.visibleAt.After(now) {
					break
				}
				if q.expired(m, now) {
					q.remove(m, now)
					continue
				}
				if s.redrive(q, m, now) {
					continue
				}
				deliver(m)
				heap.Fix(&q.heap, m.heapIndex)
				i++
			}
		}
		for _, g := range visited {
			q.place(g, now)
		}
	}
	if len(got) == 0 {
		return nil
	}
	out := make([]types.Message, len(got))
	for i, m := range got {
		out[i] = s.render(q, m, r)
	}
	return out
}

// redrive moves m to q's dead-letter queue if it has been received
// maxReceiveCount times already. It reports whether m was moved.
func (s *Server) redrive(q *queue, m *message, now time.Time) bool {
	rp := q.attrs.redrive
	if rp == nil || m.receiveCount < rp.maxReceiveCount {
		return false
	}
	dlq := s.queueByARN(rp.dlqArn)
	if dlq == nil || dlq == q {
		return false
	}
	q.remove(m, now)
	m.visibleAt = now
	m.dlqSource = q.arn
	m.heapIndex = -1
	dlq.add(m, now)
	dlq.notify()
	return true
}

func (s *Server) render(q *queue, m *message, r *receiveRequest) types.Message {
	out := types.Message{
		MessageId:     aws.String(m.id),
		ReceiptHandle: aws.String(m.handle),
		Body:          aws.String(m.body),
		MD5OfBody:     aws.String(m.md5Body),
	}
	sys := map[string]string{}
	add := func(name, v string) {
		if v != "" && r.wantSys(name) {
			sys[name] = v
		}
	}
	add("ApproximateReceiveCount", strconv.Itoa(m.receiveCount))
	add("ApproximateFirstReceiveTimestamp", strconv.FormatInt(m.firstReceive.UnixMilli(), 10))
	add("SentTimestamp", strconv.FormatInt(m.sentAt.UnixMilli(), 10))
	add("SenderId", s.accountID)
	add("MessageGroupId", m.groupID)
	add("MessageDeduplicationId", m.dedupID)
	add("SequenceNumber", m.seqNumber)
	add("DeadLetterQueueSourceArn", m.dlqSource)
	add("AWSTraceHeader", m.trace)
	if len(sys) > 0 {
		out.Attributes = sys
	}
	var attrs map[string]types.MessageAttributeValue
	for k, v := range m.attrs {
		if r.wantAttr(k) {
			if attrs == nil {
				attrs = map[string]types.MessageAttributeValue{}
			}
			attrs[k] = v
		}
	}
	attrs = cloneAttrs(attrs)
	if attrs != nil {
		out.MessageAttributes = attrs
		out.MD5OfMessageAttributes = aws.String(md5OfAttributes(attrs))
	}
	return out
}

// Receipt handles encode the queue, the message and the receive.

func (s *Server) newHandle(q *queue, m *message) string {
	var nonce [12]byte
	_, _ = rand.Read(nonce[:])
	raw := fmt.Sprintf("%s\x00%d\x00%d\x00%x", q.name, m.seq, m.receiveCount, nonce)
	return base64.StdEncoding.EncodeToString([]byte(raw))
}

// parseHandle returns the message sequence number a handle for q names.
func parseHandle(q *queue, h string) (uint64, bool) {
	raw, err := base64.StdEncoding.DecodeString(h)
	if err != nil {
		return 0, false
	}
	parts := strings.Split(string(raw), "\x00")
	if len(parts) != 4 || parts[0] != q.name {
		return 0, false
	}
	seq, err := strconv.ParseUint(parts[1], 10, 64)
	if err != nil {
		return 0, false
	}
	return seq, true
}

// deleteOne deletes by receipt handle. Callers hold s.mu.
//
// Following the API reference, a receipt handle that is not the most recent
// one for its message ("stale"), or whose message was deleted already, is
// accepted and does nothing on a standard queue. On a FIFO queue a handle
// whose visibility timeout expired is refused, as SQS does.
func (s *Server) deleteOne(q *queue, h *string, now time.Time) error {
	if h == nil || *h == "" {
		return errMissingParameter("ReceiptHandle")
	}
	seq, ok := parseHandle(q, *h)
	if !ok {
		return errReceiptHandleIsInvalid(*h)
	}
	m := q.msgs[seq]
	if m == nil {
		return nil
	}
	if m.handle != *h || !m.inFlight(now) {
		if q.fifo {
			return errHandleExpired(*h)
		}
		if m.handle != *h {
			return nil
		}
	}
	q.remove(m, now)
	q.notify()
	return nil
}

// changeVisibility changes a message's visibility by receipt handle. Callers
// hold s.mu.
//
// As on SQS: a handle of a deleted message, or not the most recent handle of
// its message, fails with InvalidParameterValue ("Message does not exist or
// is not available for visibility timeout change"); the most recent handle of
// a message whose visibility timeout has already expired succeeds and changes
// nothing. MessageNotInflight is never returned.
func (s *Server) changeVisibility(q *queue, h *string, timeout int32, now time.Time) error {
	if h == nil || *h == "" {
		return errMissingParameter("ReceiptHandle")
	}
	if err := sqsapi.ValidateVisibilityTimeout(timeout); err != nil {
		return err
	}
	seq, ok := parseHandle(q, *h)
	if !ok {
		return errReceiptHandleIsInvalid(*h)
	}
	m := q.msgs[seq]
	if m == nil || m.handle != *h {
		return errMessageGone(*h)
	}
	if !m.inFlight(now) {
		return nil
	}
	q.setVisibleAt(m, now.Add(time.Duration(timeout)*time.Second), now)
	q.notify()
	return nil
}

// DeleteMessage implements sqsapi.API. On a standard queue a stale receipt
// handle (not the most recent for its message) succeeds without deleting,
// and a handle of a deleted message succeeds; on a FIFO queue a handle whose
// visibility timeout expired fails (InvalidParameterValue). A malformed
// handle is *types.ReceiptHandleIsInvalid.
func (s *Server) DeleteMessage(ctx context.Context, in *sqs.DeleteMessageInput, _ ...func(*sqs.Options)) (*sqs.DeleteMessageOutput, error) {
	return do(ctx, s, "DeleteMessage", in, func(in *sqs.DeleteMessageInput) (*sqs.DeleteMessageOutput, error) {
		s.mu.Lock()
		defer s.mu.Unlock()
		q, err := s.lookup(in.QueueUrl)
		if err != nil {
			return nil, err
		}
		if err := s.deleteOne(q, in.ReceiptHandle, s.clk.Now()); err != nil {
			return nil, err
		}
		return &sqs.DeleteMessageOutput{}, nil
	})
}

// DeleteMessageBatch implements sqsapi.API, with per-entry failures.
func (s *Server) DeleteMessageBatch(ctx context.Context, in *sqs.DeleteMessageBatchInput, _ ...func(*sqs.Options)) (*sqs.DeleteMessageBatchOutput, error) {
	return do(ctx, s, "DeleteMessageBatch", in, func(in *sqs.DeleteMessageBatchInput) (*sqs.DeleteMessageBatchOutput, error) {
		ids := make([]string, len(in.Entries))
		for i, e := range in.Entries {
			ids[i] = aws.ToString(e.Id)
		}
		if err := checkBatchIDs(ids); err != nil {
			return nil, err
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		q, err := s.lookup(in.QueueUrl)
		if err != nil {
			return nil, err
		}
		now := s.clk.Now()
		out := &sqs.DeleteMessageBatchOutput{Successful: []types.DeleteMessageBatchResultEntry{}, Failed: []types.BatchResultErrorEntry{}}
		for _, e := range in.Entries {
			if err := s.deleteOne(q, e.ReceiptHandle, now); err != nil {
				out.Failed = append(out.Failed, batchError(aws.ToString(e.Id), err))
				continue
			}
			out.Successful = append(out.Successful, types.DeleteMessageBatchResultEntry{Id: e.Id})
		}
		return out, nil
	})
}

// ChangeMessageVisibility implements sqsapi.API. A handle of a deleted
// message, or not the most recent one, fails with InvalidParameterValue as
// on SQS; the current handle of a message whose timeout already expired
// succeeds and changes nothing. A malformed handle is
// *types.ReceiptHandleIsInvalid.
func (s *Server) ChangeMessageVisibility(ctx context.Context, in *sqs.ChangeMessageVisibilityInput, _ ...func(*sqs.Options)) (*sqs.ChangeMessageVisibilityOutput, error) {
	return do(ctx, s, "ChangeMessageVisibility", in, func(in *sqs.ChangeMessageVisibilityInput) (*sqs.ChangeMessageVisibilityOutput, error) {
		s.mu.Lock()
		defer s.mu.Unlock()
		q, err := s.lookup(in.QueueUrl)
		if err != nil {
			return nil, err
		}
		if err := s.changeVisibility(q, in.ReceiptHandle, in.VisibilityTimeout, s.clk.Now()); err != nil {
			return nil, err
		}
		return &sqs.ChangeMessageVisibilityOutput{}, nil
	})
}

// ChangeMessageVisibilityBatch implements sqsapi.API, with per-entry failures.
func (s *Server) ChangeMessageVisibilityBatch(ctx context.Context, in *sqs.ChangeMessageVisibilityBatchInput, _ ...func(*sqs.Options)) (*sqs.ChangeMessageVisibilityBatchOutput, error) {
	return do(ctx, s, "ChangeMessageVisibilityBatch", in, func(in *sqs.ChangeMessageVisibilityBatchInput) (*sqs.ChangeMessageVisibilityBatchOutput, error) {
		ids := make([]string, len(in.Entries))
		for i, e := range in.Entries {
			ids[i] = aws.ToString(e.Id)
		}
		if err := checkBatchIDs(ids); err != nil {
			return nil, err
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		q, err := s.lookup(in.QueueUrl)
		if err != nil {
			return nil, err
		}
		now := s.clk.Now()
		out := &sqs.ChangeMessageVisibilityBatchOutput{Successful: []types.ChangeMessageVisibilityBatchResultEntry{}, Failed: []types.BatchResultErrorEntry{}}
		for _, e := range in.Entries {
			if err := s.changeVisibility(q, e.ReceiptHandle, e.VisibilityTimeout, now); err != nil {
				out.Failed = append(out.Failed, batchError(aws.ToString(e.Id), err))
				continue
			}
			out.Successful = append(out.Successful, types.ChangeMessageVisibilityBatchResultEntry{Id: e.Id})
		}
		return out, nil
	})
}
