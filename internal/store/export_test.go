package store

// CreateTimeCardsInOneBatch runs the cards through one shared statement, as concurrent
// CreateTimeCard calls would be, and returns each card's outcome.
func (s *Store) CreateTimeCardsInOneBatch(accountIDs []int64, ins []TimeCardInput) ([]TimeCard, []error) {
	batch := make([]*cardRequest, len(ins))
	for i := range ins {
		batch[i] = &cardRequest{accountID: accountIDs[i], in: ins[i], done: make(chan struct{})}
	}
	s.cards.run(batch)
	cards, errs := make([]TimeCard, len(ins)), make([]error, len(ins))
	for i, r := range batch {
		<-r.done
		cards[i], errs[i] = r.card, r.err
	}
	return cards, errs
}
