package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"

	"golang.org/x/oauth2"

	"hoursync/internal/intuit"
	"hoursync/internal/qbo"
	"hoursync/internal/store"
)

// IntuitService implements Intuit over internal/intuit: the OAuth client for the
// authorize URL, code exchange and ID token, the connection store for the tokens, and
// a QBO client to read the company's name and plan before the connection is stored.
type IntuitService struct {
	OAuth       *intuit.OAuth
	Connections *intuit.Connections
	// QBOBaseURL is QBO's API root (config QBO_API_BASE_URL).
	QBOBaseURL string
	// HTTPClient reaches QBO (nil: the qbo package's default).
	HTTPClient *http.Client
	Logger     *slog.Logger
}

// AuthCodeURL is Intuit's consent URL for this state and nonce.
func (s *IntuitService) AuthCodeURL(state, nonce string) string {
	return s.OAuth.AuthCodeURL(state, nonce)
}

// Exchange trades the code for tokens, verifies the ID token (with its nonce) and
// reads the person's profile; only an e-mail Intuit reports verified may match an
// existing login.
func (s *IntuitService) Exchange(ctx context.Context, code, nonce string) (IntuitGrant, error) {
	g, err := s.OAuth.Exchange(ctx, code, nonce)
	if err != nil {
		return IntuitGrant{}, fmt.Errorf("server: intuit exchange: %w", err)
	}
	if g.ID == nil || g.ID.Subject == "" {
		return IntuitGrant{}, errors.New("server: intuit exchange: no verified ID token")
	}
	out := IntuitGrant{Token: g.Token, Identity: IntuitIdentity{Subject: g.ID.Subject, Email: g.ID.Email}}
	ui, err := s.OAuth.UserInfo(ctx, g.Token)
	if err != nil {
		// The profile only adds names and the verified flag; without it the person
		// can still sign in by subject or get a new account.
		s.logger().WarnContext(ctx, "intuit userinfo unavailable", "err", err)
		return out, nil
	}
	if ui.Subject != "" && ui.Subject != g.ID.Subject {
		return IntuitGrant{}, errors.New("server: intuit exchange: userinfo subject differs from the ID token")
	}
	if ui.Email != "" {
		out.Identity.Email = ui.Email
	}
	out.Identity.EmailVerified = ui.EmailVerified
	out.Identity.GivenName, out.Identity.FamilyName = ui.GivenName, ui.FamilyName
	return out, nil
}

// Connect reads the company's name and plan with the new token and stores the
// connection. A company connected elsewhere is a *store.DuplicateError on realm_id.
func (s *IntuitService) Connect(ctx context.Context, accountID, userID int64, realmID string, tok *oauth2.Token) error {
	client, err := qbo.New(qbo.Options{BaseURL: s.QBOBaseURL, RealmID: realmID, TokenSource: oauth2.StaticTokenSource(tok),
		HTTPClient: s.HTTPClient, Logger: s.logger()})
	if err != nil {
		return fmt.Errorf("server: connect: %w", err)
	}
	info, err := client.CompanyInfo(ctx)
	if err != nil {
		return fmt.Errorf("server: connect: read company: %w", err)
	}
	plan, err := client.Plan(ctx)
	if err != nil {
		return fmt.Errorf("server: connect: read plan: %w", err)
	}
	err = s.Connections.Connect(ctx, accountID, userID, realmID, info.CompanyName, plan, tok)
	switch {
	case errors.Is(err, intuit.ErrRealmTaken):
		return &store.DuplicateError{Field: "realm_id", Constraint: "qbo_connections_realm_key"}
	case errors.Is(err, intuit.ErrAlreadyConnected):
		return &apiError{Status: http.StatusConflict, Code: codeConflict, Field: "realmId",
			Message: "this account is connected to another QuickBooks company; disconnect it in settings before connecting another"}
	case err != nil:
		return fmt.Errorf("server: connect: %w", err)
	}
	return nil
}

func (s *IntuitService) logger() *slog.Logger {
	if s.Logger != nil {
		return s.Logger
	}
	return slog.Default()
}

// The adapter must keep satisfying the interface the handlers use.
var _ Intuit = (*IntuitService)(nil)
