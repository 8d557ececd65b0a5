package virtualqueue

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/sqstemp/sqstemp/sqsapi"
)

// On a FIFO host, every virtual queue has its own deduplication scope and
// its own message groups. A send to virtual queue N with group ID g and
// deduplication ID d reaches the host with the group ID hostFIFOID(N, g) and
// the deduplication ID hostFIFOID(N, d): "N/g" when that fits SQS's 128
// characters, else a hash of it, with g itself carried in the message
// attribute fifoIDsAttribute. A send without a deduplication ID (which
// Client accepts only on a host with ContentBasedDeduplication) is
// deduplicated by content within its virtual queue: d is the hex SHA-256 of
// the body, the ID SQS reports for content-based deduplication. On receive,
// the user's g and d are put back into the MessageGroupId and
// MessageDeduplicationId system attributes and fifoIDsAttribute is removed.
// The sender needs no state: every host ID is a function of N and the ID.

// fifoIDsAttribute is the message attribute (String) that carries a FIFO
// message's own group and deduplication IDs when they are too long to be
// scoped on the host as "<queue name>/<ID>": "<group>\n<dedup>", each part
// empty when not carried. Part of the wire format of FIFO hosts.
const fifoIDsAttribute = "__sqstemp.FifoIds"

// maxFIFOIDLength is SQS's limit on MessageGroupId and MessageDeduplicationId.
const maxFIFOIDLength = 128

// hashedIDPrefix starts a host ID that is a hash. It contains no '/', and
// "<queue name>/<ID>" always does, so the two forms never collide.
const hashedIDPrefix = "sha256-"

func isFIFOHost(hostURL string) bool { return strings.HasSuffix(hostURL, sqsapi.FIFOSuffix) }

// validateFIFOID checks a MessageGroupId or MessageDeduplicationId as SQS
// does: 1 to 128 characters, alphanumeric and punctuation.
func validateFIFOID(param, v string) error {
	if v == "" || len(v) > maxFIFOIDLength {
		return &sqsapi.InvalidParameterError{Param: param, Value: v, Reason: "must be 1 to 128 characters"}
	}
	for i := 0; i < len(v); i++ {
		if c := v[i]; c < 0x21 || c > 0x7e {
			return &sqsapi.InvalidParameterError{Param: param, Value: v, Reason: "may contain only alphanumeric and punctuation characters"}
		}
	}
	return nil
}

// hostFIFOID scopes id to the virtual queue name. long reports that the
// result is a hash, so that id must travel beside it.
func hostFIFOID(name, id string) (hostID string, long bool) {
	scoped := name + "/" + id
	if len(scoped) <= maxFIFOIDLength {
		return scoped, false
	}
	sum := sha256.Sum256([]byte(scoped))
	return hashedIDPrefix + base64.RawURLEncoding.EncodeToString(sum[:]), true
}

// userFIFOID undoes hostFIFOID: the ID scoped to name in hostID, or carried,
// or hostID itself for an ID this package did not scope (a message sent to
// the host directly, say).
func userFIFOID(name, hostID, carried string) string {
	if id, ok := strings.CutPrefix(hostID, name+"/"); ok {
		return id
	}
	if carried != "" && strings.HasPrefix(hostID, hashedIDPrefix) {
		return carried
	}
	return hostID
}

// fifoFields are the FIFO fields of a send as the host gets them.
type fifoFields struct {
	group, dedup *string
	carry        string // the value of fifoIDsAttribute; "" for none
}

// toHostFIFO scopes the group and deduplication IDs of a send to the FIFO
// virtual queue name; without a deduplication ID, the body's SHA-256 is the
// ID. A send without a group ID is left for the host to refuse.
func toHostFIFO(name string, body, group, dedup *string) (fifoFields, error) {
	var f fifoFields
	var carryGroup, carryDedup string
	if group != nil {
		if err := validateFIFOID("MessageGroupId", *group); err != nil {
			return f, err
		}
		g, long := hostFIFOID(name, *group)
		f.group = &g
		if long {
			carryGroup = *group
		}
	}
	var d string
	if dedup != nil {
		if err := validateFIFOID("MessageDeduplicationId", *dedup); err != nil {
			return f, err
		}
		d = *dedup
	} else {
		sum := sha256.Sum256([]byte(aws.ToString(body)))
		d = hex.EncodeToString(sum[:])
	}
	hd, long := hostFIFOID(name, d)
	f.dedup = &hd
	if long {
		carryDedup = d
	}
	if carryGroup != "" || carryDedup != "" {
		f.carry = carryGroup + "\n" + carryDedup
	}
	return f, nil
}

// restoreIDs gives a message received from a host for virtual queue name
// the group and deduplication IDs its sender gave, and removes the attribute
// that carried them.
func restoreIDs(m *types.Message, name string, fifo bool) {
	var carryGroup, carryDedup string
	if a, ok := m.MessageAttributes[fifoIDsAttribute]; ok {
		carryGroup, carryDedup, _ = strings.Cut(aws.ToString(a.StringValue), "\n")
		delete(m.MessageAttributes, fifoIDsAttribute)
	}
	if !fifo {
		return
	}
	restore := func(attr types.MessageSystemAttributeName, carried string) {
		if v, ok := m.Attributes[string(attr)]; ok {
			m.Attributes[string(attr)] = userFIFOID(name, v, carried)
		}
	}
	restore(types.MessageSystemAttributeNameMessageGroupId, carryGroup)
	restore(types.MessageSystemAttributeNameMessageDeduplicationId, carryDedup)
}
