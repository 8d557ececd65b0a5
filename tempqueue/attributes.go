package tempqueue

import (
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/sqstemp/sqstemp/sqsapi"
)

// attrKind says how CreateQueue treats a queue attribute.
type attrKind int

const (
	attrHost    attrKind = iota // applied to the host queue: part of the attribute set
	attrVirtual                 // honoured per virtual queue by this client
	attrRefused                 // cannot be honoured per virtual queue
)

// queueAttributes lists every queue attribute CreateQueue accepts, and the
// reason for each one it refuses.
var queueAttributes = map[string]attrKind{
	"DelaySeconds":                           attrHost,
	"MaximumMessageSize":                     attrHost,
	"MessageRetentionPeriod":                 attrHost,
	"VisibilityTimeout":                      attrHost,
	"KmsMasterKeyId":                         attrHost,
	"KmsDataKeyReusePeriodSeconds":           attrHost,
	"SqsManagedSseEnabled":                   attrHost,
	"FifoQueue":                              attrHost,
	"ContentBasedDeduplication":              attrHost,
	"DeduplicationScope":                     attrHost,
	"FifoThroughputLimit":                    attrHost,
	"ReceiveMessageWaitTimeSeconds":          attrVirtual,
	sqsapi.IdleQueueRetentionPeriodAttribute: attrVirtual,
	"RedrivePolicy":                          attrRefused,
	"RedriveAllowPolicy":                     attrRefused,
	"Policy":                                 attrRefused,
	sqsapi.HostQueueURLAttribute:             attrRefused,
}

var refusedReasons = map[string]string{
	"RedrivePolicy": "cannot be honoured per virtual queue: maxReceiveCount would count the host poller's receives, " +
		"not the consumer's, and the dead-letter queue would collect messages of every virtual queue on the host",
	"RedriveAllowPolicy":         "a virtual queue cannot be a dead-letter queue",
	"Policy":                     "an access policy would apply to the shared host queue, whose ARN it cannot name",
	sqsapi.HostQueueURLAttribute: "tempqueue chooses the host queue itself; use package virtualqueue to host virtual queues on a queue of your own",
}

// numericRanges are the ranges SQS allows for the numeric host attributes, so
// that a bad value is refused before a host queue is created for it.
var numericRanges = map[string][2]int64{
	"DelaySeconds":                 {0, 900},
	"MaximumMessageSize":           {1024, int64(sqsapi.MaxMessageSizeBytes)},
	"MessageRetentionPeriod":       {60, 1209600},
	"VisibilityTimeout":            {0, sqsapi.MaxVisibilityTimeoutSecs},
	"KmsDataKeyReusePeriodSeconds": {60, 86400},
}

// queueSpec is a CreateQueue request taken apart.
type queueSpec struct {
	fifo      bool
	hostKey   string            // canonical form of hostAttrs
	hostAttrs map[string]string // attributes of the host queue
	retention int32             // IdleQueueRetentionPeriodSeconds of the virtual queue, 0 = none
	wait      int32             // ReceiveMessageWaitTimeSeconds of the virtual queue
}

// parseAttributes validates the attributes of a CreateQueue for a virtual
// queue named name, and splits them into host and virtual queue parts.
func parseAttributes(name string, attrs map[string]string) (queueSpec, error) {
	var s queueSpec
	s.hostAttrs = make(map[string]string)
	names := slices.Sorted(maps.Keys(attrs))
	for _, k := range names {
		v := attrs[k]
		kind, known := queueAttributes[k]
		switch {
		case !known:
			return s, &sqsapi.InvalidParameterError{Code: "InvalidAttributeName", Param: "Attributes", Value: k,
				Reason: "unknown queue attribute"}
		case kind == attrRefused:
			return s, &sqsapi.InvalidParameterError{Code: "InvalidAttributeName", Param: "Attributes", Value: k,
				Reason: refusedReasons[k]}
		}
		switch k {
		case "FifoQueue":
			switch strings.ToLower(v) {
			case "true":
				s.fifo = true
				s.hostAttrs[k] = "true"
			case "false":
			default:
				return s, &sqsapi.InvalidParameterError{Code: "InvalidAttributeValue", Param: k, Value: v, Reason: "must be true or false"}
			}
		case "ContentBasedDeduplication", "SqsManagedSseEnabled":
			b := strings.ToLower(v)
			if b != "true" && b != "false" {
				return s, &sqsapi.InvalidParameterError{Code: "InvalidAttributeValue", Param: k, Value: v, Reason: "must be true or false"}
			}
			s.hostAttrs[k] = b
		case sqsapi.IdleQueueRetentionPeriodAttribute:
			n, err := strconv.ParseInt(v, 10, 32)
			if err != nil || n < sqsapi.MinIdleRetentionSeconds {
				return s, &sqsapi.InvalidParameterError{Code: "InvalidAttributeValue", Param: k, Value: v,
					Reason: "must be a whole number of seconds, at least 1"}
			}
			s.retention = int32(n)
		case "ReceiveMessageWaitTimeSeconds":
			n, err := strconv.ParseInt(v, 10, 32)
			if err != nil || sqsapi.ValidateWaitTimeSeconds(int32(n)) != nil {
				return s, &sqsapi.InvalidParameterError{Code: "InvalidAttributeValue", Param: k, Value: v,
					Reason: "must be a whole number of seconds between 0 and 20"}
			}
			s.wait = int32(n)
		default:
			if r, ok := numericRanges[k]; ok {
				n, err := strconv.ParseInt(v, 10, 64)
				if err != nil || n < r[0] || n > r[1] {
					return s, &sqsapi.InvalidParameterError{Code: "InvalidAttributeValue", Param: k, Value: v,
						Reason: "must be a whole number from " + strconv.FormatInt(r[0], 10) + " to " + strconv.FormatInt(r[1], 10)}
				}
			}
			s.hostAttrs[k] = v
		}
	}
	if err := sqsapi.ValidateQueueName(name, s.fifo); err != nil {
		return s, err
	}
	var b strings.Builder
	for _, k := range slices.Sorted(maps.Keys(s.hostAttrs)) {
		b.WriteString(k)
		b.WriteByte('=')
		b.WriteString(strconv.Quote(s.hostAttrs[k]))
		b.WriteByte(';')
	}
	s.hostKey = b.String()
	return s, nil
}
