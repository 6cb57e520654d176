package server

import (
	"html/template"
	"net/http"
	"net/url"
	"strconv"

	"github.com/gin-gonic/gin"
)

// syncData feeds the sync activity page.
type syncData struct {
	History []historyJSON
	Next    *int
	// Filter carries the object filter into the "older" link.
	Filter template.URL
	// Of names the one object the page is the history of ("": every object).
	Of string
}

// uiSyncActivity is the sync activity page (sync.html): the account's recent sync
// attempts, or one object's (?type=&id=), 50 at a time.
func (s *Server) uiSyncActivity(c *gin.Context) {
	pd := s.pageData(c, "Sync activity", "sync")
	ctx, by := c.Request.Context(), actorOf(c)
	d := &syncData{}
	var list listJSON[historyJSON]
	p, err := parsePage("50", c.Query("offset"))
	typ, id := c.Query("type"), c.Query("id")
	switch {
	case err != nil:
	case typ != "" && id != "":
		d.Filter = template.URL("&type=" + url.QueryEscape(typ) + "&id=" + url.QueryEscape(id))
		objectID, perr := strconv.ParseInt(id, 10, 64)
		if perr != nil || objectID <= 0 {
			err = errNotFound
			break
		}
		var body syncStateBody
		body, err = s.app.SyncState(ctx, by, typ, objectID, p)
		list, d.Of = body.History, body.State.ObjectName
	default:
		list, err = s.app.SyncActivity(ctx, by, p)
	}
	if err != nil {
		pd.Error = s.toAPIError(c, err)
	}
	d.History, d.Next = list.Items, list.NextOffset
	pd.Data = d
	s.render(c, http.StatusOK, "sync", pd)
}
