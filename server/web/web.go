// Package web holds the web UI's templates and static assets, embedded in the binary:
// server-rendered pages that work without JavaScript, with a small script for
// confirmations, select-all and live sync progress.
package web

import "embed"

// FS holds templates/*.html and static/*.
//
//go:embed templates static
var FS embed.FS
