package intuit

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"hoursync/internal/config"
)

// Scopes Hoursync asks for: the Accounting API and the person's OpenID identity.
var defaultScopes = []string{"com.intuit.quickbooks.accounting", oidc.ScopeOpenID, "profile", "email"}

// OAuthError is a refusal from Intuit's token or revoke endpoint. It keeps only the
// RFC 6749 error code and HTTP status: the response body is never kept, so no token
// can leak through an error message.
type OAuthError struct {
	Op     string // "exchange", "refresh", "revoke"
	Status int
	Code   string // invalid_grant, invalid_client, ...
}

// Error gives the operation, Intuit's error code and the HTTP status.
func (e *OAuthError) Error() string {
	code := e.Code
	if code == "" {
		code = "unexpected response"
	}
	return fmt.Sprintf("intuit: %s: %s (HTTP %d)", e.Op, code, e.Status)
}

// Is makes errors.Is(err, ErrInvalidGrant) and errors.Is(err, ErrInvalidClient) work.
func (e *OAuthError) Is(target error) bool {
	return (target == ErrInvalidGrant && e.Code == "invalid_grant") ||
		(target == ErrInvalidClient && e.Code == "invalid_client")
}

// Sentinels for Intuit's token endpoint answers.
var (
	// ErrInvalidGrant: the code or refresh token is expired, revoked or already used.
	ErrInvalidGrant = errors.New("intuit: invalid_grant")
	// ErrInvalidClient: Hoursync's client id or secret is wrong (an operator problem,
	// not the person's).
	ErrInvalidClient = errors.New("intuit: invalid_client")
)

// OAuth talks to Intuit's OAuth 2.0 and OpenID Connect endpoints.
type OAuth struct {
	conf      oauth2.Config
	revokeURL string
	provider  *oidc.Provider
	verifier  *oidc.IDTokenVerifier
	http      *http.Client
	timeout   time.Duration
}

// NewOAuth returns the OAuth client for cfg's endpoints and app credentials.
// redirectURL is Hoursync's callback; httpClient may be nil (a 30 s timeout client).
func NewOAuth(cfg config.IntuitConfig, redirectURL string, httpClient *http.Client) (*OAuth, error) {
	if cfg.ClientID == "" || cfg.ClientSecret == "" || cfg.TokenURL == "" || cfg.AuthorizeURL == "" {
		return nil, errors.New("intuit: oauth: client id, secret, authorize and token URLs are required")
	}
	if httpClient == nil {
		httpClient = &http.Client{Timeout: 30 * time.Second}
	}
	o := &OAuth{
		conf: oauth2.Config{
			ClientID:     cfg.ClientID,
			ClientSecret: cfg.ClientSecret,
			RedirectURL:  redirectURL,
			Scopes:       defaultScopes,
			Endpoint: oauth2.Endpoint{
				AuthURL:   cfg.AuthorizeURL,
				TokenURL:  cfg.TokenURL,
				AuthStyle: oauth2.AuthStyleInHeader,
			},
		},
		revokeURL: cfg.RevokeURL,
		http:      httpClient,
		timeout:   30 * time.Second,
	}
	pc := oidc.ProviderConfig{
		IssuerURL:   cfg.Issuer,
		AuthURL:     cfg.AuthorizeURL,
		TokenURL:    cfg.TokenURL,
		UserInfoURL: cfg.UserinfoURL,
		JWKSURL:     cfg.JWKSURL,
		Algorithms:  []string{oidc.RS256},
	}
	// The provider keeps only the HTTP client from this context (go-oidc docs), so a
	// background context is right here; each call passes its own.
	o.provider = pc.NewProvider(oidc.ClientContext(context.Background(), httpClient))
	o.verifier = o.provider.Verifier(&oidc.Config{ClientID: cfg.ClientID})
	return o, nil
}

// Discover reads Intuit's OpenID discovery document at discoveryURL and returns cfg
// with its endpoints replaced (credentials kept).
func Discover(ctx context.Context, httpClient *http.Client, discoveryURL string, cfg config.IntuitConfig) (config.IntuitConfig, error) {
	if httpClient == nil {
		httpClient = &http.Client{Timeout: 30 * time.Second}
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, discoveryURL, nil)
	if err != nil {
		return cfg, fmt.Errorf("intuit: discovery: %w", err)
	}
	req.Header.Set("Accept", "application/json")
	resp, err := httpClient.Do(req)
	if err != nil {
		return cfg, fmt.Errorf("intuit: discovery: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return cfg, fmt.Errorf("intuit: discovery: HTTP %d", resp.StatusCode)
	}
	var doc struct {
		Issuer                string `json:"issuer"`
		AuthorizationEndpoint string `json:"authorization_endpoint"`
		TokenEndpoint         string `json:"token_endpoint"`
		UserinfoEndpoint      string `json:"userinfo_endpoint"`
		RevocationEndpoint    string `json:"revocation_endpoint"`
		JWKSURI               string `json:"jwks_uri"`
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&doc); err != nil {
		return cfg, fmt.Errorf("intuit: discovery: decode: %w", err)
	}
	if doc.Issuer == "" || doc.AuthorizationEndpoint == "" || doc.TokenEndpoint == "" || doc.JWKSURI == "" {
		return cfg, errors.New("intuit: discovery: document lacks issuer, authorization, token or jwks endpoint")
	}
	cfg.Issuer, cfg.AuthorizeURL, cfg.TokenURL, cfg.JWKSURL = doc.Issuer, doc.AuthorizationEndpoint, doc.TokenEndpoint, doc.JWKSURI
	if doc.UserinfoEndpoint != "" {
		cfg.UserinfoURL = doc.UserinfoEndpoint
	}
	if doc.RevocationEndpoint != "" {
		cfg.RevokeURL = doc.RevocationEndpoint
	}
	return cfg, nil
}

// AuthCodeURL is the Intuit consent URL asking for the Accounting API and the
// person's OpenID identity. state must be unguessable and checked on the callback;
// nonce (optional) is echoed in the ID token and checked by Exchange.
func (o *OAuth) AuthCodeURL(state, nonce string) string {
	if nonce == "" {
		return o.conf.AuthCodeURL(state)
	}
	return o.conf.AuthCodeURL(state, oidc.Nonce(nonce))
}

// Grant is the result of the authorization-code exchange.
type Grant struct {
	Token *oauth2.Token
	// ID is the verified ID token's identity (nil when Intuit sent no ID token).
	ID *Identity
}

// Identity is what a verified ID token says about the person.
type Identity struct {
	Subject string
	Email   string
	RealmID string
	Nonce   string
	Expiry  time.Time
}

func (o *OAuth) ctx(ctx context.Context) (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithTimeout(ctx, o.timeout)
	tokenClient := *o.http
	tokenClient.Transport = hardExpiryTransport{base: o.http.Transport}
	return context.WithValue(ctx, oauth2.HTTPClient, &tokenClient), cancel
}

// hardExpiryTransport asks Intuit's token endpoint for the grant's hard expiry (the
// five-year maximum announced in 2025): the answer then carries
// x_refresh_token_hard_expires_in, stored with the tokens so the person is asked to
// reconnect before it passes.
type hardExpiryTransport struct{ base http.RoundTripper }

func (t hardExpiryTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("x-include-refresh-token-hard-expires-in", "true")
	base := t.base
	if base == nil {
		base = http.DefaultTransport
	}
	return base.RoundTrip(r)
}

// Exchange trades the callback's code for tokens and verifies the ID token (and its
// nonce, when nonce is not empty: then an ID token is required).
func (o *OAuth) Exchange(ctx context.Context, code, nonce string) (*Grant, error) {
	cctx, cancel := o.ctx(ctx)
	defer cancel()
	tok, err := o.conf.Exchange(cctx, code)
	if err != nil {
		return nil, tokenError("exchange", err)
	}
	g := &Grant{Token: tok}
	raw, _ := tok.Extra("id_token").(string)
	if raw == "" {
		if nonce != "" {
			return nil, errors.New("intuit: exchange: no ID token in the answer")
		}
		return g, nil
	}
	if g.ID, err = o.VerifyIDToken(ctx, raw); err != nil {
		return nil, err
	}
	if nonce != "" && g.ID.Nonce != nonce {
		return nil, errors.New("intuit: exchange: ID token nonce does not match")
	}
	return g, nil
}

// Refresh redeems refreshToken for new tokens. Intuit rotates refresh tokens: the
// answer's RefreshToken replaces the old one, which must be saved before anything else.
func (o *OAuth) Refresh(ctx context.Context, refreshToken string) (*oauth2.Token, error) {
	if refreshToken == "" {
		return nil, &OAuthError{Op: "refresh", Code: "invalid_grant"}
	}
	cctx, cancel := o.ctx(ctx)
	defer cancel()
	tok, err := o.conf.TokenSource(cctx, &oauth2.Token{RefreshToken: refreshToken}).Token()
	if err != nil {
		return nil, tokenError("refresh", err)
	}
	if tok.RefreshToken == "" {
		tok.RefreshToken = refreshToken
	}
	return tok, nil
}

// Revoke revokes the grant token belongs to (access or refresh token) at Intuit.
func (o *OAuth) Revoke(ctx context.Context, token string) error {
	if o.revokeURL == "" {
		return errors.New("intuit: revoke: no revoke URL configured")
	}
	ctx, cancel := context.WithTimeout(ctx, o.timeout)
	defer cancel()
	body, _ := json.Marshal(map[string]string{"token": token})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, o.revokeURL, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("intuit: revoke: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	req.SetBasicAuth(url.QueryEscape(o.conf.ClientID), url.QueryEscape(o.conf.ClientSecret))
	resp, err := o.http.Do(req)
	if err != nil {
		return fmt.Errorf("intuit: revoke: %s", transportMessage(err))
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode == http.StatusOK {
		return nil
	}
	var e struct {
		Error string `json:"error"`
	}
	_ = json.Unmarshal(b, &e)
	return &OAuthError{Op: "revoke", Status: resp.StatusCode, Code: e.Error}
}

// VerifyIDToken checks raw's signature against the JWKS, its issuer, audience (our
// client id) and expiry, and returns who it names.
func (o *OAuth) VerifyIDToken(ctx context.Context, raw string) (*Identity, error) {
	ctx, cancel := context.WithTimeout(ctx, o.timeout)
	defer cancel()
	idt, err := o.verifier.Verify(oidc.ClientContext(ctx, o.http), raw)
	if err != nil {
		return nil, fmt.Errorf("intuit: verify id token: %w", err)
	}
	var claims struct {
		Email   string `json:"email"`
		RealmID string `json:"realmid"`
	}
	if err := idt.Claims(&claims); err != nil {
		return nil, fmt.Errorf("intuit: id token claims: %w", err)
	}
	return &Identity{Subject: idt.Subject, Email: claims.Email, RealmID: claims.RealmID, Nonce: idt.Nonce, Expiry: idt.Expiry}, nil
}

// UserInfo is the person's profile from Intuit's userinfo endpoint.
type UserInfo struct {
	Subject       string `json:"sub"`
	Email         string `json:"email"`
	EmailVerified bool   `json:"emailVerified"`
	GivenName     string `json:"givenName"`
	FamilyName    string `json:"familyName"`
}

// UserInfo fetches the profile of the person tok was granted by.
func (o *OAuth) UserInfo(ctx context.Context, tok *oauth2.Token) (*UserInfo, error) {
	ctx, cancel := context.WithTimeout(ctx, o.timeout)
	defer cancel()
	ui, err := o.provider.UserInfo(oidc.ClientContext(ctx, o.http), oauth2.StaticTokenSource(tok))
	if err != nil {
		// go-oidc quotes the response body; keep only that it failed.
		return nil, errors.New("intuit: userinfo: request failed")
	}
	out := &UserInfo{Subject: ui.Subject, Email: ui.Email, EmailVerified: ui.EmailVerified}
	var extra struct {
		GivenName  string `json:"givenName"`
		FamilyName string `json:"familyName"`
		Given      string `json:"given_name"`
		Family     string `json:"family_name"`
		Verified   bool   `json:"emailVerified"` // Intuit's spelling of email_verified
	}
	if ui.Claims(&extra) == nil {
		out.GivenName, out.FamilyName = firstNonEmpty(extra.GivenName, extra.Given), firstNonEmpty(extra.FamilyName, extra.Family)
		out.EmailVerified = out.EmailVerified || extra.Verified
	}
	return out, nil
}

func firstNonEmpty(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// tokenError turns an oauth2 error into an *OAuthError (or a transport error) that
// carries no part of the response body.
func tokenError(op string, err error) error {
	var re *oauth2.RetrieveError
	if errors.As(err, &re) {
		status := 0
		if re.Response != nil {
			status = re.Response.StatusCode
		}
		return &OAuthError{Op: op, Status: status, Code: re.ErrorCode}
	}
	return fmt.Errorf("intuit: %s: %s", op, transportMessage(err))
}

// transportMessage describes a failed HTTP exchange by its cause only.
func transportMessage(err error) string {
	var ue *url.Error
	if errors.As(err, &ue) {
		return strings.TrimSpace(ue.Op + " " + redactHost(ue.URL) + ": " + ue.Err.Error())
	}
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		return err.Error()
	}
	return "token endpoint answered with an unreadable response"
}

func redactHost(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return ""
	}
	return u.Scheme + "://" + u.Host + u.Path
}
