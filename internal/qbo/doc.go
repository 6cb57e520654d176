// Package qbo is Hoursync's client for the QuickBooks Online Accounting API v3, for one
// company (realm) over any base URL: QBO itself or the emulator.
//
// Every entity (Customer, Employee, Item, Account, TimeActivity, Invoice, CompanyInfo,
// Preferences) goes through one generic path — Create, Read, Update (sparse), Delete,
// Void, QueryPage/All/Count and Batch — so an entity is a struct with QBO's JSON names
// and an EntityName method. Money is integer cents (Money), never float64. Every write
// takes the caller's request id, sent as QBO's requestid: QBO answers a repeat with the
// first answer, so a write retried after a lost response makes nothing twice.
//
// Errors are *Fault values matching one sentinel with errors.Is: ErrStale,
// ErrDuplicateName (Fault.ExistingID), ErrNotFound, ErrPlanLacksFeature,
// ErrValidation (Fault.Field, Fault.Message), ErrThrottled, ErrServer,
// ErrUnauthorized and ErrForbidden. Each names the entity, operation and intuit_tid.
// A 401 is answered by one token refresh (TokenRefresher) and one retry; 429 and 5xx
// by exponential back-off with full jitter, bounded by Options.MaxAttempts. Tokens
// are never logged and never part of an error: QBO's auth fault Detail, which quotes
// the token, is dropped.
//
// # Throttling
//
// QBO allows 500 requests a minute, 10 in flight and 40 batch calls a minute per
// realm and app, whichever worker sends them. DBLimiter keeps all workers inside that
// budget through PostgreSQL rather than Temporal's task-queue rate limits because:
// Temporal limits activities per second for a whole task queue, not per realm (one
// busy company would slow every other), it cannot bound requests in flight, and one
// activity makes a varying number of calls (pages, refreshes, retries), so activity
// starts do not measure QBO requests. The database is already shared by every
// process; one function call per request takes a per-realm advisory lock, counts
// requests still in flight or finished inside the window (a sliding log, so no
// window boundary lets a double burst through), and either records a leased slot or
// says how long to wait. A request counts from its start to the moment it finished,
// so it is still counted in whatever window QBO saw it arrive in. A crashed worker's
// slot frees itself when its lease ends.
package qbo
