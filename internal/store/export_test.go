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

// BusyCardSlots pretends every card statement slot is taken (so calls queue) until
// the returned function frees them and runs what queued meanwhile.
func (s *Store) BusyCardSlots() (free func()) {
	s.cards.mu.Lock()
	taken := maxCardStatements - s.cards.running
	s.cards.running = maxCardStatements
	s.cards.mu.Unlock()
	return func() {
		s.cards.mu.Lock()
		s.cards.running -= taken
		queued := len(s.cards.queue) > 0
		if queued {
			s.cards.running++
		}
		s.cards.mu.Unlock()
		if queued {
			s.cards.flush()
		}
	}
}

// QueuedCards is how many CreateTimeCard calls wait for a statement.
func (s *Store) QueuedCards() int {
	s.cards.mu.Lock()
	defer s.cards.mu.Unlock()
	return len(s.cards.queue)
}
