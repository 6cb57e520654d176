package server

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"net/smtp"
	"net/url"
	"strings"
	"time"

	"hoursync/internal/store"
)

// OutboxMailer files mail in the outbox_mail table without sending it: development
// and tests read invitations and reset links there.
type OutboxMailer struct {
	Store *store.Store
}

// Send records the mail in the outbox.
func (m OutboxMailer) Send(ctx context.Context, mail Mail) error {
	if _, err := m.Store.AddOutboxMail(ctx, mail.AccountID, mail.To, mail.Subject, mail.Body); err != nil {
		return fmt.Errorf("mail: outbox: %w", err)
	}
	return nil
}

// SMTPMailer sends mail over SMTP (URL smtp://user:pass@host:587 with STARTTLS when
// offered, or smtps://host:465) and records each message and its outcome in the outbox.
type SMTPMailer struct {
	URL    string
	From   string
	Outbox *store.Store
}

// Send delivers the mail, recording it first so a failed delivery is visible.
func (m *SMTPMailer) Send(ctx context.Context, mail Mail) error {
	rec, err := m.Outbox.AddOutboxMail(ctx, mail.AccountID, mail.To, mail.Subject, mail.Body)
	if err != nil {
		return fmt.Errorf("mail: record: %w", err)
	}
	sendErr := m.deliver(ctx, mail)
	msg := ""
	if sendErr != nil {
		msg = sendErr.Error()
	}
	if err := m.Outbox.MarkOutboxMailSent(ctx, rec.ID, msg); err != nil {
		return fmt.Errorf("mail: record outcome: %w", err)
	}
	if sendErr != nil {
		return fmt.Errorf("mail: send to %s: %w", mail.To, sendErr)
	}
	return nil
}

func (m *SMTPMailer) deliver(ctx context.Context, mail Mail) error {
	u, err := url.Parse(m.URL)
	if err != nil {
		return fmt.Errorf("parse SMTP_URL: %w", err)
	}
	host := u.Hostname()
	port := u.Port()
	if port == "" {
		port = map[string]string{"smtps": "465"}[u.Scheme]
		if port == "" {
			port = "587"
		}
	}
	addr := net.JoinHostPort(host, port)
	dialer := &net.Dialer{Timeout: 15 * time.Second}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	var conn net.Conn
	if u.Scheme == "smtps" {
		conn, err = (&tls.Dialer{NetDialer: dialer, Config: &tls.Config{ServerName: host}}).DialContext(ctx, "tcp", addr)
	} else {
		conn, err = dialer.DialContext(ctx, "tcp", addr)
	}
	if err != nil {
		return fmt.Errorf("dial %s: %w", addr, err)
	}
	if dl, ok := ctx.Deadline(); ok {
		_ = conn.SetDeadline(dl)
	}
	c, err := smtp.NewClient(conn, host)
	if err != nil {
		conn.Close()
		return fmt.Errorf("smtp hello: %w", err)
	}
	defer c.Close()
	if ok, _ := c.Extension("STARTTLS"); ok && u.Scheme == "smtp" {
		if err := c.StartTLS(&tls.Config{ServerName: host}); err != nil {
			return fmt.Errorf("smtp starttls: %w", err)
		}
	}
	if u.User != nil {
		pass, _ := u.User.Password()
		if err := c.Auth(smtp.PlainAuth("", u.User.Username(), pass, host)); err != nil {
			return fmt.Errorf("smtp auth: %w", err)
		}
	}
	from := m.From
	if addr, err := parseAddress(from); err == nil {
		from = addr
	}
	if err := c.Mail(from); err != nil {
		return fmt.Errorf("smtp mail from: %w", err)
	}
	if err := c.Rcpt(mail.To); err != nil {
		return fmt.Errorf("smtp rcpt: %w", err)
	}
	w, err := c.Data()
	if err != nil {
		return fmt.Errorf("smtp data: %w", err)
	}
	msg := "From: " + m.From + "\r\nTo: " + mail.To + "\r\nSubject: " + mail.Subject +
		"\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nDate: " + time.Now().Format(time.RFC1123Z) +
		"\r\n\r\n" + strings.ReplaceAll(mail.Body, "\n", "\r\n")
	if _, err := w.Write([]byte(msg)); err != nil {
		return fmt.Errorf("smtp write: %w", err)
	}
	if err := w.Close(); err != nil {
		return fmt.Errorf("smtp end data: %w", err)
	}
	return c.Quit()
}

// parseAddress extracts the address of "Name <addr>".
func parseAddress(s string) (string, error) {
	if i, j := strings.LastIndex(s, "<"), strings.LastIndex(s, ">"); i >= 0 && j > i {
		return s[i+1 : j], nil
	}
	if strings.Contains(s, "@") {
		return strings.TrimSpace(s), nil
	}
	return "", fmt.Errorf("no address in %q", s)
}
