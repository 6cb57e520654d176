// Package workflows holds Hoursync's Temporal workflows: deterministic orchestration of
// QBO syncs. Nothing here does I/O, reads the clock or starts goroutines; every side
// effect is an activity (package activities), so a sync survives crashes and restarts
// and reads in the Temporal UI like the business process it is.
package workflows
