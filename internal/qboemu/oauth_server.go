package qboemu

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/subtle"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"html/template"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	jose "github.com/go-jose/go-jose/v4"
)

// Lifetimes Intuit grants, divided by the time scale.
const (
	accessLifetime  = time.Hour
	refreshLifetime = 8726400 * time.Second // ~101 days, rolling
	codeLifetime    = 10 * time.Minute
	consentCookie   = "qboemu_consent"
)

// oauthServer is the emulated Intuit OAuth 2.0 / OpenID Connect server: authorize
// (consent page or a pre-answered consent), token endpoint with rotating refresh
// tokens, revoke, userinfo, discovery and JWKS, on Intuit's paths.
type oauthServer struct {
	e            *Emulator
	baseURL      string
	clientID     string
	clientSecret string
	timeScale    float64
	refreshGrace time.Duration
	now          func() time.Time
	key          *rsa.PrivateKey
	kid          string

	mu       sync.Mutex
	grants   map[string]*oauthGrant
	access   map[string]oauthToken
	refresh  map[string]oauthToken
	codes    map[string]authCode
	consents map[string]presetConsent // by client id; "" answers any client
	stats    oauthStats
}

type oauthGrant struct {
	ID       string    `json:"id"`
	RealmID  string    `json:"realmId"`
	ClientID string    `json:"clientId"`
	Scope    string    `json:"scope"`
	Person   AdminUser `json:"person"`
	Revoked  bool      `json:"revoked,omitempty"`
	// HardExpires is when the grant ends whatever its refresh token says: Intuit's
	// five-year maximum (2025 policy). Zero in state files written before it.
	HardExpires time.Time `json:"hardExpires,omitzero"`
}

// hardLifetime is the longest a grant lives (Intuit: 5 years from the consent).
const hardLifetime = 5 * 365 * 24 * time.Hour

// hardExpiryHeader asks the token endpoint to report the grant's hard expiry.
const hardExpiryHeader = "x-include-refresh-token-hard-expires-in"

type oauthToken struct {
	GrantID string    `json:"grantId"`
	Expires time.Time `json:"expires"`
	// Replaced is when a refresh token was rotated away (zero while current).
	Replaced time.Time `json:"replaced,omitzero"`
}

type authCode struct {
	RealmID, ClientID, Scope, RedirectURI, Nonce string
	Person                                       AdminUser
	Expires                                      time.Time
	Used                                         bool
}

type presetConsent struct {
	RealmID string     `json:"realmId"`
	Approve bool       `json:"approve"`
	Person  *AdminUser `json:"person"`
}

type oauthStats struct {
	TokenCalls          map[string]int `json:"tokenCalls"`
	InvalidGrant        map[string]int `json:"invalidGrant"`
	ReplacedRefreshUses int            `json:"replacedRefreshUses"`
	TokensIssued        int            `json:"tokensIssued"`
	Revocations         int            `json:"revocations"`
}

func newOAuthServer(opts Options, e *Emulator) (*oauthServer, error) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, fmt.Errorf("qboemu: oauth signing key: %w", err)
	}
	s := &oauthServer{e: e, baseURL: opts.BaseURL, clientID: opts.ClientID, clientSecret: opts.ClientSecret,
		timeScale: opts.TimeScale, refreshGrace: opts.RefreshGrace, now: opts.Now, key: key}
	s.kid = keyID(key)
	s.resetLocked("")
	return s, nil
}

func keyID(key *rsa.PrivateKey) string {
	sum := sha256.Sum256(x509.MarshalPKCS1PublicKey(&key.PublicKey))
	return hex.EncodeToString(sum[:8])
}

func (s *oauthServer) scaled(d time.Duration) time.Duration {
	out := time.Duration(float64(d) / s.timeScale)
	if out < time.Second {
		out = time.Second
	}
	return out
}

func (s *oauthServer) register(mux *http.ServeMux) {
	mux.HandleFunc("GET /connect/oauth2", s.authorize)
	mux.HandleFunc("POST /connect/oauth2", s.consentAnswer)
	mux.HandleFunc("POST /admin/consent", s.presetConsent)
	mux.HandleFunc("POST /oauth2/v1/tokens/bearer", s.token)
	mux.HandleFunc("POST /v2/oauth2/tokens/revoke", s.revokeEndpoint)
	mux.HandleFunc("GET /v1/openid_connect/userinfo", s.userinfo)
	mux.HandleFunc("GET /.well-known/openid_configuration", s.discovery)
	mux.HandleFunc("GET /.well-known/openid-configuration", s.discovery)
	mux.HandleFunc("GET /op/v1/jwks", s.jwks)
}

func (s *oauthServer) base(r *http.Request) string {
	if s.baseURL != "" {
		return s.baseURL
	}
	return "http://" + r.Host
}

func oauthJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json;charset=UTF-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Pragma", "no-cache")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// loopbackRedirect accepts the default app's redirect URIs: http(s) on a loopback
// host, any port, as a development app registered with Intuit would list them.
func loopbackRedirect(raw string) bool {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Fragment != "" {
		return false
	}
	host := u.Hostname()
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// authRequest is a validated authorize request.
type authRequest struct {
	ClientID, RedirectURI, Scope, State, Nonce string
}

func (s *oauthServer) parseAuthRequest(v url.Values) (authRequest, string) {
	ar := authRequest{ClientID: v.Get("client_id"), RedirectURI: v.Get("redirect_uri"), Scope: v.Get("scope"),
		State: v.Get("state"), Nonce: v.Get("nonce")}
	switch {
	case ar.ClientID != s.clientID:
		return ar, "The app's client_id is not registered."
	case !loopbackRedirect(ar.RedirectURI):
		return ar, "The redirect_uri is not registered for this app."
	case v.Get("response_type") != "" && v.Get("response_type") != "code":
		return ar, "response_type must be code."
	case strings.TrimSpace(ar.Scope) == "":
		return ar, "The scope is missing."
	}
	return ar, ""
}

func redirectWith(w http.ResponseWriter, r *http.Request, target string, params url.Values) {
	u, _ := url.Parse(target)
	q := u.Query()
	for k, vs := range params {
		for _, v := range vs {
			q.Add(k, v)
		}
	}
	u.RawQuery = q.Encode()
	http.Redirect(w, r, u.String(), http.StatusFound)
}

func (s *oauthServer) authorize(w http.ResponseWriter, r *http.Request) {
	ar, problem := s.parseAuthRequest(r.URL.Query())
	if problem != "" {
		s.errorPage(w, problem)
		return
	}
	s.mu.Lock()
	pre, ok := s.consents[ar.ClientID]
	if ok {
		delete(s.consents, ar.ClientID)
	} else if pre, ok = s.consents[""]; ok {
		delete(s.consents, "")
	}
	s.mu.Unlock()
	if ok {
		if !pre.Approve {
			redirectWith(w, r, ar.RedirectURI, url.Values{"error": {"access_denied"}, "state": {ar.State}})
			return
		}
		realm := pre.RealmID
		if realm == "" {
			if cs := s.companies(); len(cs) > 0 {
				realm = cs[0].RealmID
			}
		}
		person, found := s.adminOf(realm)
		if !found {
			s.errorPage(w, "The pre-answered consent names no company of this emulator.")
			return
		}
		if pre.Person != nil {
			person = *pre.Person
		}
		s.approve(w, r, ar, realm, person)
		return
	}
	csrf := randomHex(16)
	http.SetCookie(w, &http.Cookie{Name: consentCookie, Value: csrf, Path: "/connect/oauth2", HttpOnly: true, SameSite: http.SameSiteLaxMode})
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	_ = consentPage.Execute(w, map[string]any{"Req": ar, "CSRF": csrf, "Companies": s.companies(),
		"Scopes": strings.Fields(ar.Scope), "Plans": []string{PlanSimpleStart, PlanEssentials, PlanPlus, PlanAdvanced}, "Kinds": kindOptions()})
}

func (s *oauthServer) consentAnswer(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		s.errorPage(w, "The consent form could not be read.")
		return
	}
	ar, problem := s.parseAuthRequest(r.PostForm)
	if problem != "" {
		s.errorPage(w, problem)
		return
	}
	c, err := r.Cookie(consentCookie)
	if err != nil || subtle.ConstantTimeCompare([]byte(c.Value), []byte(r.PostForm.Get("csrf"))) != 1 {
		s.errorPage(w, "This consent form expired; start the connection again.")
		return
	}
	if r.PostForm.Get("decision") != "approve" {
		redirectWith(w, r, ar.RedirectURI, url.Values{"error": {"access_denied"}, "state": {ar.State}})
		return
	}
	realm := r.PostForm.Get("realm")
	if realm == "new" {
		admin := AdminUser{GivenName: strings.TrimSpace(r.PostForm.Get("given_name")), FamilyName: strings.TrimSpace(r.PostForm.Get("family_name")),
			Email: strings.TrimSpace(r.PostForm.Get("email"))}
		setup := companySetup{Name: r.PostForm.Get("company_name"), Plan: r.PostForm.Get("plan"), Kind: r.PostForm.Get("kind"),
			MultiCurrency: r.PostForm.Get("multicurrency") == "on", Admin: admin}
		if realm, err = s.e.createCompanyWith(setup); err != nil {
			s.errorPage(w, "The company could not be created: "+err.Error())
			return
		}
	}
	person, found := s.adminOf(realm)
	if !found {
		s.errorPage(w, "Choose a company to connect.")
		return
	}
	s.approve(w, r, ar, realm, person)
}

func (s *oauthServer) approve(w http.ResponseWriter, r *http.Request, ar authRequest, realm string, person AdminUser) {
	code := "AB" + randomHex(24)
	s.mu.Lock()
	s.codes[code] = authCode{RealmID: realm, ClientID: ar.ClientID, Scope: ar.Scope, RedirectURI: ar.RedirectURI,
		Nonce: ar.Nonce, Person: person, Expires: s.now().Add(s.scaled(codeLifetime))}
	s.mu.Unlock()
	redirectWith(w, r, ar.RedirectURI, url.Values{"code": {code}, "state": {ar.State}, "realmId": {realm}})
}

func (s *oauthServer) presetConsent(w http.ResponseWriter, r *http.Request) {
	var in struct {
		presetConsent
		ClientID string `json:"clientId"`
	}
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20)).Decode(&in); err != nil {
		oauthJSON(w, http.StatusBadRequest, map[string]string{"error": "body must be JSON {realmId, approve, clientId?, person?}"})
		return
	}
	if in.RealmID != "" {
		if _, ok := s.adminOf(in.RealmID); !ok {
			oauthJSON(w, http.StatusNotFound, map[string]string{"error": "no company " + in.RealmID})
			return
		}
	}
	s.mu.Lock()
	s.consents[in.ClientID] = in.presetConsent
	s.mu.Unlock()
	oauthJSON(w, http.StatusCreated, map[string]any{"realmId": in.RealmID, "approve": in.Approve})
}

// clientAuth checks HTTP Basic or client_secret_post credentials.
func (s *oauthServer) clientAuth(r *http.Request) (string, bool) {
	id, secret, ok := r.BasicAuth()
	if !ok {
		id, secret = r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
	}
	good := subtle.ConstantTimeCompare([]byte(id), []byte(s.clientID)) == 1 &&
		subtle.ConstantTimeCompare([]byte(secret), []byte(s.clientSecret)) == 1
	return id, good
}

func (s *oauthServer) invalidGrant(w http.ResponseWriter, reason string) {
	s.stats.InvalidGrant[reason]++
	oauthJSON(w, http.StatusBadRequest, map[string]string{"error": "invalid_grant"})
}

func (s *oauthServer) token(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		oauthJSON(w, http.StatusBadRequest, map[string]string{"error": "invalid_request"})
		return
	}
	clientID, ok := s.clientAuth(r)
	if !ok {
		w.Header().Set("WWW-Authenticate", `Basic realm="Intuit"`)
		oauthJSON(w, http.StatusUnauthorized, map[string]string{"error": "invalid_client"})
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	grantType := r.PostForm.Get("grant_type")
	s.stats.TokenCalls[grantType]++
	now := s.now()
	switch grantType {
	case "authorization_code":
		code, found := s.codes[r.PostForm.Get("code")]
		switch {
		case !found:
			s.invalidGrant(w, "unknown_code")
			return
		case code.Used:
			s.invalidGrant(w, "reused_code")
			return
		case !now.Before(code.Expires):
			s.invalidGrant(w, "expired_code")
			return
		case code.ClientID != clientID || code.RedirectURI != r.PostForm.Get("redirect_uri"):
			s.invalidGrant(w, "redirect_uri_mismatch")
			return
		}
		code.Used = true
		s.codes[r.PostForm.Get("code")] = code
		g := &oauthGrant{ID: randomHex(12), RealmID: code.RealmID, ClientID: clientID, Scope: code.Scope, Person: code.Person,
			HardExpires: now.Add(s.scaled(hardLifetime))}
		s.grants[g.ID] = g
		oauthJSON(w, http.StatusOK, s.withHardExpiry(r, g, s.issueLocked(g, s.base(r), code.Nonce)))
	case "refresh_token":
		raw := r.PostForm.Get("refresh_token")
		t, found := s.refresh[raw]
		if !found {
			s.invalidGrant(w, "unknown_refresh_token")
			return
		}
		g := s.grants[t.GrantID]
		switch {
		case g == nil || g.Revoked:
			s.invalidGrant(w, "revoked")
			return
		case g.ClientID != clientID:
			s.invalidGrant(w, "other_client")
			return
		case !now.Before(t.Expires):
			s.invalidGrant(w, "expired_refresh_token")
			return
		case !g.HardExpires.IsZero() && !now.Before(g.HardExpires):
			s.invalidGrant(w, "hard_expired")
			return
		}
		if !t.Replaced.IsZero() {
			// Every use of a rotated-away token is counted: a client that loses the new
			// token it was handed shows up here even inside the grace.
			s.stats.ReplacedRefreshUses++
			if now.Sub(t.Replaced) >= s.refreshGrace {
				s.invalidGrant(w, "replaced_refresh_token")
				return
			}
		} else {
			t.Replaced = now
			s.refresh[raw] = t
		}
		oauthJSON(w, http.StatusOK, s.withHardExpiry(r, g, s.issueLocked(g, s.base(r), "")))
	default:
		oauthJSON(w, http.StatusBadRequest, map[string]string{"error": "unsupported_grant_type"})
	}
}

// withHardExpiry adds x_refresh_token_hard_expires_in when the request asked for it
// with the x-include-refresh-token-hard-expires-in header (NOTES §6).
func (s *oauthServer) withHardExpiry(r *http.Request, g *oauthGrant, out map[string]any) map[string]any {
	if !strings.EqualFold(r.Header.Get(hardExpiryHeader), "true") || g.HardExpires.IsZero() {
		return out
	}
	out["x_refresh_token_hard_expires_in"] = max(int64(g.HardExpires.Sub(s.now())/time.Second), 0)
	return out
}

// setHardExpiry moves the hard expiry of every grant of the realm (admin API: tests
// play a connection whose five years are nearly over).
func (s *oauthServer) setHardExpiry(realmID string, at time.Time) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, g := range s.grants {
		if g.RealmID == realmID {
			g.HardExpires = at
			n++
		}
	}
	return n
}

// issueLocked mints an access token and a new refresh token for the grant.
func (s *oauthServer) issueLocked(g *oauthGrant, base, nonce string) map[string]any {
	now := s.now()
	access, refresh := randomHex(32), "RT1-"+randomHex(24)
	accessTTL, refreshTTL := s.scaled(accessLifetime), s.scaled(refreshLifetime)
	s.access[access] = oauthToken{GrantID: g.ID, Expires: now.Add(accessTTL)}
	s.refresh[refresh] = oauthToken{GrantID: g.ID, Expires: now.Add(refreshTTL)}
	s.stats.TokensIssued++
	out := map[string]any{
		"token_type": "bearer", "access_token": access, "expires_in": int64(accessTTL / time.Second),
		"refresh_token": refresh, "x_refresh_token_expires_in": int64(refreshTTL / time.Second),
	}
	if slices.Contains(strings.Fields(g.Scope), "openid") && base != "" {
		if idt, err := s.idToken(g, base, nonce, now, accessTTL); err == nil {
			out["id_token"] = idt
		}
	}
	return out
}

func subjectOf(p AdminUser) string {
	sum := sha256.Sum256([]byte(strings.ToLower(strings.TrimSpace(p.Email)) + "\x00" + p.GivenName + "\x00" + p.FamilyName))
	h := hex.EncodeToString(sum[:16])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}

func (s *oauthServer) idToken(g *oauthGrant, base, nonce string, now time.Time, ttl time.Duration) (string, error) {
	claims := map[string]any{"iss": base + "/op/v1", "aud": []string{g.ClientID}, "sub": subjectOf(g.Person),
		"email": g.Person.Email, "email_verified": true, "realmid": g.RealmID,
		"iat": now.Unix(), "exp": now.Add(ttl).Unix(), "auth_time": now.Unix()}
	if nonce != "" {
		claims["nonce"] = nonce
	}
	payload, err := json.Marshal(claims)
	if err != nil {
		return "", err
	}
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: s.key},
		(&jose.SignerOptions{}).WithType("JWT").WithHeader("kid", s.kid))
	if err != nil {
		return "", err
	}
	jws, err := signer.Sign(payload)
	if err != nil {
		return "", err
	}
	return jws.CompactSerialize()
}

func (s *oauthServer) revokeEndpoint(w http.ResponseWriter, r *http.Request) {
	var token string
	if strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
		var in struct {
			Token string `json:"token"`
		}
		if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20)).Decode(&in); err != nil {
			oauthJSON(w, http.StatusBadRequest, map[string]string{"error": "invalid_request"})
			return
		}
		token = in.Token
	} else if err := r.ParseForm(); err == nil {
		token = r.PostForm.Get("token")
	}
	if _, ok := s.clientAuth(r); !ok {
		oauthJSON(w, http.StatusUnauthorized, map[string]string{"error": "invalid_client"})
		return
	}
	if token == "" {
		oauthJSON(w, http.StatusBadRequest, map[string]string{"error": "invalid_request"})
		return
	}
	s.mu.Lock()
	grantID := s.access[token].GrantID
	if grantID == "" {
		grantID = s.refresh[token].GrantID
	}
	if g := s.grants[grantID]; g != nil {
		s.revokeGrantLocked(g)
	}
	s.mu.Unlock()
	w.WriteHeader(http.StatusOK)
}

// revokeGrantLocked ends the whole grant: every access and refresh token of it.
func (s *oauthServer) revokeGrantLocked(g *oauthGrant) {
	g.Revoked = true
	s.stats.Revocations++
	for k, t := range s.access {
		if t.GrantID == g.ID {
			delete(s.access, k)
		}
	}
}

func (s *oauthServer) userinfo(w http.ResponseWriter, r *http.Request) {
	tok, _ := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	s.mu.Lock()
	t, ok := s.access[tok]
	g := s.grants[t.GrantID]
	s.mu.Unlock()
	if !ok || g == nil || g.Revoked || !s.now().Before(t.Expires) || !slices.Contains(strings.Fields(g.Scope), "openid") {
		w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token"`)
		oauthJSON(w, http.StatusUnauthorized, map[string]string{"error": "invalid_token"})
		return
	}
	oauthJSON(w, http.StatusOK, map[string]any{"sub": subjectOf(g.Person), "email": g.Person.Email, "emailVerified": true,
		"givenName": g.Person.GivenName, "familyName": g.Person.FamilyName})
}

func (s *oauthServer) discovery(w http.ResponseWriter, r *http.Request) {
	b := s.base(r)
	oauthJSON(w, http.StatusOK, map[string]any{
		"issuer": b + "/op/v1", "authorization_endpoint": b + "/connect/oauth2", "token_endpoint": b + "/oauth2/v1/tokens/bearer",
		"userinfo_endpoint": b + "/v1/openid_connect/userinfo", "revocation_endpoint": b + "/v2/oauth2/tokens/revoke",
		"jwks_uri": b + "/op/v1/jwks", "response_types_supported": []string{"code"}, "subject_types_supported": []string{"public"},
		"id_token_signing_alg_values_supported": []string{"RS256"},
		"scopes_supported":                      []string{"openid", "email", "profile", "address", "phone"},
		"token_endpoint_auth_methods_supported": []string{"client_secret_post", "client_secret_basic"},
		"claims_supported":                      []string{"aud", "exp", "iat", "iss", "realmid", "sub"},
	})
}

func (s *oauthServer) jwks(w http.ResponseWriter, _ *http.Request) {
	oauthJSON(w, http.StatusOK, jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: &s.key.PublicKey, KeyID: s.kid, Algorithm: "RS256", Use: "sig"}}})
}

// The authority interface, as the Accounting API and admin API use it.

func (s *oauthServer) authenticate(accessToken string) (grant, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, ok := s.access[accessToken]
	g := s.grants[t.GrantID]
	if !ok || g == nil || g.Revoked {
		return grant{}, errTokenUnknown
	}
	if !s.now().Before(t.Expires) {
		return grant{}, errTokenExpired
	}
	return grant{realmID: g.RealmID, clientID: g.ClientID}, nil
}

func (s *oauthServer) issue(realmID, clientID, scope string) (any, error) {
	person, ok := s.adminOf(realmID)
	if !ok {
		return nil, fmt.Errorf("qboemu: no company %s", realmID)
	}
	if clientID == "" {
		clientID = s.clientID
	}
	if scope == "" {
		scope = "com.intuit.quickbooks.accounting"
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	g := &oauthGrant{ID: randomHex(12), RealmID: realmID, ClientID: clientID, Scope: scope, Person: person,
		HardExpires: s.now().Add(s.scaled(hardLifetime))}
	s.grants[g.ID] = g
	out := s.issueLocked(g, s.baseURL, "")
	out["x_refresh_token_hard_expires_in"] = int64(g.HardExpires.Sub(s.now()) / time.Second)
	return out, nil
}

func (s *oauthServer) expire(realmID string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	for k, t := range s.access {
		if g := s.grants[t.GrantID]; g != nil && (realmID == "" || g.RealmID == realmID) {
			t.Expires = now
			s.access[k] = t
		}
	}
}

func (s *oauthServer) revoke(realmID string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, g := range s.grants {
		if !g.Revoked && (realmID == "" || g.RealmID == realmID) {
			s.revokeGrantLocked(g)
		}
	}
}

func (s *oauthServer) counters() map[string]any {
	s.mu.Lock()
	defer s.mu.Unlock()
	return map[string]any{"tokenCalls": s.stats.TokenCalls, "invalidGrant": s.stats.InvalidGrant,
		"replacedRefreshUses": s.stats.ReplacedRefreshUses, "tokensIssued": s.stats.TokensIssued, "revocations": s.stats.Revocations}
}

type oauthState struct {
	Key     string                 `json:"key"`
	Grants  map[string]*oauthGrant `json:"grants"`
	Access  map[string]oauthToken  `json:"access"`
	Refresh map[string]oauthToken  `json:"refresh"`
}

func (s *oauthServer) snapshot() ([]byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	keyPEM := pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(s.key)})
	b, err := json.Marshal(oauthState{Key: base64.StdEncoding.EncodeToString(keyPEM), Grants: s.grants, Access: s.access, Refresh: s.refresh})
	if err != nil {
		return nil, fmt.Errorf("qboemu: snapshot oauth: %w", err)
	}
	return b, nil
}

func (s *oauthServer) restore(data []byte) error {
	var st oauthState
	if err := json.Unmarshal(data, &st); err != nil {
		return fmt.Errorf("qboemu: restore oauth: %w", err)
	}
	if st.Key == "" {
		return nil // state from before the OAuth server: start fresh
	}
	raw, err := base64.StdEncoding.DecodeString(st.Key)
	if err != nil {
		return fmt.Errorf("qboemu: restore oauth key: %w", err)
	}
	block, _ := pem.Decode(raw)
	if block == nil {
		return errors.New("qboemu: restore oauth key: no PEM block")
	}
	key, err := x509.ParsePKCS1PrivateKey(block.Bytes)
	if err != nil {
		return fmt.Errorf("qboemu: restore oauth key: %w", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.key, s.kid = key, keyID(key)
	s.grants, s.access, s.refresh = st.Grants, st.Access, st.Refresh
	if s.grants == nil {
		s.grants = map[string]*oauthGrant{}
	}
	if s.access == nil {
		s.access = map[string]oauthToken{}
	}
	if s.refresh == nil {
		s.refresh = map[string]oauthToken{}
	}
	return nil
}

func (s *oauthServer) reset(realmID string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.resetLocked(realmID)
}

func (s *oauthServer) resetLocked(realmID string) {
	if realmID == "" || s.grants == nil {
		s.grants, s.access, s.refresh = map[string]*oauthGrant{}, map[string]oauthToken{}, map[string]oauthToken{}
		s.codes, s.consents = map[string]authCode{}, map[string]presetConsent{}
		s.stats = oauthStats{TokenCalls: map[string]int{}, InvalidGrant: map[string]int{}}
		return
	}
	for id, g := range s.grants {
		if g.RealmID != realmID {
			continue
		}
		delete(s.grants, id)
		for k, t := range s.access {
			if t.GrantID == id {
				delete(s.access, k)
			}
		}
		for k, t := range s.refresh {
			if t.GrantID == id {
				delete(s.refresh, k)
			}
		}
	}
}

// companies lists the emulator's companies by name, for the consent page.
func (s *oauthServer) companies() []*company {
	s.e.mu.RLock()
	defer s.e.mu.RUnlock()
	out := make([]*company, 0, len(s.e.companies))
	for _, c := range s.e.companies {
		out = append(out, c)
	}
	slices.SortFunc(out, func(a, b *company) int { return strings.Compare(a.Name+a.RealmID, b.Name+b.RealmID) })
	return out
}

func (s *oauthServer) adminOf(realmID string) (AdminUser, bool) {
	s.e.mu.RLock()
	defer s.e.mu.RUnlock()
	c := s.e.companies[realmID]
	if c == nil {
		return AdminUser{}, false
	}
	return c.Admin, true
}

func (s *oauthServer) errorPage(w http.ResponseWriter, msg string) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(http.StatusBadRequest)
	_ = errorPage.Execute(w, msg)
}

func randomHex(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(fmt.Sprintf("qboemu: random: %v", err))
	}
	return hex.EncodeToString(b)
}

const pageStyle = `<style>
body{font:16px/1.5 system-ui,sans-serif;background:#f4f6f8;color:#1b2430;margin:0}
main{max-width:34rem;margin:3rem auto;background:#fff;border:1px solid #d8dee6;border-radius:10px;padding:2rem}
h1{font-size:1.4rem;margin-top:0}.app{color:#0b6b3a;font-weight:600}
fieldset{border:1px solid #d8dee6;border-radius:8px;margin:1rem 0;padding:1rem}
label{display:block;margin:.35rem 0}input[type=text],input[type=email],select{width:100%;padding:.45rem;border:1px solid #aab4c0;border-radius:6px;box-sizing:border-box}
.actions{display:flex;gap:.75rem;margin-top:1.25rem}
button{font:inherit;padding:.55rem 1.2rem;border-radius:6px;border:1px solid #0b6b3a;cursor:pointer}
button.approve{background:#0b6b3a;color:#fff}button.deny{background:#fff;color:#1b2430;border-color:#aab4c0}
button:focus,input:focus,select:focus{outline:3px solid #7cc4a0;outline-offset:1px}
.note{color:#5b6775;font-size:.9rem}</style>`

var consentPage = template.Must(template.New("consent").Parse(`<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1"><title>Connect to QuickBooks (emulator)</title>` + pageStyle + `</head><body><main>
<h1><span class="app">{{.Req.ClientID}}</span> wants to connect to your QuickBooks company</h1>
<p>It asks for:</p><ul>{{range .Scopes}}<li><code>{{.}}</code></li>{{end}}</ul>
<form method="post" action="/connect/oauth2">
<input type="hidden" name="client_id" value="{{.Req.ClientID}}"><input type="hidden" name="redirect_uri" value="{{.Req.RedirectURI}}">
<input type="hidden" name="scope" value="{{.Req.Scope}}"><input type="hidden" name="state" value="{{.Req.State}}">
<input type="hidden" name="nonce" value="{{.Req.Nonce}}"><input type="hidden" name="response_type" value="code">
<input type="hidden" name="csrf" value="{{.CSRF}}">
<fieldset><legend>Company</legend>
{{range $i, $c := .Companies}}<label><input type="radio" name="realm" value="{{$c.RealmID}}"{{if eq $i 0}} checked{{end}}> {{$c.Name}} <span class="note">({{$c.Plan}}, {{$c.KindLabel}}, realm {{$c.RealmID}})</span></label>{{end}}
<label><input type="radio" name="realm" value="new"{{if not .Companies}} checked{{end}}> A new company…</label>
</fieldset>
<fieldset><legend>New company (only when "A new company" is chosen)</legend>
<label>Company name <input type="text" name="company_name" autocomplete="organization"></label>
<label>Plan <select name="plan">{{range .Plans}}<option{{if eq . "Essentials"}} selected{{end}}>{{.}}</option>{{end}}</select></label>
<label>Country and sales tax <select name="kind">{{range .Kinds}}<option value="{{.Value}}"{{if eq .Value "US"}} selected{{end}}>{{.Label}}</option>{{end}}</select></label>
<label><input type="checkbox" name="multicurrency"> Multicurrency (not with Simple Start; cannot be turned off)</label>
<label>Your first name <input type="text" name="given_name" autocomplete="given-name"></label>
<label>Your last name <input type="text" name="family_name" autocomplete="family-name"></label>
<label>Your e-mail <input type="email" name="email" autocomplete="email"></label>
</fieldset>
<div class="actions"><button class="approve" type="submit" name="decision" value="approve">Connect</button>
<button class="deny" type="submit" name="decision" value="deny">Cancel</button></div>
<p class="note">QuickBooks Online emulator — no real Intuit account is involved.</p>
</form></main></body></html>`))

var errorPage = template.Must(template.New("error").Parse(`<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>Connection problem (emulator)</title>` + pageStyle + `</head><body><main><h1>Something is wrong with this connection request</h1>
<p>{{.}}</p></main></body></html>`))
