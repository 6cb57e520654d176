package server

import (
	"context"
	"net/http"
	"net/url"
	"strconv"

	"github.com/gin-gonic/gin"

	"hoursync/internal/store"
	"hoursync/internal/syncs"
)

// The customers and services pages share their shape: a list, and for admins one form
// that adds a record or edits the one of the path. These are the two halves of it.

// listData feeds the customers and services pages.
type listData struct {
	Customers []store.Customer
	Services  []serviceJSON
	Editing   any
	// Sync is where each record (by id) stands with QuickBooks.
	Sync map[int64]recordSyncJSON
	// Connected says whether the account has a QuickBooks connection (empty states).
	Connected bool
}

// pathRecord reads the record of the path's :id for the form; ok is false on a page
// without one.
func pathRecord[T any](c *gin.Context, by actor, get func(context.Context, actor, int64) (T, error)) (rec T, ok bool, err error) {
	id, perr := strconv.ParseInt(c.Param("id"), 10, 64)
	if perr != nil {
		return rec, false, nil
	}
	rec, err = get(c.Request.Context(), by, id)
	return rec, err == nil, err
}

// showList renders a customers or services page with the form's values f (nil: the
// page's own) and the error e.
func (s *Server) showList(c *gin.Context, pd *pageData, status int, name string, d *listData, f url.Values, e *apiError) {
	if f != nil {
		pd.Form = f
	}
	pd.Data = d
	pd.setError(e)
	s.render(c, status, name, pd)
}

// saveRecord adds a record (no :id in the path) or saves the one of the path. On an
// error it shows the page again with what was typed; otherwise it leaves saved for the
// list at back.
func saveRecord[In, Out any](s *Server, c *gin.Context, in In,
	create func(context.Context, actor, In) (Out, error), update func(context.Context, actor, int64, In) (Out, error),
	page func(*gin.Context, int, url.Values, *apiError), saved, back string) {
	f := c.Request.PostForm
	ctx, by := c.Request.Context(), actorOf(c)
	var err error
	if c.Param("id") == "" {
		_, err = create(ctx, by, in)
	} else {
		var id int64
		if id, err = formID(c); err == nil {
			_, err = update(ctx, by, id, in)
		}
	}
	if err != nil {
		if f.Get("active") == "" {
			f.Set("active", "false")
		}
		page(c, http.StatusUnprocessableEntity, f, s.toAPIError(c, err))
		return
	}
	s.flash(c, "ok", saved)
	s.redirect(c, back)
}

// startedFrom follows a sync started from the page at back, or flashes why it did not
// start.
func (s *Server) startedFrom(c *gin.Context, back string, start func(context.Context, actor) (syncs.Started, error)) {
	st, err := start(c.Request.Context(), actorOf(c))
	s.follow(c, back, "?", st, err)
}
