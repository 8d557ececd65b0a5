package tempqueue

// NamesForTest returns how many virtual queue names c remembers.
func NamesForTest(c *Client) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.names)
}
