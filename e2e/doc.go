// Package e2e holds Hoursync's end-to-end tests: real PostgreSQL, the Temporal dev
// server `make test` starts, the QBO emulator over HTTP, and the real worker. `make
// test` runs this package on its own, serially, with an explicit time limit.
package e2e
