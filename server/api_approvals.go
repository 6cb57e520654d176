package server

import (
	"net/http"

	"github.com/gin-gonic/gin"
)

// The JSON API of week approvals (approvals.go): decode, call, encode.

func (s *Server) listWeekApprovals(c *gin.Context) {
	q := weekApprovalsQuery{From: c.Query("from"), To: c.Query("to")}
	var err error
	if q.UserID, err = queryID(c, "user_id"); err != nil {
		s.fail(c, err)
		return
	}
	list, err := s.app.WeekApprovals(c.Request.Context(), actorOf(c), q)
	s.answer(c, http.StatusOK, itemsJSON[weekApprovalJSON]{Items: list}, err)
}

func (s *Server) approveWeek(c *gin.Context) { jsonCall(s, c, http.StatusCreated, s.app.ApproveWeek) }

func (s *Server) reopenWeek(c *gin.Context) {
	var in weekApprovalInput
	if err := decodeJSON(c, &in); err != nil {
		s.fail(c, err)
		return
	}
	s.noContent(c, s.app.ReopenWeek(c.Request.Context(), actorOf(c), in))
}
