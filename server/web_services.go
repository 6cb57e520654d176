package server

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"hoursync/internal/store"
)

// The services page (services.html): the list, and for admins the form that adds a
// service or edits the one of the path, and "Re-sync from QuickBooks".

func (s *Server) uiServices(c *gin.Context) { s.servicesPage(c, http.StatusOK, nil, nil) }

func (s *Server) servicesPage(c *gin.Context, status int, f url.Values, e *apiError) {
	pd := s.pageData(c, "Services", "services")
	ctx, by := c.Request.Context(), actorOf(c)
	d := &listData{Connected: s.app.Connected(ctx, by)}
	list, err := s.app.ListServices(ctx, by, "", everything)
	if err != nil {
		s.fail(c, err)
		return
	}
	d.Services = list.Items
	ids := make([]int64, 0, len(list.Items))
	for _, sv := range list.Items {
		ids = append(ids, sv.ID)
	}
	if d.Sync, err = s.app.CatalogSyncs(ctx, by, store.ObjectService, ids); err != nil {
		s.fail(c, err)
		return
	}
	sv, ok, err := pathRecord(c, by, s.app.GetService)
	if err != nil {
		s.fail(c, err)
		return
	}
	if ok {
		d.Editing = sv.Service
		if f == nil {
			f = url.Values{"name": {sv.Name}, "rate": {sv.Rate}, "description": {sv.Description}, "active": {strconv.FormatBool(sv.Active)}}
		}
	}
	s.showList(c, pd, status, "services", d, f, e)
}

// serviceForm parses the service form into the input the JSON API decodes; a blank
// rate keeps the rate.
func serviceForm(f url.Values) serviceInput {
	active := f.Get("active") == "true"
	in := serviceInput{Name: formText(f, "name"), Description: formText(f, "description"), Active: &active}
	if r := strings.TrimSpace(f.Get("rate")); r != "" {
		in.Rate = decimal{Text: r, Set: true}
	}
	return in
}

// uiSaveService adds a service, or saves the one of the path.
func (s *Server) uiSaveService(c *gin.Context) {
	_ = c.Request.ParseForm()
	saveRecord(s, c, serviceForm(c.Request.PostForm), s.app.CreateService, s.app.UpdateService,
		s.servicesPage, "Service saved.", "/services")
}

// uiResyncServices re-imports the catalog (customers, services and income accounts
// come in one import) from the services page.
func (s *Server) uiResyncServices(c *gin.Context) {
	s.startedFrom(c, "/services", s.app.ResyncCustomers)
}
