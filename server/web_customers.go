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
	ids := make([]int64, 0, len(list.Items))
	for _, cu := range list.Items {
		ids = append(ids, cu.ID)
	}
	if d.Sync, err = s.app.CatalogSyncs(ctx, by, store.ObjectCustomer, ids); err != nil {
		s.fail(c, err)
		return
	}
	cu, ok, err := pathRecord(c, by, s.app.GetCustomer)
	if err != nil {
		s.fail(c, err)
		return
	}
	if ok {
		d.Editing = cu
		if f == nil {
			f = url.Values{"display_name": {cu.DisplayName}, "contact_name": {cu.ContactName}, "email": {cu.Email}, "active": {strconv.FormatBool(cu.Active)}}
		}
	}
	s.showList(c, pd, status, "customers", d, f, e)
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
	saveRecord(s, c, customerForm(c.Request.PostForm), s.app.CreateCustomer, s.app.UpdateCustomer,
		s.customersPage, "Customer saved.", "/customers")
}

func (s *Server) uiResyncCustomers(c *gin.Context) {
	s.startedFrom(c, "/customers", s.app.ResyncCustomers)
}
