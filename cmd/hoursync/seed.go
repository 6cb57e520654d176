package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"golang.org/x/crypto/bcrypt"

	"hoursync/internal/store"
)

// Demo login printed by `make dev`. It is the admin of the emulator's demo company
// ("Demo Design Co."), so connecting it links Dana to her QBO employee.
const (
	demoEmail    = "dana@demo-design.example"
	demoPassword = "hoursync-demo"
)

// seedDemo creates the demo firm, its owner and a week of time, once. It is a no-op
// when the demo login exists, so re-running `make dev` keeps whatever was done.
func seedDemo(ctx context.Context, s *store.Store, logger *slog.Logger) (store.Account, store.User, error) {
	if u, err := s.FindUserByEmail(ctx, demoEmail); err == nil {
		acct, err := s.GetAccount(ctx, u.AccountID)
		return acct, u, err
	} else if !errors.Is(err, store.ErrNotFound) {
		return store.Account{}, store.User{}, err
	}
	hash, err := bcrypt.GenerateFromPassword([]byte(demoPassword), bcrypt.DefaultCost)
	if err != nil {
		return store.Account{}, store.User{}, fmt.Errorf("seed: hash password: %w", err)
	}
	acct, owner, err := s.CreateAccountWithOwner(ctx, store.NewAccount{Name: "Demo Design Co.", TimeZone: "America/New_York"},
		store.NewUser{Email: demoEmail, FirstName: "Dana", LastName: "Designer", PasswordHash: string(hash)})
	if err != nil {
		return store.Account{}, store.User{}, fmt.Errorf("seed: demo account: %w", err)
	}
	cust, err := s.CreateCustomer(ctx, acct.ID, store.CustomerInput{DisplayName: "Harbor Coffee Roasters", ContactName: "Ines Harbor", Email: "ines@harbor.example", Active: true})
	if err != nil {
		return acct, owner, fmt.Errorf("seed: customer: %w", err)
	}
	svc, err := s.CreateService(ctx, acct.ID, store.ServiceInput{Name: "Brand Design", Description: "Logo, identity and brand guidelines", RateCents: 12500, Active: true})
	if err != nil {
		return acct, owner, fmt.Errorf("seed: service: %w", err)
	}
	monday := time.Now().UTC().Truncate(24 * time.Hour)
	for monday.Weekday() != time.Monday {
		monday = monday.AddDate(0, 0, -1)
	}
	for i, minutes := range []int{90, 150, 60} {
		if _, err := s.CreateTimeCard(ctx, acct.ID, store.TimeCardInput{UserID: owner.ID, CustomerID: cust.ID, ServiceID: svc.ID,
			WorkDate: monday.AddDate(0, 0, i), Minutes: minutes, Billable: true, RateCents: svc.RateCents,
			Notes: []string{"Kick-off workshop", "Logo concepts", "Review call"}[i]}); err != nil {
			return acct, owner, fmt.Errorf("seed: time card: %w", err)
		}
	}
	logger.Info("seeded the demo account", "email", demoEmail)
	return acct, owner, nil
}
