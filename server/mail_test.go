package server

import (
	"context"
	"net"
	"net/textproto"
	"strings"
	"testing"

	"hoursync/internal/store"
	"hoursync/internal/testutil"
)

// fakeSMTP accepts one message and hands its envelope and data to got.
func fakeSMTP(t *testing.T, got chan<- string) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		conn, err := ln.Accept()
		if err != nil {
			return
		}
		defer conn.Close()
		tp := textproto.NewConn(conn)
		_ = tp.PrintfLine("220 fake ESMTP")
		var msg strings.Builder
		for {
			line, err := tp.ReadLine()
			if err != nil {
				return
			}
			cmd := strings.ToUpper(strings.Fields(line + " x")[0])
			switch cmd {
			case "EHLO", "HELO":
				_ = tp.PrintfLine("250 fake")
			case "MAIL", "RCPT":
				msg.WriteString(line + "\n")
				_ = tp.PrintfLine("250 ok")
			case "DATA":
				_ = tp.PrintfLine("354 go ahead")
				data, _ := tp.ReadDotLines()
				msg.WriteString(strings.Join(data, "\n"))
				_ = tp.PrintfLine("250 queued")
			case "QUIT":
				_ = tp.PrintfLine("221 bye")
				got <- msg.String()
				return
			default:
				_ = tp.PrintfLine("502 unknown")
			}
		}
	}()
	return ln.Addr().String()
}

func TestSMTPMailerSendsAndRecordsTheMail(t *testing.T) {
	st := store.New(testutil.DB(t))
	got := make(chan string, 1)
	addr := fakeSMTP(t, got)
	m := &SMTPMailer{URL: "smtp://" + addr, From: "Hoursync <no-reply@hoursync.test>", Outbox: st}
	to := testutil.UniqueName("smtp") + "@example.com"
	if err := m.Send(context.Background(), Mail{To: to, Subject: "Hello", Body: "Line one\nLine two"}); err != nil {
		t.Fatal(err)
	}
	msg := <-got
	for _, want := range []string{"MAIL FROM:<no-reply@hoursync.test>", "RCPT TO:<" + to + ">", "Subject: Hello", "Line two"} {
		if !strings.Contains(msg, want) {
			t.Fatalf("message lacks %q:\n%s", want, msg)
		}
	}
	mails, err := st.ListOutboxMailTo(context.Background(), to, store.Page{})
	if err != nil || len(mails) != 1 || !mails[0].SentAt.Valid || mails[0].Error != "" {
		t.Fatalf("outbox record = %+v, %v", mails, err)
	}

	// A server that is down: the mail is recorded with the delivery error.
	down := &SMTPMailer{URL: "smtp://127.0.0.1:1", From: "no-reply@hoursync.test", Outbox: st}
	if err := down.Send(context.Background(), Mail{To: to, Subject: "Lost", Body: "x"}); err == nil {
		t.Fatal("sending to a closed port succeeded")
	}
	mails, _ = st.ListOutboxMailTo(context.Background(), to, store.Page{})
	if len(mails) != 2 || mails[0].Error == "" || mails[0].SentAt.Valid {
		t.Fatalf("failed delivery not recorded: %+v", mails[0])
	}
}
