package server

import (
	"net/http"

	"github.com/gin-gonic/gin"
)

// The JSON API of reports: the filters come as query parameters (the page's and the
// CSV's), the use case is reports.go.

func (s *Server) getReport(c *gin.Context) {
	out, err := s.app.Report(c.Request.Context(), actorOf(c), reportQueryOf(c.Request.URL.Query()))
	s.answer(c, http.StatusOK, out, err)
}
