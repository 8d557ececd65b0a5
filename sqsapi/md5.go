package sqsapi

import (
	"crypto/md5"
	"encoding/binary"
	"encoding/hex"
	"sort"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"
)

// MD5OfMessageAttributes computes MD5OfMessageAttributes as SQS does: over the
// attributes sorted by name, each encoded as length-prefixed (4-byte big
// endian) name and data type, a transport byte (1 string, 2 binary, 3 string
// list, 4 binary list) and the length-prefixed value(s). It returns "" for no
// attributes. Layers that change the attributes of a message they pass on
// (filter them, or remove a routing attribute) use it to keep
// MD5OfMessageAttributes true to what they return.
func MD5OfMessageAttributes(attrs map[string]types.MessageAttributeValue) string {
	if len(attrs) == 0 {
		return ""
	}
	names := make([]string, 0, len(attrs))
	for k := range attrs {
		names = append(names, k)
	}
	sort.Strings(names)
	h := md5.New()
	var lenBuf [4]byte
	writeLen := func(b []byte) {
		binary.BigEndian.PutUint32(lenBuf[:], uint32(len(b)))
		h.Write(lenBuf[:])
		h.Write(b)
	}
	for _, name := range names {
		v := attrs[name]
		writeLen([]byte(name))
		writeLen([]byte(aws.ToString(v.DataType)))
		switch {
		case v.StringValue != nil:
			h.Write([]byte{1})
			writeLen([]byte(*v.StringValue))
		case v.BinaryValue != nil:
			h.Write([]byte{2})
			writeLen(v.BinaryValue)
		case v.StringListValues != nil:
			h.Write([]byte{3})
			for _, s := range v.StringListValues {
				writeLen([]byte(s))
			}
		case v.BinaryListValues != nil:
			h.Write([]byte{4})
			for _, b := range v.BinaryListValues {
				writeLen(b)
			}
		}
	}
	return hex.EncodeToString(h.Sum(nil))
}
