package intuit

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"errors"
	"fmt"

	"hoursync/internal/config"
)

// sealer encrypts tokens with AES-256-GCM. The first key encrypts; every key decrypts,
// chosen by the key id stored beside the ciphertext, so keys rotate without a
// migration: a token is re-sealed under the first key at its next refresh.
type sealer struct {
	primary string
	aeads   map[string]cipher.AEAD
}

func newSealer(keys []config.TokenKey) (*sealer, error) {
	if len(keys) == 0 {
		return nil, errors.New("intuit: no token encryption key")
	}
	s := &sealer{primary: keys[0].ID, aeads: make(map[string]cipher.AEAD, len(keys))}
	for _, k := range keys {
		if len(k.Key) != 32 {
			return nil, fmt.Errorf("intuit: token key %q must be 32 bytes", k.ID)
		}
		block, err := aes.NewCipher(k.Key)
		if err != nil {
			return nil, fmt.Errorf("intuit: token key %q: %w", k.ID, err)
		}
		aead, err := cipher.NewGCM(block)
		if err != nil {
			return nil, fmt.Errorf("intuit: token key %q: %w", k.ID, err)
		}
		s.aeads[k.ID] = aead
	}
	return s, nil
}

// seal encrypts plaintext under the primary key; aad binds the ciphertext to its row
// and column, so a ciphertext copied elsewhere does not decrypt. Output: nonce ‖ sealed.
func (s *sealer) seal(plaintext, aad []byte) ([]byte, string, error) {
	aead := s.aeads[s.primary]
	nonce := make([]byte, aead.NonceSize(), aead.NonceSize()+len(plaintext)+aead.Overhead())
	if _, err := rand.Read(nonce); err != nil {
		return nil, "", fmt.Errorf("intuit: nonce: %w", err)
	}
	return aead.Seal(nonce, nonce, plaintext, aad), s.primary, nil
}

// open decrypts a seal output made under keyID.
func (s *sealer) open(keyID string, ciphertext, aad []byte) ([]byte, error) {
	aead, ok := s.aeads[keyID]
	if !ok {
		return nil, fmt.Errorf("intuit: token encrypted under unknown key %q", keyID)
	}
	if len(ciphertext) < aead.NonceSize()+aead.Overhead() {
		return nil, errors.New("intuit: token ciphertext too short")
	}
	n := aead.NonceSize()
	pt, err := aead.Open(nil, ciphertext[:n], ciphertext[n:], aad)
	if err != nil {
		return nil, fmt.Errorf("intuit: token does not decrypt under key %q", keyID)
	}
	return pt, nil
}
