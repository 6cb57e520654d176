package server

import (
	"net/http"
	"net/url"
	"strconv"

	"github.com/gin-gonic/gin"

	"hoursync/internal/store"
)

// The customers page (customers.html): the list, and for admins the form that adds a
// customer or edits the one of the path, and "Re-sync from QuickBooks".

// listData feeds the customers and services pages.
type listData struct {
	Customers []store.Customer
	Services  []serviceJSON
	Editing   any
	// Connected says whether the account has a QuickBooks connection (empty states).
	Connected bool
}

func (s *Server) uiCustomers(c *gin.Context) { s.customersPage(c, http.StatusOK, nil, nil) }

func (s *Server) customersPage(c *gin.Context, status int, f url.Values, e *apiError) {
	pd := s.pageData(c, "Customers", "customers")
	ctx, by := c.Request.Context(), actorOf(c)
	d := &listData{Connected: s.app.Connected(ctx, by)}
	list, err := s.app.ListCustomers(ctx, by, "", everything)
	if err != nil {
		s.fail(c, err)
		return
	}
	d.Customers = list.Items
	if id, err := strconv.ParseInt(c.Param("id"), 10, 64); err == nil {
		cu, err := s.app.GetCustomer(ctx, by, id)
		if err != nil {
			s.fail(c, err)
			return
		}
		d.Editing = cu
		if f == nil {
			f = url.Values{"display_name": {cu.DisplayName}, "contact_name": {cu.ContactName}, "email": {cu.Email}, "active": {strconv.FormatBool(cu.Active)}}
		}
	}
	if f != nil {
		pd.Form = f
	}
	pd.Data = d
	pd.setError(e)
	s.render(c, status, "customers", pd)
}

// customerForm parses the customer form into the input the JSON API decodes; the form
// sends every field.
func customerForm(f url.Values) customerInput {
	active := f.Get("active") == "true"
	return customerInput{DisplayName: formText(f, "display_name"), ContactName: formText(f, "contact_name"), Email: formText(f, "email"), Active: &active}
}

// uiSaveCustomer adds a customer, or saves the one of the path.
func (s *Server) uiSaveCustomer(c *gin.Context) {
	_ = c.Request.ParseForm()
	f := c.Request.PostForm
	ctx, by := c.Request.Context(), actorOf(c)
	in := customerForm(f)
	var err error
	if c.Param("id") == "" {
		_, err = s.app.CreateCustomer(ctx, by, in)
	} else {
		var id int64
		if id, err = formID(c); err == nil {
			_, err = s.app.UpdateCustomer(ctx, by, id, in)
		}
	}
	if err != nil {
		if f.Get("active") == "" {
			f.Set("active", "false")
		}
		s.customersPage(c, http.StatusUnprocessableEntity, f, s.toAPIError(c, err))
		return
	}
	s.flash(c, "ok", "Customer saved.")
	s.redirect(c, "/customers")
}

func (s *Server) uiResyncCustomers(c *gin.Context) {
	st, err := s.app.ResyncCustomers(c.Request.Context(), actorOf(c))
	if err != nil {
		s.flashError(c, err)
		s.redirect(c, "/customers")
		return
	}
	c.Set(ctxWorkflowID, st.WorkflowID)
	s.redirect(c, "/customers?workflow_id="+url.QueryEscape(st.WorkflowID))
}
