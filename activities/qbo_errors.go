package activities

import (
	"errors"
	"fmt"
	"strings"

	"go.temporal.io/sdk/temporal"

	"hoursync/internal/intuit"
	"hoursync/internal/qbo"
	"hoursync/workflows"
)

// subject is what a call to QBO was about, in the words its failure messages use.
type subject struct {
	// what names the object or list: `Customer "Acme"`, "Invoice 1001", "time cards".
	what string
	// Wording of the faults whose message depends on the object; "" (nil) takes the
	// general one.
	deleted       string                    // 610 about the object written: deleted in QBO
	inactiveRef   func(field string) string // 610 naming the reference (element) QBO has inactive
	duplicateName string                    // 6240 on a create: the name is another kind of object's
	numberTaken   string                    // 6140: another invoice has the number
}

// qboError is the one place where a failure of the connection or of a QBO call becomes
// the error an activity returns. What only a person can fix becomes a non-retryable
// application error with the type the workflows branch on and the message they show;
// anything else (throttling that outlasted the back-off, QBO down, a stale SyncToken
// re-reading did not cure) is returned wrapped, for Temporal to retry.
func qboError(s subject, err error) error {
	var fault *qbo.Fault
	isFault := errors.As(err, &fault)
	switch {
	case err == nil:
		return nil
	case appError(err) != nil:
		// Already decided (e.g. a missing income account); wrapping it would hide its
		// type from Temporal and make it retryable.
		return err
	case errors.Is(err, intuit.ErrNotConnected):
		return permanent(workflows.ErrTypeNotConnected, "%s", workflows.MsgNotConnected)
	case errors.Is(err, intuit.ErrNeedsReconnect), errors.Is(err, qbo.ErrUnauthorized):
		// The client already refreshed once after a 401; a second refusal, or a token
		// for another company (403), only a reconnect fixes.
		return permanent(workflows.ErrTypeNeedsReconnect, "%s", workflows.MsgReconnect)
	case errors.Is(err, qbo.ErrPlanLacksFeature):
		return permanent(workflows.ErrTypePlan, "%s", workflows.MsgPlan)
	case errors.Is(err, qbo.ErrNotFound) && s.inactiveRef != nil && referenceOf(err) != "":
		return permanent(workflows.ErrTypeInactiveInQBO, "%s", s.inactiveRef(referenceOf(err)))
	case errors.Is(err, qbo.ErrNotFound) && s.deleted != "":
		return permanent(workflows.ErrTypeDeletedInQBO, "%s", s.deleted)
	case errors.Is(err, qbo.ErrNotFound):
		return permanent(workflows.ErrTypeDeletedInQBO, "%s was deleted or made inactive in QuickBooks; reactivate it there, then sync again", s.what)
	case errors.Is(err, qbo.ErrDuplicateName) && isFault && s.duplicateName != "":
		return permanent(workflows.ErrTypeValidation, "%s: %s", s.what, s.duplicateName)
	case errors.Is(err, qbo.ErrDuplicateName) && isFault:
		return permanent(workflows.ErrTypeValidation, "%s: QuickBooks says the name is already used (%s)", s.what, fault.Message())
	case isDuplicateDocNumber(err) && s.numberTaken != "":
		return permanent(workflows.ErrTypeNumberTaken, "%s", s.numberTaken)
	case errors.Is(err, qbo.ErrValidation) && isFault:
		msg := fault.Message()
		if f := fault.Field(); f != "" {
			msg = fmt.Sprintf("%s (field %s)", msg, f)
		}
		return permanent(workflows.ErrTypeValidation, "%s: QuickBooks refused it: %s", s.what, msg)
	}
	return fmt.Errorf("%s: %w", s.what, described(err))
}

// described words a stale SyncToken for the messages and logs that quote the error.
func described(err error) error {
	if errors.Is(err, qbo.ErrStale) {
		return fmt.Errorf("QBO object changed since it was read (stale SyncToken): %w", err)
	}
	return err
}

// cardFailure is the type and message of a card QBO refused within its batch: the
// permanent error's, or for a failure retrying may fix a message saying so (the batch
// was answered, so the card alone fails and the others keep their results).
func cardFailure(op workflows.TimeActivityOp, err error) (errType, message string) {
	if typ, msg := failureOf(qboError(timeCardSubject(op), err)); typ != "" {
		return typ, msg
	}
	return "QBOError", fmt.Sprintf("QuickBooks could not save this time (%v); sync it again, and if it keeps failing open the workflow for details.", described(err))
}

// timeCardSubject names a card's write, and the customer, service or employee QBO has
// inactive.
func timeCardSubject(op workflows.TimeActivityOp) subject {
	what := fmt.Sprintf("Time card %d", op.CardID)
	if op.EmployeeName != "" {
		what = fmt.Sprintf("%s's time on %s for %s (%s)", op.EmployeeName, op.TxnDate, op.CustomerName, op.ServiceName)
	}
	return subject{what: what,
		deleted: "This time was deleted in QuickBooks. Sync it again to create it there anew, or delete the card in Hoursync if it should not be billed.",
		inactiveRef: func(field string) string {
			switch strings.TrimSuffix(field, ".value") {
			case "CustomerRef":
				return inactiveMessage("customer", op.CustomerName)
			case "ItemRef":
				return inactiveMessage("service", op.ServiceName)
			case "EmployeeRef":
				return fmt.Sprintf("The employee %q is inactive in QuickBooks: make them active there, then sync this time again", op.EmployeeName)
			}
			return fmt.Sprintf("Something this time refers to (%s) is inactive in QuickBooks: make it active there, then sync again", field)
		}}
}

// invoiceSubject names an invoice's write.
func invoiceSubject(op workflows.InvoiceOp) subject {
	return subject{what: "Invoice " + op.DocNumber,
		deleted: fmt.Sprintf("Invoice %s was deleted in QuickBooks; Hoursync does not recreate it on its own", op.DocNumber),
		inactiveRef: func(field string) string {
			return fmt.Sprintf("Invoice %s uses a customer or service that is inactive in QuickBooks (%s): make it active there, or change the invoice", op.DocNumber, field)
		},
		numberTaken: fmt.Sprintf("Number %s is already used in QuickBooks by another invoice; choose another number", op.DocNumber)}
}

// inactiveMessage is the error of a card or invoice that needs a customer or service
// QBO has inactive: kind "customer" or "service".
func inactiveMessage(kind, name string) string {
	return fmt.Sprintf("The %s %q is inactive in QuickBooks: make it active there, or pick another %s", kind, name, kind)
}

// referenceOf is the reference (element) a 610 fault names as inactive, "" when the
// fault is about the object written itself.
func referenceOf(err error) string {
	var fault *qbo.Fault
	if errors.As(err, &fault) {
		return fault.Field()
	}
	return ""
}

// isDuplicateDocNumber reports QBO's refusal of an invoice number another invoice has.
func isDuplicateDocNumber(err error) bool {
	var fault *qbo.Fault
	return errors.Is(err, qbo.ErrValidation) && errors.As(err, &fault) &&
		fault.HasCode(qbo.CodeDuplicateDocNumber, qbo.CodeDuplicateDocNumberOld)
}

// permanent is an error a person has to fix; Temporal does not retry it.
func permanent(errType, format string, args ...any) error {
	return temporal.NewNonRetryableApplicationError(fmt.Sprintf(format, args...), errType, nil)
}

func appError(err error) *temporal.ApplicationError {
	var ae *temporal.ApplicationError
	if errors.As(err, &ae) {
		return ae
	}
	return nil
}

// failureOf gives the type and message of a permanent error, or "" for others.
func failureOf(err error) (string, string) {
	var typ, msg string
	if ae := appError(err); ae != nil {
		typ, msg = ae.Type(), ae.Message()
	}
	return typ, msg
}
