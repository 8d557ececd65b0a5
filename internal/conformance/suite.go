package conformance

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/sqstemp/sqstemp/sqsapi"
)

func suite() []testCase {
	var all []testCase
	all = append(all, queueTests()...)
	all = append(all, attributeTests()...)
	all = append(all, messageTests()...)
	all = append(all, receiveTests()...)
	all = append(all, visibilityTests()...)
	all = append(all, batchTests()...)
	all = append(all, fifoTests()...)
	all = append(all, redriveTests()...)
	all = append(all, errorTests()...)
	all = append(all, moreTests()...)
	return all
}

func queueTests() []testCase {
	return []testCase{
		{"Queue/URLShape", func(e *env) {
			url := e.create("", nil)
			u, err := sqsapi.ParseQueueURL(url)
			e.noErr("ParseQueueURL("+url+")", err)
			if u.Name != e.name("") {
				e.t.Errorf("queue URL %s names %q, want %q", url, u.Name, e.name(""))
			}
			if e.caps.AWSQueueURLs {
				if u.Scheme != "https" || u.Region() == "" || len(u.Account) != 12 {
					e.t.Errorf("queue URL %s: want https://sqs.<region>.amazonaws.com/<12-digit account>/<name>", url)
				}
			}
			out, err := e.api.GetQueueUrl(e.ctx, &sqs.GetQueueUrlInput{QueueName: aws.String(e.name(""))})
			e.noErr("GetQueueUrl", err)
			if aws.ToString(out.QueueUrl) != url {
				e.t.Errorf("GetQueueUrl = %s, CreateQueue gave %s", aws.ToString(out.QueueUrl), url)
			}
		}},
		{"Queue/CreateIdempotent", func(e *env) {
			attrs := map[string]string{"VisibilityTimeout": "45", "DelaySeconds": "0"}
			url := e.create("", attrs)
			out, err := e.api.CreateQueue(e.ctx, &sqs.CreateQueueInput{QueueName: aws.String(e.name("")), Attributes: attrs})
			e.noErr("second CreateQueue", err)
			if aws.ToString(out.QueueUrl) != url {
				e.t.Errorf("second CreateQueue = %s, want %s", aws.ToString(out.QueueUrl), url)
			}
		}},
		{"Queue/CreateConflict", func(e *env) {
			e.skipIf(DeviationCreateQueueConflict)
			e.create("", map[string]string{"VisibilityTimeout": "45"})
			_, err := e.api.CreateQueue(e.ctx, &sqs.CreateQueueInput{QueueName: aws.String(e.name("")), Attributes: map[string]string{"VisibilityTimeout": "46"}})
			e.wantCategory("CreateQueue with other attributes", err, sqsapi.CategoryQueueNameExists)
			wantAs[*types.QueueNameExists](e, "CreateQueue with other attributes", err)
		}},
		{"Queue/InvalidName", func(e *env) {
			// An empty name is refused by every backend (by *sqs.Client
			// itself, before sending).
			_, err := e.api.CreateQueue(e.ctx, &sqs.CreateQueueInput{QueueName: aws.String("")})
			e.wantCategory(`CreateQueue("")`, err, sqsapi.CategoryInvalidParameter)
			if e.deviates(DeviationQueueNames) {
				return
			}
			for _, name := range []string{"has space", "bad!char", strings.Repeat("a", 81)} {
				_, err := e.api.CreateQueue(e.ctx, &sqs.CreateQueueInput{QueueName: aws.String(name)})
				e.wantCategory(fmt.Sprintf("CreateQueue(%q)", name), err, sqsapi.CategoryInvalidParameter)
			}
		}},
		{"Queue/DeleteThenMissing", func(e *env) {
			url := e.create("", nil)
			_, err := e.api.DeleteQueue(e.ctx, &sqs.DeleteQueueInput{QueueUrl: aws.String(url)})
			e.noErr("DeleteQueue", err)
			e.eventually("the deleted queue to be gone", func() bool {
				_, err = e.api.SendMessage(e.ctx, &sqs.SendMessageInput{QueueUrl: aws.String(url), MessageBody: aws.String("x")})
				return err != nil
			})
			e.wantCategory("SendMessage to deleted queue", err, sqsapi.CategoryQueueDoesNotExist)
			_, err = e.api.GetQueueUrl(e.ctx, &sqs.GetQueueUrlInput{QueueName: aws.String(e.name(""))})
			e.wantCategory("GetQueueUrl of deleted queue", err, sqsapi.CategoryQueueDoesNotExist)
		}},
		{"Queue/DeletedRecently", func(e *env) {
			e.skipIf(DeviationQueueDeletedRecently)
			url := e.create("", nil)
			_, err := e.api.DeleteQueue(e.ctx, &sqs.DeleteQueueInput{QueueUrl: aws.String(url)})
			e.noErr("DeleteQueue", err)
			_, err = e.api.CreateQueue(e.ctx, &sqs.CreateQueueInput{QueueName: aws.String(e.name(""))})
			e.wantCategory("CreateQueue right after DeleteQueue", err, sqsapi.CategoryQueueDeletedRecently)
			wantAs[*types.QueueDeletedRecently](e, "CreateQueue right after DeleteQueue", err)
			if e.adv != nil {
				e.adv.Advance(61 * time.Second)
				e.createNamed(e.name(""), nil, nil)
			}
		}},
		{"Queue/GetQueueUrlMissing", func(e *env) {
			_, err := e.api.GetQueueUrl(e.ctx, &sqs.GetQueueUrlInput{QueueName: aws.String(e.name("-missing"))})
			e.wantCategory("GetQueueUrl of a missing queue", err, sqsapi.CategoryQueueDoesNotExist)
			wantAs[*types.QueueDoesNotExist](e, "GetQueueUrl of a missing queue", err)
		}},
		{"Queue/ListPrefix", func(e *env) {
			var want []string
			for i := range 3 {
				want = append(want, e.create(fmt.Sprintf("-l%d", i), nil))
			}
			e.create("x", nil) // shares the prefix's start but not "-l"
			sort.Strings(want)
			var got []string
			e.eventually("ListQueues to list the queues", func() bool {
				out, err := e.api.ListQueues(e.ctx, &sqs.ListQueuesInput{QueueNamePrefix: aws.String(e.name("-l"))})
				e.noErr("ListQueues", err)
				got = append([]string(nil), out.QueueUrls...)
				sort.Strings(got)
				return len(got) >= len(want)
			})
			if fmt.Sprint(got) != fmt.Sprint(want) {
				e.t.Errorf("ListQueues(prefix) = %v, want %v", got, want)
			}
		}},
		{"Queue/ListPaging", func(e *env) {
			e.skipIf(DeviationListQueuesPaging)
			want := map[string]bool{}
			for i := range 5 {
				want[e.create(fmt.Sprintf("-p%d", i), nil)] = true
			}
			e.eventually("paging to list every queue", func() bool {
				got := map[string]bool{}
				var token *string
				for pages := 0; ; pages++ {
					out, err := e.api.ListQueues(e.ctx, &sqs.ListQueuesInput{QueueNamePrefix: aws.String(e.name("-p")), MaxResults: aws.Int32(2), NextToken: token})
					e.noErr("ListQueues page", err)
					if len(out.QueueUrls) > 2 {
						e.t.Fatalf("ListQueues(MaxResults 2) returned %d URLs", len(out.QueueUrls))
					}
					for _, u := range out.QueueUrls {
						if got[u] {
							e.t.Fatalf("ListQueues paging returned %s twice", u)
						}
						got[u] = true
					}
					if out.NextToken == nil || *out.NextToken == "" {
						break
					}
					if pages > 10 {
						e.t.Fatal("ListQueues paging does not end")
					}
					token = out.NextToken
				}
				return len(got) == len(want)
			})
			out, err := e.api.ListQueues(e.ctx, &sqs.ListQueuesInput{QueueNamePrefix: aws.String(e.name("-p"))})
			e.noErr("ListQueues", err)
			if out.NextToken != nil && *out.NextToken != "" {
				e.t.Errorf("ListQueues without MaxResults returned a NextToken")
			}
		}},
		{"Queue/ListMaxResultsBounds", func(e *env) {
			e.skipIf(DeviationListQueuesMaxResults)
			for _, n := range []int32{0, 1001} {
				_, err := e.api.ListQueues(e.ctx, &sqs.ListQueuesInput{QueueNamePrefix: aws.String(e.name("")), MaxResults: aws.Int32(n)})
				e.wantCategory(fmt.Sprintf("ListQueues(MaxResults %d)", n), err, sqsapi.CategoryInvalidParameter)
			}
		}},
		{"Queue/Tags", func(e *env) {
			url := e.createNamed(e.name(""), nil, map[string]string{"created": "yes"})
			_, err := e.api.TagQueue(e.ctx, &sqs.TagQueueInput{QueueUrl: aws.String(url), Tags: map[string]string{"a": "1", "b": "2", sqsapi.HeartbeatTag: "1700000000000"}})
			e.noErr("TagQueue", err)
			_, err = e.api.UntagQueue(e.ctx, &sqs.UntagQueueInput{QueueUrl: aws.String(url), TagKeys: []string{"b", "never-set"}})
			e.noErr("UntagQueue", err)
			_, err = e.api.TagQueue(e.ctx, &sqs.TagQueueInput{QueueUrl: aws.String(url), Tags: map[string]string{"a": "3"}})
			e.noErr("TagQueue overwrite", err)
			out, err := e.api.ListQueueTags(e.ctx, &sqs.ListQueueTagsInput{QueueUrl: aws.String(url)})
			e.noErr("ListQueueTags", err)
			want := map[string]string{"created": "yes", "a": "3", sqsapi.HeartbeatTag: "1700000000000"}
			if fmt.Sprint(out.Tags) != fmt.Sprint(want) {
				e.t.Errorf("tags = %v, want %v", out.Tags, want)
			}
		}},
		{"Queue/Purge", func(e *env) {
			url := e.create("", nil)
			for i := range 3 {
				e.send(url, fmt.Sprint("m", i))
			}
			e.receive(sqs.ReceiveMessageInput{QueueUrl: aws.String(url)}) // one in flight
			_, err := e.api.PurgeQueue(e.ctx, &sqs.PurgeQueueInput{QueueUrl: aws.String(url)})
			e.noErr("PurgeQueue", err)
			e.eventually("the purged queue to be empty", func() bool {
				a := e.attrs(url, types.QueueAttributeNameAll)
				return a["ApproximateNumberOfMessages"] == "0" && a["ApproximateNumberOfMessagesNotVisible"] == "0"
			})
			if e.caps.RealAWS {
				return // real SQS may still return messages sent just before the purge
			}
			if got := e.receiveOnce(sqs.ReceiveMessageInput{QueueUrl: aws.String(url)}); len(got) != 0 {
				e.t.Errorf("receive after purge got %d messages", len(got))
			}
			if !e.deviates(DeviationPurgeInProgress) {
				_, err = e.api.PurgeQueue(e.ctx, &sqs.PurgeQueueInput{QueueUrl: aws.String(url)})
				e.wantCode("second PurgeQueue within 60 s", err, "PurgeQueueInProgress")
			}
		}},
	}
}

func attributeTests() []testCase {
	return []testCase{
		{"Attributes/Defaults", func(e *env) {
			url := e.create("", nil)
			a := e.attrs(url, types.QueueAttributeNameAll)
			want := map[string]string{"VisibilityTimeout": "30", "DelaySeconds": "0", "MaximumMessageSize": "1048576",
				"MessageRetentionPeriod": "345600", "ReceiveMessageWaitTimeSeconds": "0", "ApproximateNumberOfMessages": "0",
				"ApproximateNumberOfMessagesNotVisible": "0", "ApproximateNumberOfMessagesDelayed": "0"}
			for k, v := range want {
				if a[k] != v {
					e.t.Errorf("attribute %s = %q, want %q", k, a[k], v)
				}
			}
			if !strings.HasPrefix(a["QueueArn"], "arn:aws:sqs:") || !strings.HasSuffix(a["QueueArn"], ":"+e.name("")) {
				e.t.Errorf("QueueArn = %q", a["QueueArn"])
			}
			if ts, err := strconv.ParseInt(a["CreatedTimestamp"], 10, 64); err != nil || ts < 1e9 || ts > 1e11 {
				e.t.Errorf("CreatedTimestamp = %q, want Unix seconds", a["CreatedTimestamp"])
			}
			if _, ok := a["FifoQueue"]; ok {
				e.t.Errorf("standard queue has FifoQueue attribute %q", a["FifoQueue"])
			}
		}},
		{"Attributes/SelectedOnly", func(e *env) {
			url := e.create("", nil)
			a := e.attrs(url, types.QueueAttributeNameVisibilityTimeout, types.QueueAttributeNameQueueArn)
			if len(a) != 2 || a["VisibilityTimeout"] != "30" {
				e.t.Errorf("attributes = %v, want just VisibilityTimeout and QueueArn", a)
			}
		}},
		{"Attributes/SetAndGet", func(e *env) {
			url := e.create("", map[string]string{"VisibilityTimeout": "40", "MessageRetentionPeriod": "600"})
			_, err := e.api.SetQueueAttributes(e.ctx, &sqs.SetQueueAttributesInput{QueueUrl: aws.String(url), Attributes: map[string]string{
				"VisibilityTimeout": "45", "DelaySeconds": "3", "ReceiveMessageWaitTimeSeconds": "2", "MaximumMessageSize": "2048"}})
			e.noErr("SetQueueAttributes", err)
			e.eventually("attributes to read back", func() bool {
				a := e.attrs(url, types.QueueAttributeNameAll)
				return a["VisibilityTimeout"] == "45" && a["DelaySeconds"] == "3" && a["ReceiveMessageWaitTimeSeconds"] == "2" &&
					a["MaximumMessageSize"] == "2048" && a["MessageRetentionPeriod"] == "600"
			})
		}},
		{"Attributes/UnknownName", func(e *env) {
			url := e.create("", nil)
			_, err := e.api.SetQueueAttributes(e.ctx, &sqs.SetQueueAttributesInput{QueueUrl: aws.String(url), Attributes: map[string]string{"NoSuchAttribute": "1"}})
			e.wantCode("SetQueueAttributes(NoSuchAttribute)", err, "InvalidAttributeName")
			if e.deviates(DeviationUnknownAttribute) {
				return
			}
			_, err = e.api.GetQueueAttributes(e.ctx, &sqs.GetQueueAttributesInput{QueueUrl: aws.String(url), AttributeNames: []types.QueueAttributeName{"NoSuchAttribute"}})
			e.wantCode("GetQueueAttributes(NoSuchAttribute)", err, "InvalidAttributeName")
			_, err = e.api.CreateQueue(e.ctx, &sqs.CreateQueueInput{QueueName: aws.String(e.name("-u")), Attributes: map[string]string{"NoSuchAttribute": "1"}})
			e.wantCode("CreateQueue(NoSuchAttribute)", err, "InvalidAttributeName")
		}},
		{"Attributes/InvalidValues", func(e *env) {
			e.skipIf(DeviationAttributeValues)
			url := e.create("", nil)
			for k, v := range map[string]string{"VisibilityTimeout": "43201", "DelaySeconds": "901", "ReceiveMessageWaitTimeSeconds": "21",
				"MessageRetentionPeriod": "59", "MaximumMessageSize": "1023"} {
				_, err := e.api.SetQueueAttributes(e.ctx, &sqs.SetQueueAttributesInput{QueueUrl: aws.String(url), Attributes: map[string]string{k: v}})
				e.wantCategory(fmt.Sprintf("SetQueueAttributes(%s=%s)", k, v), err, sqsapi.CategoryInvalidParameter)
			}
		}},
		{"Attributes/ApproximateCounts", func(e *env) {
			url := e.create("", nil)
			for i := range 3 {
				e.send(url, fmt.Sprint("m", i))
			}
			_, err := e.api.SendMessage(e.ctx, &sqs.SendMessageInput{QueueUrl: aws.String(url), MessageBody: aws.String("delayed"), DelaySeconds: 600})
			e.noErr("SendMessage delayed", err)
			e.receive(sqs.ReceiveMessageInput{QueueUrl: aws.String(url), MaxNumberOfMessages: 1, VisibilityTimeout: 600})
			e.eventually("counts 2 visible, 1 in flight, 1 delayed", func() bool {
				a := e.attrs(url, types.QueueAttributeNameApproximateNumberOfMessages, types.QueueAttributeNameApproximateNumberOfMessagesNotVisible,
					types.QueueAttributeNameApproximateNumberOfMessagesDelayed)
				return a["ApproximateNumberOfMessages"] == "2" && a["ApproximateNumberOfMessagesNotVisible"] == "1" && a["ApproximateNumberOfMessagesDelayed"] == "1"
			})
		}},
	}
}

// maxMessageSize is SQS's message size limit: 1 MiB.
const maxMessageSize = 1 << 20

// md5Attrs are message attributes whose MD5OfMessageAttributes is known:
// md5AttrsSum, as real SQS computes it.
var md5Attrs = map[string]types.MessageAttributeValue{
	"str": {DataType: aws.String("String"), StringValue: aws.String("hello")},
	"num": {DataType: aws.String("Number"), StringValue: aws.String("42")},
	"bin": {DataType: aws.String("Binary"), BinaryValue: []byte{0, 1, 2}},
}

// md5AttrsSum is the MD5OfMessageAttributes of md5Attrs. The SDK checks
// MD5OfMessageAttributes against its own computation on every SendMessage,
// so a backend reached through *sqs.Client that passes this test computes it
// as SQS does.
const md5AttrsSum = "bf06c765e01e6b9d6b92ceaae958fc9c"

func messageTests() []testCase {
	return []testCase{
		{"Message/SendReceiveDelete", func(e *env) {
			url := e.create("", nil)
			body := "hello, wörld ✓ \t\n"
			sent := e.send(url, body)
			if got := aws.ToString(sent.MD5OfMessageBody); len(got) != 32 {
				e.t.Errorf("MD5OfMessageBody = %q, want a hex MD5", got)
			}
			msgs := e.receive(sqs.ReceiveMessageInput{QueueUrl: aws.String(url)})
			m := msgs[0]
			if aws.ToString(m.Body) != body || aws.ToString(m.MessageId) != aws.ToString(sent.MessageId) || aws.ToString(m.MD5OfBody) != aws.ToString(sent.MD5OfMessageBody) {
				e.t.Errorf("received %+v, sent %+v", m, sent)
			}
			_, err := e.api.DeleteMessage(e.ctx, &sqs.DeleteMessageInput{QueueUrl: aws.String(url), ReceiptHandle: m.ReceiptHandle})
			e.noErr("DeleteMessage", err)
			if got := e.receiveOnce(sqs.ReceiveMessageInput{QueueUrl: aws.String(url)}); len(got) != 0 {
				e.t.Errorf("deleted message received again: %v", got)
			}
		}},
		{"Message/MD5OfBody", func(e *env) {
			url := e.create("", nil)
			sent := e.send(url, "hello")
			if got := aws.ToString(sent.MD5OfMessageBody); got != "5d41402abc4b2a76b9719d911017c592" {
				e.t.Errorf("MD5OfMessageBody(hello) = %s", got)
			}
		}},
		{"Message/MD5OfMessageAttributes", func(e *env) {
			url := e.create("", nil)
			out, err := e.api.SendMessage(e.ctx, &sqs.SendMessageInput{QueueUrl: aws.String(url), MessageBody: aws.String("x"), MessageAttributes: md5Attrs})
			e.noErr("SendMessage", err)
			if got := aws.ToString(out.MD5OfMessageAttributes); got != md5AttrsSum {
				e.t.Errorf("MD5OfMessageAttributes = %s, want %s", got, md5AttrsSum)
			}
			m := e.receive(sqs.ReceiveMessageInput{QueueUrl: aws.String(url), MessageAttributeNames: []string{"All"}})[0]
			if got := aws.ToString(m.MD5OfMessageAttributes); got != md5AttrsSum {
				e.t.Errorf("received MD5OfMessageAttributes = %s, want %s", got, md5AttrsSum)
			}
		}},
		{"Message/AttributesRoundTrip", func(e *env) {
			url := e.create("", nil)
			attrs := map[string]types.MessageAttributeValue{
				"s":           {DataType: aws.String("String"), StringValue: aws.String("ünïcode")},
				"n":           {DataType: aws.String("Number"), StringValue: aws.String("-12.5e3")},
				"b":           {DataType: aws.String("Binary"), BinaryValue: []byte{0xff, 0, 0x10}},
				"c":           {DataType: aws.String("String.custom"), StringValue: aws.String("v")},
				"with.dot-_1": {DataType: aws.String("String"), StringValue: aws.String("x")},
			}
			_, err := e.api.SendMessage(e.ctx, &sqs.SendMessageInput{QueueUrl: aws.String(url), MessageBody: aws.String("x"), MessageAttributes: attrs})
			e.noErr("SendMessage", err)
			m := e.receive(sqs.ReceiveMessageInput{QueueUrl: aws.String(url), MessageAttributeNames: []string{"All"}})[0]
			if len(m.MessageAttributes) != len(attrs) {
				e.t.Fatalf("received %d attributes, sent %d", len(m.MessageAttributes), len(attrs))
			}
			for k, v := range attrs {
				got := m.MessageAttributes[k]
				if aws.ToString(got.DataType) != aws.ToString(v.DataType) || aws.ToString(got.StringValue) != aws.ToString(v.StringValue) || string(got.BinaryValue) != string(v.BinaryValue) {
					e.t.Errorf("attribute %s = %+v, sent %+v", k, got, v)
				}
			}
		}},
		{"Message/AttributeFilter", func(e *env) {
			url := e.create("", nil)
			attrs := map[string]types.MessageAttributeValue{}
			for _, k := range []string{"a", "app.x", "app.y", "other"} {
				attrs[k] = types.MessageAttributeValue{DataType: aws.String("String"), StringValue: aws.String(k)}
			}
			for i := range 5 {
				_, err := e.api.SendMessage(e.ctx, &sqs.SendMessageInput{QueueUrl: aws.String(url), MessageBody: aws.String(fmt.Sprint(i)), MessageAttributes: attrs})
				e.noErr("SendMessage", err)
			}
			for _, tc := range []struct {
				names []string
				want  string
			}{
				{nil, "[]"}, // none asked for, none returned
				{[]string{"a", "missing"}, "[a]"},
				{[]string{"app.*"}, "[app.x app.y]"},
				{[]string{"All"}, "[a app.x app.y other]"},
				{[]string{".*"}, "[a app.x app.y other]"},
			} {
				m := e.receive(sqs.ReceiveMessageInput{QueueUrl: aws.String(url), MaxNumberOfMessages: 1, MessageAttributeNames: tc.names, VisibilityTimeout: 600})[0]
				var got []string
				for k := range m.MessageAttributes {
					got = append(got, k)
				}
				sort.Strings(got)
				if tc.names == nil && len(got) > 0 && e.deviates(DeviationMessageAttributeFilter) {
					continue
				}
				if fmt.Sprint(got) != tc.want {
					e.t.Errorf("MessageAttributeNames %v: got attributes %v, want %s", tc.names, got, tc.want)
				}
				if len(got) == 0 && m.MD5OfMessageAttributes != nil {
					e.t.Errorf("MessageAttributeNames %v: MD5OfMessageAttributes %q with no attributes", tc.names, *m.MD5OfMessageAttributes)
				}
			}
		}},
		{"Message/SystemAttributes", func(e *env) {
			url := e.create("", nil)
			before := time.Now()
			e.send(url, "x")
			m := e.receive(sqs.ReceiveMessageInput{QueueUrl: aws.String(url), MessageSystemAttributeNames: []types.MessageSystemAttributeName{types.MessageSystemAttributeNameAll}})[0]
			a := m.Attributes
			if a["ApproximateReceiveCount"] != "1" {
				e.t.Errorf("ApproximateReceiveCount = %q, want 1", a["ApproximateReceiveCount"])
			}
			if a["SenderId"] == "" {
				e.t.Errorf("no SenderId")
			}
			for _, k := range []string{"SentTimestamp", "ApproximateFirstReceiveTimestamp"} {
				ms, err := strconv.ParseInt(a[k], 10, 64)
				if err != nil {
					e.t.Errorf("%s = %q, want Unix milliseconds", k, a[k])
					continue
				}
				if e.adv == nil && (ms < before.Add(-time.Hour).UnixMilli() || ms > time.Now().Add(time.Hour).UnixMilli()) {
					e.t.Errorf("%s = %d is not about now (%d)", k, ms, before.UnixMilli())
				}
			}
			// Only the names asked for.
			url2 := e.create("-2", nil)
			e.send(url2, "y")
			m = e.receive(sqs.ReceiveMessageInput{QueueUrl: aws.String(url2), MessageSystemAttributeNames: []types.MessageSystemAttributeName{types.MessageSystemAttributeNameApproximateReceiveCount}})[0]
			if len(m.Attributes) != 1 || m.Attributes["ApproximateReceiveCount"] != "1" {
				e.t.Errorf("asked for ApproximateReceiveCount only, got %v", m.Attributes)
			}
		}},
		{"Message/TooManyAttributes", func(e *env) {
			url := e.create("", nil)
			attrs := map[string]types.MessageAttributeValue{}
			for i := range 10 {
				attrs[fmt.Sprint("a", i)] = types.MessageAttributeValue{DataType: aws.String("String"), StringValue: aws.String("v")}
			}
			_, err := e.api.SendMessage(e.ctx, &sqs.SendMessageInput{QueueUrl: aws.String(url), MessageBody: aws.String("x"), MessageAttributes: attrs})
			e.noErr("SendMessage with 10 attributes", err)
			if e.deviates(DeviationAttributeCount) {
				return
			}
			attrs["a10"] = types.MessageAttributeValue{DataType: aws.String("String"), StringValue: aws.String("v")}
			_, err = e.api.SendMessage(e.ctx, &sqs.SendMessageInput{QueueUrl: aws.String(url), MessageBody: aws.String("x"), MessageAttributes: attrs})
			e.wantCategory("SendMessage with 11 attributes", err, sqsapi.CategoryInvalidParameter)
		}},
		{"Message/InvalidAttributes", func(e *env) {
			url := e.create("", nil)
			// A missing DataType is refused (by *sqs.Client itself, before sending).
			_, err := e.api.SendMessage(e.ctx, &sqs.SendMessageInput{QueueUrl: aws.String(url), MessageBody: aws.String("x"),
				MessageAttributes: map[string]types.MessageAttributeValue{"notype": {StringValue: aws.String("v")}}})
			if err == nil {
				e.t.Errorf("SendMessage with an attribute without DataType succeeded")
			}
			if e.deviates(DeviationAttributeValidation) {
				return
			}
			for name, v := range map[string]types.MessageAttributeValue{
				"AWS.reserved": {DataType: aws.String("String"), StringValue: aws.String("v")},
				"bad name":     {DataType: aws.String("String"), StringValue: aws.String("v")},
				"badtype":      {DataType: aws.String("Blob"), StringValue: aws.String("v")},
				"nan":          {DataType: aws.String("Number"), StringValue: aws.String("twelve")},
				"empty":        {DataType: aws.String("String"), StringValue: aws.String("")},
			} {
				_, err := e.api.SendMessage(e.ctx, &sqs.SendMessageInput{QueueUrl: aws.String(url), MessageBody: aws.String("x"),
					MessageAttributes: map[string]types.MessageAttributeValue{name: v}})
				e.wantCategory("SendMessage with attribute "+name, err, sqsapi.CategoryInvalidParameter)
			}
		}},
		{"Message/BodySizeLimit", func(e *env) {
			url := e.create("", nil)
			// The API reference (since August 2025): messages up to 1 MiB,
			// attributes included; MaximumMessageSize defaults to 1 MiB.
			_, err := e.api.SendMessage(e.ctx, &sqs.SendMessageInput{QueueUrl: aws.String(url), MessageBody: aws.String(strings.Repeat("x", maxMessageSize))})
			e.noErr("SendMessage of 1 MiB", err)
			_, err = e.api.SendMessage(e.ctx, &sqs.SendMessageInput{QueueUrl: aws.String(url), MessageBody: aws.String(strings.Repeat("x", maxMessageSize+1))})
			e.wantCategory("SendMessage of 1 MiB + 1", err, sqsapi.CategoryInvalidParameter)
			if !e.deviates(DeviationAttributeSize) {
				_, err = e.api.SendMessage(e.ctx, &sqs.SendMessageInput{QueueUrl: aws.String(url), MessageBody: aws.String(strings.Repeat("x", maxMessageSize-5)),
					MessageAttributes: map[string]types.MessageAttributeValue{"attr": {DataType: aws.String("String"), StringValue: aws.String("value")}}})
				e.wantCategory("SendMessage of body+attributes over 1 MiB", err, sqsapi.CategoryInvalidParameter)
			}
			// A smaller MaximumMessageSize is enforced.
			small := e.create("-small", map[string]string{"MaximumMessageSize": "1024"})
			_, err = e.api.SendMessage(e.ctx, &sqs.SendMessageInput{QueueUrl: aws.String(small), MessageBody: aws.String(strings.Repeat("x", 1025))})
			e.wantCategory("SendMessage of 1025 bytes to a queue with MaximumMessageSize 1024", err, sqsapi.CategoryInvalidParameter)
		}},
		{"Message/InvalidCharacters", func(e *env) {
			url := e.create("", nil)
			for _, body := range []string{"nul\x00", "bell\x07", "\uFFFF"} {
				_, err := e.api.SendMessage(e.ctx, &sqs.SendMessageInput{QueueUrl: aws.String(url), MessageBody: aws.String(body)})
				e.wantCategory(fmt.Sprintf("SendMessage(%q)", body), err, sqsapi.CategoryInvalidParameter)
			}
			_, err := e.api.SendMessage(e.ctx, &sqs.SendMessageInput{QueueUrl: aws.String(url), MessageBody: aws.String("tab\t nl\n cr\r \uE000 \uFFFD")})
			e.noErr("SendMessage with allowed characters", err)
			if !e.deviates(DeviationSupplementaryCharacters) {
				_, err = e.api.SendMessage(e.ctx, &sqs.SendMessageInput{QueueUrl: aws.String(url), MessageBody: aws.String("emoji 😀")})
				e.noErr("SendMessage with a character from #x10000-#x10FFFF", err)
			}
		}},
		{"Message/EmptyBody", func(e *env) {
			url := e.create("", nil)
			_, err := e.api.SendMessage(e.ctx, &sqs.SendMessageInput{QueueUrl: aws.String(url), MessageBody: aws.String("")})
			e.wantCategory("SendMessage with empty body", err, sqsapi.CategoryInvalidParameter)
		}},
		{"Message/DelaySeconds", func(e *env) {
			url := e.create("", nil)
			_, err := e.api.SendMessage(e.ctx, &sqs.SendMessageInput{QueueUrl: aws.String(url), MessageBody: aws.String("later"), DelaySeconds: 5})
			e.noErr("SendMessage with DelaySeconds 5", err)
			if got := e.receiveOnce(sqs.ReceiveMessageInput{QueueUrl: aws.String(url)}); len(got) != 0 {
				e.t.Errorf("delayed message received at once")
			}
			m := e.receive(sqs.ReceiveMessageInput{QueueUrl: aws.String(url)})
			if aws.ToString(m[0].Body) != "later" {
				e.t.Errorf("got %q", aws.ToString(m[0].Body))
			}
			if e.deviates(DeviationDelayRange) {
				return
			}
			_, err = e.api.SendMessage(e.ctx, &sqs.SendMessageInput{QueueUrl: aws.String(url), MessageBody: aws.String("x"), DelaySeconds: 901})
			e.wantCategory("SendMessage with DelaySeconds 901", err, sqsapi.CategoryInvalidParameter)
		}},
		{"Message/QueueDelay", func(e *env) {
			url := e.create("", map[string]string{"DelaySeconds": "3"})
			e.send(url, "later")
			e.eventually("the delayed message to be counted as delayed or arrive", func() bool {
				a := e.attrs(url, types.QueueAttributeNameApproximateNumberOfMessagesDelayed)
				return a["ApproximateNumberOfMessagesDelayed"] == "1"
			})
			e.receive(sqs.ReceiveMessageInput{QueueUrl: aws.String(url)})
		}},
		{"Message/DedupIDOnStandardQueue", func(e *env) {
			e.skipIf(DeviationDedupIDOnStandard)
			url := e.create("", nil)
			_, err := e.api.SendMessage(e.ctx, &sqs.SendMessageInput{QueueUrl: aws.String(url), MessageBody: aws.String("x"), MessageDeduplicationId: aws.String("d")})
			e.wantCategory("SendMessage with MessageDeduplicationId to a standard queue", err, sqsapi.CategoryInvalidParameter)
		}},
	}
}

func receiveTests() []testCase {
	return []testCase{
		{"Receive/MaxNumberOfMessages", func(e *env) {
			url := e.create("", nil)
			for i := range 5 {
				e.send(url, fmt.Sprint(i))
			}
			first := e.receive(sqs.ReceiveMessageInput{QueueUrl: aws.String(url), MaxNumberOfMessages: 3, VisibilityTimeout: 600})
			if len(first) > 3 {
				e.t.Errorf("MaxNumberOfMessages 3 returned %d", len(first))
			}
			one := e.receive(sqs.ReceiveMessageInput{QueueUrl: aws.String(url), VisibilityTimeout: 600})
			if len(one) != 1 {
				e.t.Errorf("default MaxNumberOfMessages returned %d, want 1", len(one))
			}
			if rest := 5 - len(first) - len(one); rest > 0 {
				e.receiveN(sqs.ReceiveMessageInput{QueueUrl: aws.String(url), MaxNumberOfMessages: 10, VisibilityTimeout: 600}, rest)
			}
		}},
		{"Receive/MaxNumberOfMessagesBounds", func(e *env) {
			url := e.create("", nil)
			for _, n := range []int32{-1, 11} {
				_, err := e.api.ReceiveMessage(e.ctx, &sqs.ReceiveMessageInput{QueueUrl: aws.String(url), MaxNumberOfMessages: n})
				e.wantCategory(fmt.Sprintf("ReceiveMessage(MaxNumberOfMessages %d)", n), err, sqsapi.CategoryInvalidParameter)
			}
		}},
		{"Receive/WaitTimeSecondsBounds", func(e *env) {
			url := e.create("", nil)
			for _, n := range []int32{-1, 21} {
				_, err := e.api.ReceiveMessage(e.ctx, &sqs.ReceiveMessageInput{QueueUrl: aws.String(url), WaitTimeSeconds: n})
				e.wantCategory(fmt.Sprintf("ReceiveMessage(WaitTimeSeconds %d)", n), err, sqsapi.CategoryInvalidParameter)
			}
		}},
		{"Receive/LongPollWakesOnSend", func(e *env) {
			url := e.create("", nil)
			ctx, cancel := context.WithTimeout(e.ctx, 15*time.Second)
			defer cancel()
			got := make(chan *sqs.ReceiveMessageOutput, 1)
			errc := make(chan error, 1)
			go func() {
				out, err := e.api.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: aws.String(url), WaitTimeSeconds: 20})
				got <- out
				errc <- err
			}()
			time.Sleep(300 * time.Millisecond) // let the poll start; correctness does not depend on it
			e.send(url, "wake")
			out := <-got
			if err := <-errc; err != nil {
				e.t.Fatalf("long poll: %v (it should have returned the message well before 15 s)", err)
			}
			if len(out.Messages) != 1 || aws.ToString(out.Messages[0].Body) != "wake" {
				e.t.Errorf("long poll returned %v", out.Messages)
			}
		}},
		{"Receive/QueueDefaultWaitTime", func(e *env) {
			url := e.create("", map[string]string{"ReceiveMessageWaitTimeSeconds": "20"})
			ctx, cancel := context.WithTimeout(e.ctx, 15*time.Second)
			defer cancel()
			got := make(chan *sqs.ReceiveMessageOutput, 1)
			errc := make(chan error, 1)
			go func() {
				out, err := e.api.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: aws.String(url)})
				got <- out
				errc <- err
			}()
			time.Sleep(300 * time.Millisecond)
			e.send(url, "wake")
			out := <-got
			if err := <-errc; err != nil {
				e.t.Fatalf("receive on a queue with ReceiveMessageWaitTimeSeconds 20: %v", err)
			}
			if len(out.Messages) != 1 {
				e.t.Errorf("receive returned %d messages, want the one sent while it waited", len(out.Messages))
			}
		}},
		{"Receive/LongPollHonoursContext", func(e *env) {
			url := e.create("", nil)
			ctx, cancel := context.WithCancel(e.ctx)
			errc := make(chan error, 1)
			go func() {
				_, err := e.api.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: aws.String(url), WaitTimeSeconds: 20})
				errc <- err
			}()
			time.Sleep(200 * time.Millisecond)
			cancel()
			select {
			case err := <-errc:
				if !errors.Is(err, context.Canceled) {
					e.t.Errorf("cancelled long poll returned %v, want context.Canceled", err)
				}
			case <-time.After(10 * time.Second):
				e.t.Fatal("cancelled long poll did not return")
			}
		}},
		{"Receive/LongPollTimesOut", func(e *env) {
			url := e.create("", nil)
			done := make(chan []types.Message, 1)
			go func() {
				out, err := e.api.ReceiveMessage(e.ctx, &sqs.ReceiveMessageInput{QueueUrl: aws.String(url), WaitTimeSeconds: 1})
				if err != nil {
					e.t.Errorf("ReceiveMessage: %v", err)
				}
				done <- out.Messages
			}()
			for {
				select {
				case msgs := <-done:
					if len(msgs) != 0 {
						e.t.Errorf("empty queue returned %d messages", len(msgs))
					}
					return
				case <-time.After(50 * time.Millisecond):
					if e.adv != nil {
						e.adv.Advance(time.Second)
					}
				case <-e.ctx.Done():
					e.t.Fatal("a 1 s long poll never returned")
				}
			}
		}},
		{"Receive/LongPollWakesOnVisibility", func(e *env) {
			url := e.create("", nil)
			e.send(url, "x")
			e.receive(sqs.ReceiveMessageInput{QueueUrl: aws.String(url), VisibilityTimeout: 2})
			done := make(chan []types.Message, 1)
			go func() {
				out, err := e.api.ReceiveMessage(e.ctx, &sqs.ReceiveMessageInput{QueueUrl: aws.String(url), WaitTimeSeconds: 20})
				if err != nil {
					e.t.Errorf("ReceiveMessage: %v", err)
					done <- nil
					return
				}
				done <- out.Messages
			}()
			for {
				select {
				case msgs := <-done:
					if len(msgs) != 1 {
						e.t.Errorf("long poll returned %d messages, want the one whose visibility timeout expired", len(msgs))
					}
					return
				case <-time.After(100 * time.Millisecond):
					if e.adv != nil {
						e.adv.Advance(500 * time.Millisecond)
					}
				}
			}
		}},
	}
}

func visibilityTests() []testCase {
	return []testCase{
		{"Visibility/TimeoutRedelivers", func(e *env) {
			url := e.create("", nil)
			e.send(url, "x")
			first := e.receive(sqs.ReceiveMessageInput{QueueUrl: aws.String(url), VisibilityTimeout: 1,
				MessageSystemAttributeNames: []types.MessageSystemAttributeName{types.MessageSystemAttributeNameApproximateReceiveCount}})[0]
			second := e.receive(sqs.ReceiveMessageInput{QueueUrl: aws.String(url), VisibilityTimeout: 600,
				MessageSystemAttributeNames: []types.MessageSystemAttributeName{types.MessageSystemAttributeNameApproximateReceiveCount}})[0]
			if aws.ToString(second.MessageId) != aws.ToString(first.MessageId) {
				e.t.Fatalf("redelivered a different message")
			}
			if second.Attributes["ApproximateReceiveCount"] != "2" {
				e.t.Errorf("ApproximateReceiveCount after redelivery = %q, want 2", second.Attributes["ApproximateReceiveCount"])
			}
			if aws.ToString(second.ReceiptHandle) == aws.ToString(first.ReceiptHandle) {
				e.t.Errorf("redelivery reused the receipt handle")
			}
			_, err := e.api.DeleteMessage(e.ctx, &sqs.DeleteMessageInput{QueueUrl: aws.String(url), ReceiptHandle: second.ReceiptHandle})
			e.noErr("DeleteMessage with the newest handle", err)
			if got := e.receiveOnce(sqs.ReceiveMessageInput{QueueUrl: aws.String(url)}); len(got) != 0 {
				e.t.Errorf("message still there after delete")
			}
		}},
		{"Visibility/QueueDefaultTimeout", func(e *env) {
			url := e.create("", map[string]string{"VisibilityTimeout": "1"})
			e.send(url, "x")
			e.receive(sqs.ReceiveMessageInput{QueueUrl: aws.String(url)})
			e.receive(sqs.ReceiveMessageInput{QueueUrl: aws.String(url)}) // comes back after the queue's 1 s
		}},
		{"Visibility/InFlightHidden", func(e *env) {
			url := e.create("", nil)
			e.send(url, "x")
			e.receive(sqs.ReceiveMessageInput{QueueUrl: aws.String(url), VisibilityTimeout: 600})
			if got := e.receiveOnce(sqs.ReceiveMessageInput{QueueUrl: aws.String(url)}); len(got) != 0 {
				e.t.Errorf("in-flight message received again")
			}
		}},
		{"Visibility/ChangeToZeroReleases", func(e *env) {
			url := e.create("", nil)
			e.send(url, "x")
			m := e.receive(sqs.ReceiveMessageInput{QueueUrl: aws.String(url), VisibilityTimeout: 600})[0]
			_, err := e.api.ChangeMessageVisibility(e.ctx, &sqs.ChangeMessageVisibilityInput{QueueUrl: aws.String(url), ReceiptHandle: m.ReceiptHandle, VisibilityTimeout: 0})
			e.noErr("ChangeMessageVisibility(0)", err)
			again := e.receive(sqs.ReceiveMessageInput{QueueUrl: aws.String(url), VisibilityTimeout: 600})[0]
			if aws.ToString(again.MessageId) != aws.ToString(m.MessageId) {
				e.t.Errorf("released message not received again")
			}
		}},
		{"Visibility/ChangeExtends", func(e *env) {
			url := e.create("", nil)
			e.send(url, "x")
			m := e.receive(sqs.ReceiveMessageInput{QueueUrl: aws.String(url), VisibilityTimeout: 4})[0]
			_, err := e.api.ChangeMessageVisibility(e.ctx, &sqs.ChangeMessageVisibilityInput{QueueUrl: aws.String(url), ReceiptHandle: m.ReceiptHandle, VisibilityTimeout: 600})
			e.noErr("ChangeMessageVisibility(600)", err)
			e.pass(5 * time.Second)
			if got := e.receiveOnce(sqs.ReceiveMessageInput{QueueUrl: aws.String(url)}); len(got) != 0 {
				e.t.Errorf("message whose visibility was extended came back")
			}
			_, err = e.api.ChangeMessageVisibility(e.ctx, &sqs.ChangeMessageVisibilityInput{QueueUrl: aws.String(url), ReceiptHandle: m.ReceiptHandle, VisibilityTimeout: 43201})
			e.wantCategory("ChangeMessageVisibility(43201)", err, sqsapi.CategoryInvalidParameter)
		}},
		{"Visibility/StaleHandleDelete", func(e *env) {
			e.skipIf(DeviationStaleReceiptHandle)
			url := e.create("", nil)
			e.send(url, "x")
			first := e.receive(sqs.ReceiveMessageInput{QueueUrl: aws.String(url), VisibilityTimeout: 1})[0]
			second := e.receive(sqs.ReceiveMessageInput{QueueUrl: aws.String(url), VisibilityTimeout: 600})[0]
			// The API reference: with a handle that is not the most recent,
			// "the request will still succeed, but the message might not be
			// deleted".
			_, err := e.api.DeleteMessage(e.ctx, &sqs.DeleteMessageInput{QueueUrl: aws.String(url), ReceiptHandle: first.ReceiptHandle})
			e.noErr("DeleteMessage with a stale handle", err)
			_, err = e.api.DeleteMessage(e.ctx, &sqs.DeleteMessageInput{QueueUrl: aws.String(url), ReceiptHandle: second.ReceiptHandle})
			e.noErr("DeleteMessage with the newest handle", err)
		}},
		{"Visibility/ChangeDeletedMessage", func(e *env) {
			e.skipIf(DeviationChangeVisibilityDeleted)
			url := e.create("", nil)
			e.send(url, "x")
			m := e.receive(sqs.ReceiveMessageInput{QueueUrl: aws.String(url)})[0]
			_, err := e.api.DeleteMessage(e.ctx, &sqs.DeleteMessageInput{QueueUrl: aws.String(url), ReceiptHandle: m.ReceiptHandle})
			e.noErr("DeleteMessage", err)
			_, err = e.api.DeleteMessage(e.ctx, &sqs.DeleteMessageInput{QueueUrl: aws.String(url), ReceiptHandle: m.ReceiptHandle})
			e.noErr("second DeleteMessage with the same handle", err)
			_, err = e.api.ChangeMessageVisibility(e.ctx, &sqs.ChangeMessageVisibilityInput{QueueUrl: aws.String(url), ReceiptHandle: m.ReceiptHandle, VisibilityTimeout: 10})
			e.wantCategory("ChangeMessageVisibility of a deleted message", err, sqsapi.CategoryInvalidParameter, sqsapi.CategoryReceiptHandleInvalid)
		}},
		{"Visibility/InvalidReceiptHandle", func(e *env) {
			url := e.create("", nil)
			_, err := e.api.ChangeMessageVisibility(e.ctx, &sqs.ChangeMessageVisibilityInput{QueueUrl: aws.String(url), ReceiptHandle: aws.String("not-a-receipt-handle"), VisibilityTimeout: 5})
			e.wantCategory("ChangeMessageVisibility(garbage handle)", err, sqsapi.CategoryReceiptHandleInvalid)
			if e.deviates(DeviationInvalidReceiptHandle) {
				return
			}
			_, err = e.api.DeleteMessage(e.ctx, &sqs.DeleteMessageInput{QueueUrl: aws.String(url), ReceiptHandle: aws.String("not-a-receipt-handle")})
			e.wantCategory("DeleteMessage(garbage handle)", err, sqsapi.CategoryReceiptHandleInvalid)
			wantAs[*types.ReceiptHandleIsInvalid](e, "DeleteMessage(garbage handle)", err)
		}},
	}
}

func batchTests() []testCase {
	entries := func(n int) []types.SendMessageBatchRequestEntry {
		var out []types.SendMessageBatchRequestEntry
		for i := range n {
			out = append(out, types.SendMessageBatchRequestEntry{Id: aws.String(fmt.Sprint("e", i)), MessageBody: aws.String(fmt.Sprint("body", i))})
		}
		return out
	}
	return []testCase{
		{"Batch/SendReceiveDelete", func(e *env) {
			url := e.create("", nil)
			in := entries(10)
			in[3].MessageAttributes = md5Attrs
			in[4].DelaySeconds = 1
			out, err := e.api.SendMessageBatch(e.ctx, &sqs.SendMessageBatchInput{QueueUrl: aws.String(url), Entries: in})
			e.noErr("SendMessageBatch", err)
			if len(out.Successful) != 10 || len(out.Failed) != 0 {
				e.t.Fatalf("SendMessageBatch: %d successful, %d failed", len(out.Successful), len(out.Failed))
			}
			for _, r := range out.Successful {
				if aws.ToString(r.Id) == "e3" && aws.ToString(r.MD5OfMessageAttributes) != md5AttrsSum {
					e.t.Errorf("batch entry MD5OfMessageAttributes = %s, want %s", aws.ToString(r.MD5OfMessageAttributes), md5AttrsSum)
				}
				if aws.ToString(r.MessageId) == "" || len(aws.ToString(r.MD5OfMessageBody)) != 32 {
					e.t.Errorf("batch result %+v lacks MessageId or MD5OfMessageBody", r)
				}
			}
			msgs := e.receiveN(sqs.ReceiveMessageInput{QueueUrl: aws.String(url), MaxNumberOfMessages: 10, VisibilityTimeout: 600}, 10)
			var del []types.DeleteMessageBatchRequestEntry
			for i, m := range msgs {
				del = append(del, types.DeleteMessageBatchRequestEntry{Id: aws.String(fmt.Sprint("d", i)), ReceiptHandle: m.ReceiptHandle})
			}
			dout, err := e.api.DeleteMessageBatch(e.ctx, &sqs.DeleteMessageBatchInput{QueueUrl: aws.String(url), Entries: del})
			e.noErr("DeleteMessageBatch", err)
			if len(dout.Successful) != 10 || len(dout.Failed) != 0 {
				e.t.Errorf("DeleteMessageBatch: %d successful, %d failed: %+v", len(dout.Successful), len(dout.Failed), dout.Failed)
			}
		}},
		{"Batch/SendPerEntryFailure", func(e *env) {
			url := e.create("", nil)
			in := entries(3)
			in[1].MessageBody = aws.String("bad\x00body")
			out, err := e.api.SendMessageBatch(e.ctx, &sqs.SendMessageBatchInput{QueueUrl: aws.String(url), Entries: in})
			e.noErr("SendMessageBatch", err)
			if len(out.Successful) != 2 || len(out.Failed) != 1 || aws.ToString(out.Failed[0].Id) != "e1" || !out.Failed[0].SenderFault {
				e.t.Fatalf("SendMessageBatch with one bad entry: successful %d, failed %+v", len(out.Successful), out.Failed)
			}
			e.receiveN(sqs.ReceiveMessageInput{QueueUrl: aws.String(url), MaxNumberOfMessages: 10}, 2)
		}},
		{"Batch/RequestErrors", func(e *env) {
			e.skipIf(DeviationBatchErrors)
			url := e.create("", nil)
			dup := entries(2)
			dup[1].Id = dup[0].Id
			badID := entries(1)
			badID[0].Id = aws.String("bad id!")
			big := entries(3)
			for i := range big {
				big[i].MessageBody = aws.String(strings.Repeat("x", 400*1024))
			}
			for _, tc := range []struct {
				name    string
				entries []types.SendMessageBatchRequestEntry
				code    string
			}{
				{"empty", []types.SendMessageBatchRequestEntry{}, "EmptyBatchRequest"},
				{"11 entries", entries(11), "TooManyEntriesInBatchRequest"},
				{"duplicate ids", dup, "BatchEntryIdsNotDistinct"},
				{"invalid id", badID, "InvalidBatchEntryId"},
				{"1.2 MiB", big, "BatchRequestTooLong"},
			} {
				_, err := e.api.SendMessageBatch(e.ctx, &sqs.SendMessageBatchInput{QueueUrl: aws.String(url), Entries: tc.entries})
				e.wantCode("SendMessageBatch "+tc.name, err, tc.code)
				e.wantCategory("SendMessageBatch "+tc.name, err, sqsapi.CategoryInvalidParameter)
			}
			_, err := e.api.DeleteMessageBatch(e.ctx, &sqs.DeleteMessageBatchInput{QueueUrl: aws.String(url), Entries: []types.DeleteMessageBatchRequestEntry{}})
			e.wantCode("DeleteMessageBatch empty", err, "EmptyBatchRequest")
			wantAs[*types.EmptyBatchRequest](e, "DeleteMessageBatch empty", err)
			_, err = e.api.ChangeMessageVisibilityBatch(e.ctx, &sqs.ChangeMessageVisibilityBatchInput{QueueUrl: aws.String(url), Entries: []types.ChangeMessageVisibilityBatchRequestEntry{
				{Id: aws.String("a"), ReceiptHandle: aws.String("h")}, {Id: aws.String("a"), ReceiptHandle: aws.String("h")}}})
			e.wantCode("ChangeMessageVisibilityBatch duplicate ids", err, "BatchEntryIdsNotDistinct")
		}},
		{"Batch/DeletePerEntryFailure", func(e *env) {
			url := e.create("", nil)
			e.send(url, "x")
			m := e.receive(sqs.ReceiveMessageInput{QueueUrl: aws.String(url), VisibilityTimeout: 1})[0]
			out, err := e.api.DeleteMessageBatch(e.ctx, &sqs.DeleteMessageBatchInput{QueueUrl: aws.String(url), Entries: []types.DeleteMessageBatchRequestEntry{
				{Id: aws.String("good"), ReceiptHandle: m.ReceiptHandle}, {Id: aws.String("bad"), ReceiptHandle: aws.String("garbage")}}})
			e.noErr("DeleteMessageBatch", err)
			var succeeded, failed []string
			for _, r := range out.Successful {
				succeeded = append(succeeded, aws.ToString(r.Id))
			}
			for _, r := range out.Failed {
				failed = append(failed, aws.ToString(r.Id))
			}
			if !slices.Contains(succeeded, "good") {
				e.t.Fatalf("DeleteMessageBatch: successful %v failed %+v; want the good entry deleted", succeeded, out.Failed)
			}
			e.pass(2 * time.Second) // past the visibility timeout: a message not deleted would be back
			if got := e.receiveOnce(sqs.ReceiveMessageInput{QueueUrl: aws.String(url)}); len(got) != 0 {
				e.t.Errorf("the message of the good entry was not deleted")
			}
			if e.deviates(DeviationInvalidReceiptHandle) {
				return
			}
			if !slices.Equal(succeeded, []string{"good"}) || !slices.Equal(failed, []string{"bad"}) {
				e.t.Fatalf("DeleteMessageBatch: successful %v failed %v, want [good] [bad]", succeeded, failed)
			}
			if c := aws.ToString(out.Failed[0].Code); c != "ReceiptHandleIsInvalid" {
				e.t.Errorf("failed entry code = %q, want ReceiptHandleIsInvalid", c)
			}
		}},
		{"Batch/ChangeVisibilityPerEntry", func(e *env) {
			url := e.create("", nil)
			e.send(url, "x")
			m := e.receive(sqs.ReceiveMessageInput{QueueUrl: aws.String(url), VisibilityTimeout: 600})[0]
			out, err := e.api.ChangeMessageVisibilityBatch(e.ctx, &sqs.ChangeMessageVisibilityBatchInput{QueueUrl: aws.String(url), Entries: []types.ChangeMessageVisibilityBatchRequestEntry{
				{Id: aws.String("good"), ReceiptHandle: m.ReceiptHandle, VisibilityTimeout: 0}, {Id: aws.String("bad"), ReceiptHandle: aws.String("garbage"), VisibilityTimeout: 0}}})
			e.noErr("ChangeMessageVisibilityBatch", err)
			if len(out.Successful) != 1 || len(out.Failed) != 1 || aws.ToString(out.Failed[0].Id) != "bad" {
				e.t.Fatalf("ChangeMessageVisibilityBatch: successful %+v failed %+v", out.Successful, out.Failed)
			}
			e.receive(sqs.ReceiveMessageInput{QueueUrl: aws.String(url)}) // released by the good entry
		}},
	}
}

func fifoTests() []testCase {
	fifoAttrs := func(contentDedup bool) map[string]string {
		return map[string]string{"FifoQueue": "true", "ContentBasedDeduplication": strconv.FormatBool(contentDedup)}
	}
	sendFIFO := func(e *env, url, body, group, dedup string) *sqs.SendMessageOutput {
		e.t.Helper()
		in := &sqs.SendMessageInput{QueueUrl: aws.String(url), MessageBody: aws.String(body), MessageGroupId: aws.String(group)}
		if dedup != "" {
			in.MessageDeduplicationId = aws.String(dedup)
		}
		out, err := e.api.SendMessage(e.ctx, in)
		e.noErr("SendMessage FIFO", err)
		return out
	}
	return []testCase{
		{"FIFO/Attributes", func(e *env) {
			url := e.create(".fifo", fifoAttrs(true))
			a := e.attrs(url, types.QueueAttributeNameAll)
			if a["FifoQueue"] != "true" || a["ContentBasedDeduplication"] != "true" {
				e.t.Errorf("FIFO attributes = %v", a)
			}
		}},
		{"FIFO/NameRequiresAttribute", func(e *env) {
			_, err := e.api.CreateQueue(e.ctx, &sqs.CreateQueueInput{QueueName: aws.String(e.name("")), Attributes: map[string]string{"FifoQueue": "true"}})
			e.wantCategory("CreateQueue(FifoQueue without .fifo)", err, sqsapi.CategoryInvalidParameter)
			if e.deviates(DeviationFIFONaming) {
				return
			}
			_, err = e.api.CreateQueue(e.ctx, &sqs.CreateQueueInput{QueueName: aws.String(e.name(".fifo"))})
			e.wantCategory("CreateQueue(x.fifo) without FifoQueue", err, sqsapi.CategoryInvalidParameter)
		}},
		{"FIFO/GroupIDRequired", func(e *env) {
			url := e.create(".fifo", fifoAttrs(true))
			_, err := e.api.SendMessage(e.ctx, &sqs.SendMessageInput{QueueUrl: aws.String(url), MessageBody: aws.String("x")})
			e.wantCategory("SendMessage to FIFO without MessageGroupId", err, sqsapi.CategoryInvalidParameter)
			url2 := e.create("-nodedup.fifo", fifoAttrs(false))
			_, err = e.api.SendMessage(e.ctx, &sqs.SendMessageInput{QueueUrl: aws.String(url2), MessageBody: aws.String("x"), MessageGroupId: aws.String("g")})
			e.wantCategory("SendMessage to FIFO without dedup id or content-based dedup", err, sqsapi.CategoryInvalidParameter)
		}},
		{"FIFO/PerMessageDelayRefused", func(e *env) {
			e.skipIf(DeviationFIFODelay)
			url := e.create(".fifo", fifoAttrs(true))
			_, err := e.api.SendMessage(e.ctx, &sqs.SendMessageInput{QueueUrl: aws.String(url), MessageBody: aws.String("x"), MessageGroupId: aws.String("g"), DelaySeconds: 5})
			e.wantCategory("SendMessage to FIFO with DelaySeconds", err, sqsapi.CategoryInvalidParameter)
		}},
		{"FIFO/OrderWithinGroup", func(e *env) {
			url := e.create(".fifo", fifoAttrs(true))
			var seqs []string
			for i := range 6 {
				out := sendFIFO(e, url, fmt.Sprint("m", i), "g", "")
				seqs = append(seqs, aws.ToString(out.SequenceNumber))
			}
			for i := 1; i < len(seqs); i++ {
				if seqs[i] == "" || len(seqs[i]) < len(seqs[i-1]) || (len(seqs[i]) == len(seqs[i-1]) && seqs[i] <= seqs[i-1]) {
					e.t.Errorf("SequenceNumbers not increasing: %v", seqs)
					break
				}
			}
			var got []string
			e.eventually("all six messages in order", func() bool {
				for _, m := range e.receiveOnce(sqs.ReceiveMessageInput{QueueUrl: aws.String(url), MaxNumberOfMessages: 10}) {
					got = append(got, aws.ToString(m.Body))
					_, err := e.api.DeleteMessage(e.ctx, &sqs.DeleteMessageInput{QueueUrl: aws.String(url), ReceiptHandle: m.ReceiptHandle})
					e.noErr("DeleteMessage", err)
				}
				return len(got) >= 6
			})
			if fmt.Sprint(got) != "[m0 m1 m2 m3 m4 m5]" {
				e.t.Errorf("received %v, want in send order", got)
			}
		}},
		{"FIFO/SeveralFromOneGroup", func(e *env) {
			// SQS "attempts to return as many messages with the same message
			// group ID as possible in a single call", in order (the SQS
			// Developer Guide, "FIFO queue delivery logic").
			url := e.create(".fifo", fifoAttrs(true))
			for i := range 3 {
				sendFIFO(e, url, fmt.Sprint("m", i), "g", "")
			}
			var got []string
			for _, m := range e.receive(sqs.ReceiveMessageInput{QueueUrl: aws.String(url), MaxNumberOfMessages: 10}) {
				got = append(got, aws.ToString(m.Body))
			}
			if len(got) == 1 && e.deviates(DeviationFIFOOnePerGroup) {
				return
			}
			if fmt.Sprint(got) != "[m0 m1 m2]" {
				e.t.Errorf("one receive of up to 10 from a group of 3 got %v, want [m0 m1 m2]", got)
			}
		}},
		{"FIFO/GroupLocking", func(e *env) {
			url := e.create(".fifo", fifoAttrs(true))
			sendFIFO(e, url, "a1", "A", "")
			sendFIFO(e, url, "a2", "A", "")
			first := e.receive(sqs.ReceiveMessageInput{QueueUrl: aws.String(url), MaxNumberOfMessages: 1, VisibilityTimeout: 600})[0]
			if aws.ToString(first.Body) != "a1" {
				e.t.Fatalf("first receive = %q, want a1", aws.ToString(first.Body))
			}
			if got := e.receiveOnce(sqs.ReceiveMessageInput{QueueUrl: aws.String(url), MaxNumberOfMessages: 10}); len(got) != 0 {
				e.t.Errorf("received %q while group A has a message in flight", aws.ToString(got[0].Body))
			}
			sendFIFO(e, url, "b1", "B", "")
			other := e.receive(sqs.ReceiveMessageInput{QueueUrl: aws.String(url), MaxNumberOfMessages: 10, VisibilityTimeout: 600})
			if len(other) != 1 || aws.ToString(other[0].Body) != "b1" {
				e.t.Errorf("while A is locked got %d messages, want just b1", len(other))
			}
			_, err := e.api.DeleteMessage(e.ctx, &sqs.DeleteMessageInput{QueueUrl: aws.String(url), ReceiptHandle: first.ReceiptHandle})
			e.noErr("DeleteMessage", err)
			next := e.receive(sqs.ReceiveMessageInput{QueueUrl: aws.String(url), MaxNumberOfMessages: 10})
			if aws.ToString(next[0].Body) != "a2" {
				e.t.Errorf("after deleting a1 got %q, want a2", aws.ToString(next[0].Body))
			}
		}},
		{"FIFO/DeduplicationID", func(e *env) {
			url := e.create(".fifo", fifoAttrs(false))
			first := sendFIFO(e, url, "one", "g", "d1")
			dup := sendFIFO(e, url, "one again", "g", "d1")
			if aws.ToString(dup.MessageId) != aws.ToString(first.MessageId) {
				e.t.Errorf("duplicate send got MessageId %s, want the original %s", aws.ToString(dup.MessageId), aws.ToString(first.MessageId))
			}
			sendFIFO(e, url, "two", "g", "d2")
			var got []string
			e.eventually("both distinct messages", func() bool {
				for _, m := range e.receiveOnce(sqs.ReceiveMessageInput{QueueUrl: aws.String(url), MaxNumberOfMessages: 10}) {
					got = append(got, aws.ToString(m.Body))
					_, err := e.api.DeleteMessage(e.ctx, &sqs.DeleteMessageInput{QueueUrl: aws.String(url), ReceiptHandle: m.ReceiptHandle})
					e.noErr("DeleteMessage", err)
				}
				return len(got) >= 2
			})
			if got := e.receiveOnce(sqs.ReceiveMessageInput{QueueUrl: aws.String(url), MaxNumberOfMessages: 10}); len(got) != 0 {
				e.t.Errorf("duplicate delivered: %q", aws.ToString(got[0].Body))
			}
			if e.adv != nil { // the window is 5 minutes
				e.adv.Advance(5*time.Minute + time.Second)
				again := sendFIFO(e, url, "one", "g", "d1")
				if aws.ToString(again.MessageId) == aws.ToString(first.MessageId) {
					e.t.Errorf("deduplicated after the 5-minute window")
				}
			}
		}},
		{"FIFO/ContentBasedDeduplication", func(e *env) {
			url := e.create(".fifo", fifoAttrs(true))
			a := sendFIFO(e, url, "same", "g", "")
			b := sendFIFO(e, url, "same", "g", "")
			c := sendFIFO(e, url, "different", "g", "")
			if aws.ToString(a.MessageId) != aws.ToString(b.MessageId) || aws.ToString(a.MessageId) == aws.ToString(c.MessageId) {
				e.t.Errorf("content-based dedup: ids %s %s %s", aws.ToString(a.MessageId), aws.ToString(b.MessageId), aws.ToString(c.MessageId))
			}
		}},
		{"FIFO/SystemAttributes", func(e *env) {
			url := e.create(".fifo", fifoAttrs(false))
			sent := sendFIFO(e, url, "x", "grp", "dd")
			m := e.receive(sqs.ReceiveMessageInput{QueueUrl: aws.String(url), MessageSystemAttributeNames: []types.MessageSystemAttributeName{types.MessageSystemAttributeNameAll}})[0]
			if m.Attributes["MessageGroupId"] != "grp" || m.Attributes["MessageDeduplicationId"] != "dd" || m.Attributes["SequenceNumber"] != aws.ToString(sent.SequenceNumber) {
				e.t.Errorf("FIFO system attributes = %v (sent sequence number %s)", m.Attributes, aws.ToString(sent.SequenceNumber))
			}
		}},
		{"FIFO/BatchSend", func(e *env) {
			url := e.create(".fifo", fifoAttrs(true))
			var in []types.SendMessageBatchRequestEntry
			for i := range 3 {
				in = append(in, types.SendMessageBatchRequestEntry{Id: aws.String(fmt.Sprint(i)), MessageBody: aws.String(fmt.Sprint("m", i)), MessageGroupId: aws.String("g")})
			}
			in = append(in, types.SendMessageBatchRequestEntry{Id: aws.String("nogroup"), MessageBody: aws.String("x")})
			out, err := e.api.SendMessageBatch(e.ctx, &sqs.SendMessageBatchInput{QueueUrl: aws.String(url), Entries: in})
			e.noErr("SendMessageBatch", err)
			if len(out.Successful) != 3 || len(out.Failed) != 1 || aws.ToString(out.Failed[0].Id) != "nogroup" {
				e.t.Errorf("FIFO batch: successful %d failed %+v", len(out.Successful), out.Failed)
			}
			for _, r := range out.Successful {
				if aws.ToString(r.SequenceNumber) == "" {
					e.t.Errorf("FIFO batch result %s has no SequenceNumber", aws.ToString(r.Id))
				}
			}
		}},
	}
}

func redriveTests() []testCase {
	return []testCase{
		{"Redrive/ToDeadLetterQueue", func(e *env) {
			dlq := e.create("-dlq", nil)
			arn := e.attrs(dlq, types.QueueAttributeNameQueueArn)["QueueArn"]
			src := e.create("", map[string]string{"RedrivePolicy": `{"deadLetterTargetArn":"` + arn + `","maxReceiveCount":"2"}`})
			e.send(src, "poison")
			for i := range 2 {
				m := e.receive(sqs.ReceiveMessageInput{QueueUrl: aws.String(src), VisibilityTimeout: 600})[0]
				_, err := e.api.ChangeMessageVisibility(e.ctx, &sqs.ChangeMessageVisibilityInput{QueueUrl: aws.String(src), ReceiptHandle: m.ReceiptHandle, VisibilityTimeout: 0})
				e.noErr(fmt.Sprint("release ", i), err)
			}
			// The third receive attempt moves it.
			var moved []types.Message
			e.eventually("the message to reach the dead-letter queue", func() bool {
				if got := e.receiveOnce(sqs.ReceiveMessageInput{QueueUrl: aws.String(src)}); len(got) != 0 {
					e.t.Fatalf("message received a third time from the source (receive count %d > maxReceiveCount 2)", len(got))
				}
				moved = e.receiveOnce(sqs.ReceiveMessageInput{QueueUrl: aws.String(dlq)})
				return len(moved) > 0
			})
			if aws.ToString(moved[0].Body) != "poison" {
				e.t.Errorf("dead-letter queue got %q", aws.ToString(moved[0].Body))
			}
			a := e.attrs(src, types.QueueAttributeNameRedrivePolicy)
			if !strings.Contains(a["RedrivePolicy"], arn) {
				e.t.Errorf("RedrivePolicy = %q", a["RedrivePolicy"])
			}
		}},
		{"Redrive/TargetMustExist", func(e *env) {
			e.skipIf(DeviationRedriveTarget)
			dlq := e.create("-dlq", nil)
			arn := e.attrs(dlq, types.QueueAttributeNameQueueArn)["QueueArn"]
			missing := arn[:strings.LastIndexByte(arn, ':')+1] + e.name("-nodlq")
			_, err := e.api.CreateQueue(e.ctx, &sqs.CreateQueueInput{QueueName: aws.String(e.name("")), Attributes: map[string]string{
				"RedrivePolicy": `{"deadLetterTargetArn":"` + missing + `","maxReceiveCount":"2"}`}})
			e.wantCategory("CreateQueue with a RedrivePolicy naming a missing queue", err, sqsapi.CategoryInvalidParameter)
		}},
	}
}

func errorTests() []testCase {
	return []testCase{
		{"Errors/MissingQueue", func(e *env) {
			url := e.missingURL(e.create("", nil))
			u := aws.String(url)
			calls := map[string]func() error{
				"SendMessage": func() error {
					_, err := e.api.SendMessage(e.ctx, &sqs.SendMessageInput{QueueUrl: u, MessageBody: aws.String("x")})
					return err
				},
				"SendMessageBatch": func() error {
					_, err := e.api.SendMessageBatch(e.ctx, &sqs.SendMessageBatchInput{QueueUrl: u, Entries: []types.SendMessageBatchRequestEntry{{Id: aws.String("a"), MessageBody: aws.String("x")}}})
					return err
				},
				"ReceiveMessage": func() error {
					_, err := e.api.ReceiveMessage(e.ctx, &sqs.ReceiveMessageInput{QueueUrl: u})
					return err
				},
				"GetQueueAttributes": func() error {
					_, err := e.api.GetQueueAttributes(e.ctx, &sqs.GetQueueAttributesInput{QueueUrl: u, AttributeNames: []types.QueueAttributeName{types.QueueAttributeNameAll}})
					return err
				},
				"SetQueueAttributes": func() error {
					_, err := e.api.SetQueueAttributes(e.ctx, &sqs.SetQueueAttributesInput{QueueUrl: u, Attributes: map[string]string{"VisibilityTimeout": "5"}})
					return err
				},
				"DeleteQueue": func() error {
					_, err := e.api.DeleteQueue(e.ctx, &sqs.DeleteQueueInput{QueueUrl: u})
					return err
				},
				"PurgeQueue": func() error {
					_, err := e.api.PurgeQueue(e.ctx, &sqs.PurgeQueueInput{QueueUrl: u})
					return err
				},
				"TagQueue": func() error {
					_, err := e.api.TagQueue(e.ctx, &sqs.TagQueueInput{QueueUrl: u, Tags: map[string]string{"a": "b"}})
					return err
				},
				"ListQueueTags": func() error {
					_, err := e.api.ListQueueTags(e.ctx, &sqs.ListQueueTagsInput{QueueUrl: u})
					return err
				},
			}
			for name, call := range calls {
				err := call()
				e.wantCategory(name+" on a missing queue", err, sqsapi.CategoryQueueDoesNotExist)
				wantAs[*types.QueueDoesNotExist](e, name+" on a missing queue", err)
			}
		}},
	}
}

func moreTests() []testCase {
	return []testCase{
		{"Message/RetentionPeriod", func(e *env) {
			if e.adv == nil {
				e.t.Skip("needs a fake clock: the shortest MessageRetentionPeriod is 60 s")
			}
			url := e.create("", map[string]string{"MessageRetentionPeriod": "60"})
			e.send(url, "old")
			e.adv.Advance(30 * time.Second)
			e.send(url, "new")
			e.adv.Advance(30 * time.Second)
			got := e.receiveOnce(sqs.ReceiveMessageInput{QueueUrl: aws.String(url), MaxNumberOfMessages: 10})
			if len(got) != 1 || aws.ToString(got[0].Body) != "new" {
				e.t.Errorf("after 60 s got %d messages, want only the newer one", len(got))
			}
		}},
		{"Receive/VisibilityTimeoutBounds", func(e *env) {
			url := e.create("", nil)
			_, err := e.api.ReceiveMessage(e.ctx, &sqs.ReceiveMessageInput{QueueUrl: aws.String(url), VisibilityTimeout: 43201})
			e.wantCategory("ReceiveMessage(VisibilityTimeout 43201)", err, sqsapi.CategoryInvalidParameter)
		}},
		{"Receive/DeprecatedAttributeNames", func(e *env) {
			url := e.create("", nil)
			e.send(url, "x")
			m := e.receive(sqs.ReceiveMessageInput{QueueUrl: aws.String(url), AttributeNames: []types.QueueAttributeName{types.QueueAttributeNameAll}})[0]
			if m.Attributes["ApproximateReceiveCount"] != "1" || m.Attributes["SentTimestamp"] == "" {
				e.t.Errorf("AttributeNames [All] gave system attributes %v", m.Attributes)
			}
		}},
		{"Receive/ConcurrentLongPolls", func(e *env) {
			url := e.create("", nil)
			const n = 3
			ctx, cancel := context.WithTimeout(e.ctx, 20*time.Second)
			defer cancel()
			got := make(chan string, n)
			for range n {
				go func() {
					for ctx.Err() == nil {
						out, err := e.api.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: aws.String(url), WaitTimeSeconds: 20, VisibilityTimeout: 600})
						if err == nil && len(out.Messages) > 0 {
							got <- aws.ToString(out.Messages[0].Body)
							return
						}
					}
					got <- ""
				}()
			}
			time.Sleep(300 * time.Millisecond)
			for i := range n {
				e.send(url, fmt.Sprint("m", i))
			}
			seen := map[string]bool{}
			for range n {
				b := <-got
				if b == "" || seen[b] {
					e.t.Errorf("a long poll got %q (seen %v)", b, seen)
				}
				seen[b] = true
			}
		}},
		{"Queue/ListNoMatch", func(e *env) {
			out, err := e.api.ListQueues(e.ctx, &sqs.ListQueuesInput{QueueNamePrefix: aws.String(e.name("-none"))})
			e.noErr("ListQueues", err)
			if len(out.QueueUrls) != 0 || (out.NextToken != nil && *out.NextToken != "") {
				e.t.Errorf("ListQueues with an unused prefix = %v", out.QueueUrls)
			}
		}},
		{"Batch/EntryTooLong", func(e *env) {
			url := e.create("", nil)
			_, err := e.api.SendMessageBatch(e.ctx, &sqs.SendMessageBatchInput{QueueUrl: aws.String(url), Entries: []types.SendMessageBatchRequestEntry{
				{Id: aws.String("big"), MessageBody: aws.String(strings.Repeat("x", maxMessageSize+1))}}})
			if err == nil {
				e.t.Errorf("SendMessageBatch with an entry over 1 MiB succeeded")
			}
		}},
		{"Batch/DeleteStaleHandle", func(e *env) {
			e.skipIf(DeviationStaleReceiptHandle)
			url := e.create("", nil)
			e.send(url, "x")
			first := e.receive(sqs.ReceiveMessageInput{QueueUrl: aws.String(url), VisibilityTimeout: 1})[0]
			e.receive(sqs.ReceiveMessageInput{QueueUrl: aws.String(url), VisibilityTimeout: 600})
			out, err := e.api.DeleteMessageBatch(e.ctx, &sqs.DeleteMessageBatchInput{QueueUrl: aws.String(url), Entries: []types.DeleteMessageBatchRequestEntry{
				{Id: aws.String("stale"), ReceiptHandle: first.ReceiptHandle}}})
			e.noErr("DeleteMessageBatch", err)
			if len(out.Successful) != 1 {
				e.t.Errorf("DeleteMessageBatch with a stale handle: failed %+v", out.Failed)
			}
		}},
		{"FIFO/RedeliveryKeepsOrder", func(e *env) {
			url := e.create(".fifo", map[string]string{"FifoQueue": "true", "ContentBasedDeduplication": "true"})
			for _, b := range []string{"first", "second"} {
				_, err := e.api.SendMessage(e.ctx, &sqs.SendMessageInput{QueueUrl: aws.String(url), MessageBody: aws.String(b), MessageGroupId: aws.String("g")})
				e.noErr("SendMessage", err)
			}
			m := e.receive(sqs.ReceiveMessageInput{QueueUrl: aws.String(url), MaxNumberOfMessages: 1, VisibilityTimeout: 1})[0]
			if aws.ToString(m.Body) != "first" {
				e.t.Fatalf("first receive = %q", aws.ToString(m.Body))
			}
			again := e.receive(sqs.ReceiveMessageInput{QueueUrl: aws.String(url), MaxNumberOfMessages: 1, VisibilityTimeout: 600,
				MessageSystemAttributeNames: []types.MessageSystemAttributeName{types.MessageSystemAttributeNameApproximateReceiveCount}})[0]
			if aws.ToString(again.Body) != "first" || again.Attributes["ApproximateReceiveCount"] != "2" {
				e.t.Errorf("after the timeout got %q (receive count %s), want first again", aws.ToString(again.Body), again.Attributes["ApproximateReceiveCount"])
			}
		}},
	}
}
