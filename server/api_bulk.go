package server

import (
	"context"
	"net/http"

	"github.com/gin-gonic/gin"
)

// The JSON API of changing many time cards at once: a bulk change (bulk.go) and the
// undo of a delete (removals.go).

// restoreInput names deleted time cards to bring back.
type restoreInput struct {
	IDs []int64 `json:"ids" openapi:"required"`
}

func (s *Server) bulkUpdateTimeCards(c *gin.Context) {
	jsonCall(s, c, http.StatusOK, s.app.BulkUpdateTimeCards)
}

func (s *Server) restoreTimeCards(c *gin.Context) {
	jsonCall(s, c, http.StatusOK, func(ctx context.Context, by actor, in restoreInput) (itemsJSON[timeCardJSON], error) {
		cards, err := s.app.RestoreTimeCards(ctx, by, in.IDs)
		return itemsJSON[timeCardJSON]{Items: cards}, err
	})
}
