package qboemu

// Read metering (NOTES §10): Intuit's App Partner Program meters reads
// ("CorePlus": GET of an entity, query, CDC, reports — and the invoice PDF,
// a GET) and leaves writes ("Core") free. GET /admin/counters reports both per
// realm so that a test can assert, for example, that an idle realm's re-sync
// made at most two reads.

// meterCount is one realm's metered calls.
type meterCount struct {
	reads, writes, batches int
	// batchReads and batchWrites are the query and write items inside batch
	// calls, also counted in reads and writes.
	batchReads, batchWrites int
}

// meter counts one Accounting API call: a batch call as a batch, its query
// items as reads and its other items as writes (unverified: Intuit does not
// say how it meters batches; counting the items is the stricter reading); any
// other POST as a write; everything else (GET entity, query — GET or POST —,
// CDC, reports, PDF) as a read.
func (c *counters) meter(call *apiCall) {
	c.mu.Lock()
	defer c.mu.Unlock()
	m := c.meters[call.realm]
	if m == nil {
		m = &meterCount{}
		c.meters[call.realm] = m
	}
	switch {
	case call.operation == "batch":
		m.batches++
		m.reads += call.batchReads
		m.writes += call.batchWrites
		m.batchReads += call.batchReads
		m.batchWrites += call.batchWrites
	case call.write:
		m.writes++
	default:
		m.reads++
	}
}

func (c *counters) mailed(realm string) {
	c.mu.Lock()
	c.mails[realm]++
	c.mu.Unlock()
}

// meterSnapshot adds the metering keys to a counters snapshot (c.mu held):
// "reads", "writes", "batches" (totals, of one realm with ?realmId=) and
// "metered" {realm: {"reads","writes","batches","batchReads","batchWrites"}}.
func (c *counters) meterSnapshot(realm string, out map[string]any) {
	byRealm := map[string]map[string]int{}
	var reads, writes, batches int
	for r, m := range c.meters {
		if realm != "" && r != realm {
			continue
		}
		reads += m.reads
		writes += m.writes
		batches += m.batches
		byRealm[r] = map[string]int{"reads": m.reads, "writes": m.writes, "batches": m.batches,
			"batchReads": m.batchReads, "batchWrites": m.batchWrites}
	}
	out["reads"], out["writes"], out["batches"], out["metered"] = reads, writes, batches, byRealm
}
