package virtualqueue

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"
)

// hostParams is how the pollers receive a host's messages and keep the
// buffered ones invisible.
type hostParams struct {
	visibility int32 // seconds a message received from the host stays invisible
	explicit   bool  // the pollers ask for visibility on each receive
	// contentDedup is whether a FIFO host has ContentBasedDeduplication
	// (assumed when its attributes cannot be read): whether a send to one
	// of its virtual queues may omit MessageDeduplicationId.
	contentDedup bool
}

// hostInfo is what the pollers read of a host queue: its attributes, once.
type hostInfo struct {
	params   hostParams
	done     bool
	reading  bool
	failures int           // reads failed in a row
	ready    chan struct{} // closed when the read in progress ends
}

const (
	// minVisibility is the shortest visibility timeout buffered messages
	// are kept under: the pollers of a host whose own is shorter (0 or 1 s)
	// ask for this one, or buffered messages would come straight back.
	minVisibility = 2
	// fallbackVisibility is what the pollers ask for when the host's
	// attributes cannot be read (SQS's default visibility timeout).
	fallbackVisibility = 30
	// maxInfoFailures is how many failed reads of a host's attributes make
	// the pollers give up on them and use fallbackVisibility.
	maxInfoFailures = 3
	// maxInfos is how many hosts' attributes are kept when the hosts are no
	// longer in use.
	maxInfos    = 1024
	callTimeout = 30 * time.Second
)

// hostParams returns the parameters of the host at url, reading its
// attributes on first use (one GetQueueAttributes per host and client). It
// returns early with ctx's error when ctx ends.
func (c *Client) hostParams(ctx context.Context, url string) (hostParams, error) {
	for {
		c.mu.Lock()
		hi := c.infos[url]
		if hi == nil {
			hi = &hostInfo{}
			c.infos[url] = hi
		}
		if hi.done {
			p := hi.params
			c.mu.Unlock()
			return p, nil
		}
		if hi.reading {
			ready := hi.ready
			c.mu.Unlock()
			select {
			case <-ready:
				continue
			case <-c.ctx.Done():
				return hostParams{}, c.ctx.Err()
			case <-ctx.Done():
				return hostParams{}, ctx.Err()
			}
		}
		hi.reading, hi.ready = true, make(chan struct{})
		c.mu.Unlock()
		return c.readHost(ctx, url, hi)
	}
}

// readHost reads the attributes of the host at url into hi, giving up on
// them after maxInfoFailures failures in a row. A read that ends because
// ctx (or the client) ended is not a failure.
func (c *Client) readHost(ctx context.Context, url string, hi *hostInfo) (hostParams, error) {
	callCtx, cancel := context.WithTimeout(c.ctx, callTimeout)
	defer cancel()
	defer context.AfterFunc(ctx, cancel)()
	names := []types.QueueAttributeName{types.QueueAttributeNameVisibilityTimeout, types.QueueAttributeNameRedrivePolicy}
	if isFIFOHost(url) {
		names = append(names, types.QueueAttributeNameContentBasedDeduplication)
	}
	out, err := c.api.GetQueueAttributes(callCtx, &sqs.GetQueueAttributesInput{QueueUrl: aws.String(url), AttributeNames: names})
	c.mu.Lock()
	defer c.mu.Unlock()
	hi.reading = false
	close(hi.ready)
	if err != nil {
		if c.ctx.Err() != nil {
			return hostParams{}, c.ctx.Err()
		}
		if ctx.Err() != nil {
			return hostParams{}, ctx.Err()
		}
		hi.failures++
		if hi.failures < maxInfoFailures {
			return hostParams{}, fmt.Errorf("reading the host queue's attributes: %w", err)
		}
		hi.params, hi.done = hostParams{visibility: fallbackVisibility, explicit: true, contentDedup: true}, true
		c.log.Warn("virtualqueue: cannot read the host queue's attributes; receiving with a 30 s visibility timeout, a RedrivePolicy, if any, "+
			"is not checked, and a FIFO host is taken to have ContentBasedDeduplication", "host", url, "err", err)
		return hi.params, nil
	}
	p := hostParams{visibility: fallbackVisibility}
	if v, err := strconv.ParseInt(out.Attributes[string(types.QueueAttributeNameVisibilityTimeout)], 10, 32); err == nil {
		p.visibility = int32(v)
	}
	if p.visibility < minVisibility {
		p.visibility, p.explicit = minVisibility, true
	}
	p.contentDedup = out.Attributes[string(types.QueueAttributeNameContentBasedDeduplication)] == "true"
	if rp := out.Attributes[string(types.QueueAttributeNameRedrivePolicy)]; rp != "" {
		c.log.Warn("virtualqueue: the host queue has a RedrivePolicy; buffered messages are kept invisible so that "+
			"a message counts one receive per delivery to a consumer, but a message left on the host because a buffer "+
			"or the byte budget was full, and an orphan left in flight, are received again later and count too",
			"host", url, "redrivePolicy", rp)
	}
	hi.params, hi.done = p, true
	return p, nil
}

// pruneInfosLocked forgets the attributes of hosts no longer in use once
// more than maxInfos are kept.
func (c *Client) pruneInfosLocked() {
	if len(c.infos) <= maxInfos {
		return
	}
	for u, hi := range c.infos {
		if c.hosts[u] == nil && !hi.reading {
			delete(c.infos, u)
		}
	}
}
