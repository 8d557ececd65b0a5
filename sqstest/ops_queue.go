package sqstest

import (
	"context"
	"encoding/base64"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/sqstemp/sqstemp/sqsapi"
)

// deletedQueueWindow is how long a deleted queue's name cannot be reused.
const deletedQueueWindow = 60 * time.Second

func (s *Server) queueURL(name string) string {
	return "https://" + s.host + "/" + s.accountID + "/" + name
}

func (s *Server) queueARN(name string) string {
	return "arn:aws:sqs:" + s.region + ":" + s.accountID + ":" + name
}

// lookup returns the queue named by a queue URL. Callers hold s.mu.
func (s *Server) lookup(rawURL *string) (*queue, error) {
	if rawURL == nil || *rawURL == "" {
		return nil, errMissingParameter("QueueUrl")
	}
	u, err := sqsapi.ParseQueueURL(*rawURL)
	if err != nil {
		return nil, err
	}
	if u.Account != s.accountID {
		return nil, errQueueDoesNotExist()
	}
	q := s.queues[u.Name]
	if q == nil {
		return nil, errQueueDoesNotExist()
	}
	return q, nil
}

// queueByARN returns the live queue with that ARN, or nil. Callers hold s.mu.
func (s *Server) queueByARN(arn string) *queue {
	prefix := "arn:aws:sqs:" + s.region + ":" + s.accountID + ":"
	if !strings.HasPrefix(arn, prefix) {
		return nil
	}
	return s.queues[strings.TrimPrefix(arn, prefix)]
}

// checkRedriveTarget verifies that a redrive policy names an existing queue
// of the same type. Callers hold s.mu.
func (s *Server) checkRedriveTarget(a attributes, fifo bool) error {
	if a.redrive == nil {
		return nil
	}
	dlq := s.queueByARN(a.redrive.dlqArn)
	if dlq == nil {
		return errInvalidParameter("Value %s for parameter RedrivePolicy is invalid. Reason: Dead letter target does not exist.", a.raw["RedrivePolicy"])
	}
	if dlq.fifo != fifo {
		return errInvalidParameter("Value %s for parameter RedrivePolicy is invalid. Reason: Dead-letter queue must be same type of queue as the source.", a.raw["RedrivePolicy"])
	}
	return nil
}

func checkTags(tags map[string]string) error {
	if len(tags) > 50 {
		return errInvalidParameter("Too many tags added for queue. Maximum is 50, got %d.", len(tags))
	}
	for k, v := range tags {
		if k == "" || utf8.RuneCountInString(k) > 128 {
			return errInvalidParameter("Tag key %q must be 1 to 128 characters long.", k)
		}
		if utf8.RuneCountInString(v) > 256 {
			return errInvalidParameter("Tag value for key %q must be at most 256 characters long.", k)
		}
		if strings.HasPrefix(strings.ToLower(k), "aws:") {
			return errInvalidParameter("Tag key %q must not start with the reserved prefix aws:.", k)
		}
	}
	return nil
}

// CreateQueue implements sqsapi.API. Creating a queue that exists returns its
// URL if every attribute given equals the queue's current value, and fails
// with *types.QueueNameExists otherwise. A name deleted less than 60 seconds
// ago (on the Server's clock) fails with *types.QueueDeletedRecently.
func (s *Server) CreateQueue(ctx context.Context, in *sqs.CreateQueueInput, _ ...func(*sqs.Options)) (*sqs.CreateQueueOutput, error) {
	return do(ctx, s, "CreateQueue", in, s.createQueue)
}

func (s *Server) createQueue(in *sqs.CreateQueueInput) (*sqs.CreateQueueOutput, error) {
	if in.QueueName == nil {
		return nil, errMissingParameter("QueueName")
	}
	name := *in.QueueName
	fifo := false
	if v, ok := in.Attributes["FifoQueue"]; ok {
		b, err := parseBool("FifoQueue", v)
		if err != nil {
			return nil, err
		}
		fifo = b
	}
	if err := sqsapi.ValidateQueueName(name, fifo); err != nil {
		return nil, err
	}
	if err := checkTags(in.Tags); err != nil {
		return nil, err
	}
	attrs, err := applyAttributes(defaultAttributes(), in.Attributes, fifo)
	if err != nil {
		return nil, err
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.clk.Now()
	if q := s.queues[name]; q != nil {
		for k, v := range in.Attributes {
			want, _ := normalizeAttribute(k, v, fifo)
			have, _ := q.attributeValue(k)
			if want != have {
				return nil, errQueueNameExists(name)
			}
		}
		return &sqs.CreateQueueOutput{QueueUrl: aws.String(q.url)}, nil
	}
	if at, ok := s.deleted[name]; ok {
		if now.Sub(at) < deletedQueueWindow {
			return nil, errQueueDeletedRecently(name)
		}
		delete(s.deleted, name)
	}
	if err := s.checkRedriveTarget(attrs, fifo); err != nil {
		return nil, err
	}
	q := &queue{
		name:     name,
		url:      s.queueURL(name),
		arn:      s.queueARN(name),
		fifo:     fifo,
		created:  now,
		modified: now,
		attrs:    attrs,
		tags:     make(map[string]string, len(in.Tags)),
		msgs:     make(map[uint64]*message),
		group:    make(map[string]*group),
		waiting:  groupHeap{byUntil: true},
		dedup:    make(map[string]*dedupEntry),
		signal:   make(chan struct{}),
	}
	for k, v := range in.Tags {
		q.tags[k] = v
	}
	s.queues[name] = q
	s.namesDirty = true
	return &sqs.CreateQueueOutput{QueueUrl: aws.String(q.url)}, nil
}

// listNamesLocked returns up to n names of live queues that start with
// prefix and sort after after, in order. It keeps a sorted index of names so
// that paging through 100,000 queues costs O(page) a call, not O(queues).
// Callers hold s.mu.
func (s *Server) listNamesLocked(prefix, after string, n int) []string {
	if s.namesDirty || s.names == nil {
		s.names = make([]string, 0, len(s.queues))
		for name := range s.queues {
			s.names = append(s.names, name)
		}
		sort.Strings(s.names)
		s.namesDirty = false
	}
	from := max(prefix, after)
	i := sort.SearchStrings(s.names, from)
	var out []string
	for ; i < len(s.names) && len(out) < n; i++ {
		name := s.names[i]
		if !strings.HasPrefix(name, prefix) {
			break
		}
		if name == after || s.queues[name] == nil { // deleted since the index was built
			continue
		}
		out = append(out, name)
	}
	return out
}

// DeleteQueue implements sqsapi.API. The queue and its messages go at once;
// long polls on it return *types.QueueDoesNotExist, and its name cannot be
// reused for 60 seconds.
func (s *Server) DeleteQueue(ctx context.Context, in *sqs.DeleteQueueInput, _ ...func(*sqs.Options)) (*sqs.DeleteQueueOutput, error) {
	return do(ctx, s, "DeleteQueue", in, func(in *sqs.DeleteQueueInput) (*sqs.DeleteQueueOutput, error) {
		s.mu.Lock()
		defer s.mu.Unlock()
		q, err := s.lookup(in.QueueUrl)
		if err != nil {
			return nil, err
		}
		delete(s.queues, q.name)
		s.deleted[q.name] = s.clk.Now()
		q.gone = true
		q.notify()
		return &sqs.DeleteQueueOutput{}, nil
	})
}

// GetQueueUrl implements sqsapi.API.
func (s *Server) GetQueueUrl(ctx context.Context, in *sqs.GetQueueUrlInput, _ ...func(*sqs.Options)) (*sqs.GetQueueUrlOutput, error) {
	return do(ctx, s, "GetQueueUrl", in, func(in *sqs.GetQueueUrlInput) (*sqs.GetQueueUrlOutput, error) {
		if in.QueueName == nil {
			return nil, errMissingParameter("QueueName")
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		if in.QueueOwnerAWSAccountId != nil && *in.QueueOwnerAWSAccountId != s.accountID {
			return nil, errQueueDoesNotExist()
		}
		q := s.queues[*in.QueueName]
		if q == nil {
			return nil, errQueueDoesNotExist()
		}
		return &sqs.GetQueueUrlOutput{QueueUrl: aws.String(q.url)}, nil
	})
}

// ListQueues implements sqsapi.API. Queues are listed in name order; a
// NextToken is returned only when MaxResults was given and more remain.
// Without MaxResults at most 1,000 queues are returned.
func (s *Server) ListQueues(ctx context.Context, in *sqs.ListQueuesInput, _ ...func(*sqs.Options)) (*sqs.ListQueuesOutput, error) {
	return do(ctx, s, "ListQueues", in, func(in *sqs.ListQueuesInput) (*sqs.ListQueuesOutput, error) {
		limit := 1000
		if in.MaxResults != nil {
			if *in.MaxResults < 1 || *in.MaxResults > 1000 {
				return nil, errInvalidParameter("Value %d for parameter MaxResults is invalid. Reason: MaxResults must be an integer between 1 and 1000.", *in.MaxResults)
			}
			limit = int(*in.MaxResults)
		}
		after := ""
		if in.NextToken != nil && *in.NextToken != "" {
			b, err := base64.RawURLEncoding.DecodeString(*in.NextToken)
			if err != nil || !strings.HasPrefix(string(b), "q:") {
				return nil, errInvalidParameter("Invalid NextToken value %q.", *in.NextToken)
			}
			after = strings.TrimPrefix(string(b), "q:")
		}
		prefix := aws.ToString(in.QueueNamePrefix)
		s.mu.Lock()
		names := s.listNamesLocked(prefix, after, limit+1)
		s.mu.Unlock()
		out := &sqs.ListQueuesOutput{}
		if len(names) > limit {
			names = names[:limit]
			if in.MaxResults != nil {
				out.NextToken = aws.String(base64.RawURLEncoding.EncodeToString([]byte("q:" + names[limit-1])))
			}
		}
		for _, name := range names {
			out.QueueUrls = append(out.QueueUrls, s.queueURL(name))
		}
		return out, nil
	})
}

// queueAttributeNames is every name GetQueueAttributes accepts besides "All".
var queueAttributeNames = func() map[string]bool {
	m := map[string]bool{
		"QueueArn": true, "ApproximateNumberOfMessages": true, "ApproximateNumberOfMessagesNotVisible": true,
		"ApproximateNumberOfMessagesDelayed": true, "CreatedTimestamp": true, "LastModifiedTimestamp": true,
	}
	for k := range settable {
		m[k] = true
	}
	return m
}()

// GetQueueAttributes implements sqsapi.API. Unknown names fail with
// *types.InvalidAttributeName. The Approximate* counts are exact.
func (s *Server) GetQueueAttributes(ctx context.Context, in *sqs.GetQueueAttributesInput, _ ...func(*sqs.Options)) (*sqs.GetQueueAttributesOutput, error) {
	return do(ctx, s, "GetQueueAttributes", in, func(in *sqs.GetQueueAttributesInput) (*sqs.GetQueueAttributesOutput, error) {
		want := map[string]bool{}
		all := false
		for _, n := range in.AttributeNames {
			switch {
			case n == types.QueueAttributeNameAll:
				all = true
			case queueAttributeNames[string(n)]:
				want[string(n)] = true
			default:
				return nil, errInvalidAttributeName(string(n))
			}
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		q, err := s.lookup(in.QueueUrl)
		if err != nil {
			return nil, err
		}
		now := s.clk.Now()
		out := map[string]string{}
		for name := range queueAttributeNames {
			if !all && !want[name] {
				continue
			}
			switch name {
			case "QueueArn":
				out[name] = q.arn
			case "CreatedTimestamp":
				out[name] = strconv.FormatInt(q.created.Unix(), 10)
			case "LastModifiedTimestamp":
				out[name] = strconv.FormatInt(q.modified.Unix(), 10)
			case "ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible", "ApproximateNumberOfMessagesDelayed":
				// filled below
			default:
				if v, ok := q.attributeValue(name); ok {
					out[name] = v
				}
			}
		}
		if all || want["ApproximateNumberOfMessages"] || want["ApproximateNumberOfMessagesNotVisible"] || want["ApproximateNumberOfMessagesDelayed"] {
			visible, inFlight, delayed := q.counts(now)
			for name, n := range map[string]int{"ApproximateNumberOfMessages": visible, "ApproximateNumberOfMessagesNotVisible": inFlight, "ApproximateNumberOfMessagesDelayed": delayed} {
				if all || want[name] {
					out[name] = strconv.Itoa(n)
				}
			}
		}
		if len(out) == 0 {
			out = nil
		}
		return &sqs.GetQueueAttributesOutput{Attributes: out}, nil
	})
}

// SetQueueAttributes implements sqsapi.API. A queue's type (FifoQueue) cannot
// be changed; a RedrivePolicy must name an existing queue of the same type.
func (s *Server) SetQueueAttributes(ctx context.Context, in *sqs.SetQueueAttributesInput, _ ...func(*sqs.Options)) (*sqs.SetQueueAttributesOutput, error) {
	return do(ctx, s, "SetQueueAttributes", in, func(in *sqs.SetQueueAttributesInput) (*sqs.SetQueueAttributesOutput, error) {
		if in.Attributes == nil {
			return nil, errMissingParameter("Attributes")
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		q, err := s.lookup(in.QueueUrl)
		if err != nil {
			return nil, err
		}
		attrs, err := applyAttributes(q.attrs, in.Attributes, q.fifo)
		if err != nil {
			return nil, err
		}
		if err := s.checkRedriveTarget(attrs, q.fifo); err != nil {
			return nil, err
		}
		q.attrs = attrs
		q.modified = s.clk.Now()
		q.notify()
		return &sqs.SetQueueAttributesOutput{}, nil
	})
}

// PurgeQueue implements sqsapi.API. Every message goes at once, in flight or
// not. Like SQS, only one purge per queue is allowed every 60 seconds; the
// next fails with *types.PurgeQueueInProgress.
func (s *Server) PurgeQueue(ctx context.Context, in *sqs.PurgeQueueInput, _ ...func(*sqs.Options)) (*sqs.PurgeQueueOutput, error) {
	return do(ctx, s, "PurgeQueue", in, func(in *sqs.PurgeQueueInput) (*sqs.PurgeQueueOutput, error) {
		s.mu.Lock()
		defer s.mu.Unlock()
		q, err := s.lookup(in.QueueUrl)
		if err != nil {
			return nil, err
		}
		now := s.clk.Now()
		if !q.lastPurge.IsZero() && now.Sub(q.lastPurge) < 60*time.Second {
			return nil, errPurgeInProgress(q.name)
		}
		q.lastPurge = now
		for _, m := range q.heap {
			m.heapIndex = -1
			m.group = nil
		}
		q.heap = nil
		clear(q.msgs)
		clear(q.group)
		q.groups.gs, q.waiting.gs = nil, nil
		q.notify()
		return &sqs.PurgeQueueOutput{}, nil
	})
}

// TagQueue implements sqsapi.API.
func (s *Server) TagQueue(ctx context.Context, in *sqs.TagQueueInput, _ ...func(*sqs.Options)) (*sqs.TagQueueOutput, error) {
	return do(ctx, s, "TagQueue", in, func(in *sqs.TagQueueInput) (*sqs.TagQueueOutput, error) {
		if len(in.Tags) == 0 {
			return nil, errMissingParameter("Tags")
		}
		if err := checkTags(in.Tags); err != nil {
			return nil, err
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		q, err := s.lookup(in.QueueUrl)
		if err != nil {
			return nil, err
		}
		merged := len(q.tags)
		for k := range in.Tags {
			if _, ok := q.tags[k]; !ok {
				merged++
			}
		}
		if merged > 50 {
			return nil, errInvalidParameter("Too many tags added for queue %s. Maximum is 50.", q.name)
		}
		for k, v := range in.Tags {
			q.tags[k] = v
		}
		return &sqs.TagQueueOutput{}, nil
	})
}

// UntagQueue implements sqsapi.API. Removing a tag the queue lacks is not an
// error.
func (s *Server) UntagQueue(ctx context.Context, in *sqs.UntagQueueInput, _ ...func(*sqs.Options)) (*sqs.UntagQueueOutput, error) {
	return do(ctx, s, "UntagQueue", in, func(in *sqs.UntagQueueInput) (*sqs.UntagQueueOutput, error) {
		if len(in.TagKeys) == 0 {
			return nil, errMissingParameter("TagKeys")
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		q, err := s.lookup(in.QueueUrl)
		if err != nil {
			return nil, err
		}
		for _, k := range in.TagKeys {
			delete(q.tags, k)
		}
		return &sqs.UntagQueueOutput{}, nil
	})
}

// ListQueueTags implements sqsapi.API. A queue without tags has nil Tags.
func (s *Server) ListQueueTags(ctx context.Context, in *sqs.ListQueueTagsInput, _ ...func(*sqs.Options)) (*sqs.ListQueueTagsOutput, error) {
	return do(ctx, s, "ListQueueTags", in, func(in *sqs.ListQueueTagsInput) (*sqs.ListQueueTagsOutput, error) {
		s.mu.Lock()
		defer s.mu.Unlock()
		q, err := s.lookup(in.QueueUrl)
		if err != nil {
			return nil, err
		}
		out := &sqs.ListQueueTagsOutput{}
		if len(q.tags) > 0 {
			out.Tags = make(map[string]string, len(q.tags))
			for k, v := range q.tags {
				out.Tags[k] = v
			}
		}
		return out, nil
	})
}
