package server

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"
)

// The services page (services.html): the list, and for admins the form that adds a
// service or edits the one of the path.

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
	if id, err := strconv.ParseInt(c.Param("id"), 10, 64); err == nil {
		sv, err := s.app.GetService(ctx, by, id)
		if err != nil {
			s.fail(c, err)
			return
		}
		d.Editing = sv.Service
		if f == nil {
			f = url.Values{"name": {sv.Name}, "rate": {sv.Rate}, "description": {sv.Description}, "active": {strconv.FormatBool(sv.Active)}}
		}
	}
	if f != nil {
		pd.Form = f
	}
	pd.Data = d
	pd.setError(e)
	s.render(c, status, "services", pd)
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
	f := c.Request.PostForm
	ctx, by := c.Request.Context(), actorOf(c)
	in := serviceForm(f)
	var err error
	if c.Param("id") == "" {
		_, err = s.app.CreateService(ctx, by, in)
	} else {
		var id int64
		if id, err = formID(c); err == nil {
			_, err = s.app.UpdateService(ctx, by, id, in)
		}
	}
	if err != nil {
		if f.Get("active") == "" {
			f.Set("active", "false")
		}
		s.servicesPage(c, http.StatusUnprocessableEntity, f, s.toAPIError(c, err))
		return
	}
	s.flash(c, "ok", "Service saved.")
	s.redirect(c, "/services")
}
