// Package intuit connects Hoursync accounts to QuickBooks Online through Intuit's
// OAuth 2.0 and OpenID Connect, and keeps the connection's tokens.
//
// OAuth (golang.org/x/oauth2) builds the consent URL, exchanges the code, refreshes
// and revokes; ID tokens are verified against Intuit's JWKS (issuer, audience, expiry)
// with go-oidc. Every endpoint comes from config.IntuitConfig; Discover fills it from
// Intuit's discovery document.
//
// Connections keeps one connection per account (a qbo_connections row, read and
// written only through internal/store) with both tokens encrypted here by AES-256-GCM
// (key id beside the ciphertext, so keys rotate; the store sees only ciphertext) and
// hands out TokenSources. A refresh happens ahead of expiry or after a 401, and only
// one per connection at a time across every process: inside store.LockConnection the
// row is locked with SELECT … FOR UPDATE, re-read, refreshed only if still needed, and
// Intuit's rotated refresh token is committed in the same transaction. invalid_grant sets the connection to
// needs_reconnect and returns a *ReconnectError ("Reconnect QuickBooks"), which must
// not be retried. Tokens never appear in logs or errors: Intuit's error bodies are
// reduced to their error code.
package intuit
