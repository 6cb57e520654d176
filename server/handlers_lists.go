package server

import (
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"hoursync/internal/store"
)

type customerRequest struct {
	DisplayName *string `json:"display_name"`
	ContactName *string `json:"contact_name"`
	Email       *string `json:"email"`
	Active      *bool   `json:"active"`
}

// apply validates the request and merges it into in (the current values on edit).
func (r customerRequest) apply(in *store.CustomerInput) error {
	if r.DisplayName != nil {
		in.DisplayName = strings.TrimSpace(*r.DisplayName)
	}
	if err := checkText("display_name", in.DisplayName, 1, 500, "the customer's name"); err != nil {
		return err
	}
	if strings.Contains(in.DisplayName, ":") {
		// QBO reserves ":" for sub-customer paths.
		return invalid("display_name", "a customer's name cannot contain a colon")
	}
	if r.ContactName != nil {
		in.ContactName = *r.ContactName
	}
	if err := checkText("contact_name", in.ContactName, 0, 200, "a contact name"); err != nil {
		return err
	}
	if r.Email != nil {
		in.Email = strings.TrimSpace(*r.Email)
	}
	if in.Email != "" {
		if err := checkEmail("email", in.Email); err != nil {
			return err
		}
	}
	if r.Active != nil {
		in.Active = *r.Active
	}
	return nil
}

func (s *Server) listCustomers(c *gin.Context) {
	p, ok := s.page(c)
	if !ok {
		return
	}
	cs, err := s.store.ListCustomers(c.Request.Context(), mustAuth(c).AccountID, c.Query("q"), p.store())
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, paged(p, cs))
}

func (s *Server) getCustomer(c *gin.Context) {
	id, ok := s.pathID(c)
	if !ok {
		return
	}
	cu, err := s.store.GetCustomer(c.Request.Context(), mustAuth(c).AccountID, id)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, cu)
}

func (s *Server) createCustomer(c *gin.Context) {
	var req customerRequest
	if err := decodeJSON(c, &req); err != nil {
		s.fail(c, err)
		return
	}
	in := store.CustomerInput{Active: true}
	if err := req.apply(&in); err != nil {
		s.fail(c, err)
		return
	}
	cu, err := s.store.CreateCustomer(c.Request.Context(), mustAuth(c).AccountID, in)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusCreated, cu)
}

func (s *Server) updateCustomer(c *gin.Context) {
	id, ok := s.pathID(c)
	if !ok {
		return
	}
	var req customerRequest
	if err := decodeJSON(c, &req); err != nil {
		s.fail(c, err)
		return
	}
	ctx := c.Request.Context()
	accountID := mustAuth(c).AccountID
	cur, err := s.store.GetCustomer(ctx, accountID, id)
	if err != nil {
		s.fail(c, err)
		return
	}
	in := store.CustomerInput{DisplayName: cur.DisplayName, ContactName: cur.ContactName, Email: cur.Email, Active: cur.Active}
	if err := req.apply(&in); err != nil {
		s.fail(c, err)
		return
	}
	cu, err := s.store.UpdateCustomer(ctx, accountID, id, in)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, cu)
}

type serviceRequest struct {
	Name        *string `json:"name"`
	Description *string `json:"description"`
	Rate        decimal `json:"rate"`
	Active      *bool   `json:"active"`
}

type serviceJSON struct {
	store.Service
	Rate string `json:"rate"`
}

func toServiceJSON(sv store.Service) serviceJSON {
	return serviceJSON{Service: sv, Rate: money(sv.RateCents)}
}

// maxRateCents bounds rates (one million per hour) so quantity × rate never overflows.
const maxRateCents = 100_000_000

func (r serviceRequest) apply(in *store.ServiceInput) error {
	if r.Name != nil {
		in.Name = strings.TrimSpace(*r.Name)
	}
	if err := checkText("name", in.Name, 1, 100, "the service's name"); err != nil {
		return err
	}
	if strings.Contains(in.Name, ":") {
		return invalid("name", "a service's name cannot contain a colon")
	}
	if r.Description != nil {
		in.Description = *r.Description
	}
	if err := checkText("description", in.Description, 0, 4000, "a description"); err != nil {
		return err
	}
	if r.Rate.Set {
		cents, err := parseFixed("rate", r.Rate.Text, 2, maxRateCents, "the hourly rate")
		if err != nil {
			return err
		}
		in.RateCents = cents
	}
	if r.Active != nil {
		in.Active = *r.Active
	}
	return nil
}

func (s *Server) listServices(c *gin.Context) {
	p, ok := s.page(c)
	if !ok {
		return
	}
	ss, err := s.store.ListServices(c.Request.Context(), mustAuth(c).AccountID, c.Query("q"), p.store())
	if err != nil {
		s.fail(c, err)
		return
	}
	out := make([]serviceJSON, 0, len(ss))
	for _, sv := range ss {
		out = append(out, toServiceJSON(sv))
	}
	c.JSON(http.StatusOK, paged(p, out))
}

func (s *Server) getService(c *gin.Context) {
	id, ok := s.pathID(c)
	if !ok {
		return
	}
	sv, err := s.store.GetService(c.Request.Context(), mustAuth(c).AccountID, id)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, toServiceJSON(sv))
}

func (s *Server) createService(c *gin.Context) {
	var req serviceRequest
	if err := decodeJSON(c, &req); err != nil {
		s.fail(c, err)
		return
	}
	in := store.ServiceInput{Active: true}
	if err := req.apply(&in); err != nil {
		s.fail(c, err)
		return
	}
	sv, err := s.store.CreateService(c.Request.Context(), mustAuth(c).AccountID, in)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusCreated, toServiceJSON(sv))
}

func (s *Server) updateService(c *gin.Context) {
	id, ok := s.pathID(c)
	if !ok {
		return
	}
	var req serviceRequest
	if err := decodeJSON(c, &req); err != nil {
		s.fail(c, err)
		return
	}
	ctx := c.Request.Context()
	accountID := mustAuth(c).AccountID
	cur, err := s.store.GetService(ctx, accountID, id)
	if err != nil {
		s.fail(c, err)
		return
	}
	in := store.ServiceInput{Name: cur.Name, Description: cur.Description, RateCents: cur.RateCents, Active: cur.Active}
	if err := req.apply(&in); err != nil {
		s.fail(c, err)
		return
	}
	sv, err := s.store.UpdateService(ctx, accountID, id, in)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, toServiceJSON(sv))
}

// listIncomeAccounts lists the income accounts imported from the connected company.
func (s *Server) listIncomeAccounts(c *gin.Context) {
	ctx := c.Request.Context()
	accountID := mustAuth(c).AccountID
	realm := ""
	if conn, err := s.store.GetConnectionStatus(ctx, accountID); err == nil {
		realm = conn.RealmID
	}
	ias, err := s.store.ListIncomeAccounts(ctx, accountID, realm)
	if err != nil {
		s.fail(c, err)
		return
	}
	if ias == nil {
		ias = []store.IncomeAccount{}
	}
	c.JSON(http.StatusOK, gin.H{"items": ias})
}
