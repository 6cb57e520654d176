package qboemu

import (
	"bytes"
	"fmt"
	"net/http"
	"strconv"
	"time"
)

// fault is a QBO Fault: one or more errors, a type and the HTTP status QBO
// sends it with.
type fault struct {
	status int
	typ    string
	errs   []faultError
}

type faultError struct {
	code, message, detail, element string
}

func newFault(status int, typ, code, message, detail, element string) *fault {
	return &fault{status: status, typ: typ, errs: []faultError{{code: code, message: message, detail: detail, element: element}}}
}

// Error implements error so faults can travel through ordinary error paths.
func (f *fault) Error() string {
	e := f.errs[0]
	return fmt.Sprintf("qbo fault %s: %s: %s", e.code, e.message, e.detail)
}

// body is the JSON shape of a fault: capitalised keys except code, element, type.
func (f *fault) body() map[string]any {
	errs := make([]any, 0, len(f.errs))
	for _, e := range f.errs {
		errs = append(errs, map[string]any{"Message": e.message, "Detail": e.detail, "code": e.code, "element": e.element})
	}
	return map[string]any{"Error": errs, "type": f.typ}
}

func (f *fault) render(asJSON bool, now time.Time) *result {
	return render(asJSON, f.status, now, "Fault", f.body())
}

// The validation faults of the Accounting API, all HTTP 400.

func faultDuplicateName(existingID string) *fault {
	return newFault(400, "ValidationFault", "6240", "Duplicate Name Exists Error",
		"The name supplied already exists. : Id="+existingID, "")
}

func faultStale() *fault {
	return newFault(400, "ValidationFault", "5010", "Stale Object Error",
		"Stale object requested for update, client needs to refresh the object", "")
}

func faultDeleted(entity, id string) *fault {
	return newFault(400, "ValidationFault", "610", "Object Not Found",
		fmt.Sprintf("Another user has deleted this transaction. : %s Id=%s", entity, id), "")
}

func faultInactiveRef(field string) *fault {
	return newFault(400, "ValidationFault", "610", "Object Not Found",
		"Something you're trying to use has been made inactive. Check the fields with accounts, customers, items, vendors or employees.", field)
}

func faultRequired(field string) *fault {
	return newFault(400, "ValidationFault", "2020", "Required param missing, need to supply the required value for the API",
		"Required parameter "+field+" is missing in the request", field)
}

func faultInvalidRef(field, entity, id string) *fault {
	return newFault(400, "ValidationFault", "2500", "Invalid Reference Id",
		fmt.Sprintf("Invalid Reference Id : %s element id %s not found", entity, id), field)
}

func faultEnum(field, value string) *fault {
	return newFault(400, "ValidationFault", "2170", "Invalid Enumeration",
		fmt.Sprintf("Invalid Enumeration : %s for %s", value, field), field)
}

func faultAmount(supplied string) *fault {
	return newFault(400, "ValidationFault", "6070", "Amount calculation incorrect in the request",
		"Amount is not equal to UnitPrice * Qty. Supplied value:"+supplied, "")
}

func faultNotInPlan() *fault {
	return newFault(400, "ValidationFault", "5020", "You do not have permission to access this feature.",
		"Permission Denied Error : You do not have permission to access this feature.", "")
}

func faultDuplicateDocNumber(doc, txnID string) *fault {
	return newFault(400, "ValidationFault", "6140", "Duplicate Document Number Error",
		fmt.Sprintf("You must specify a different number. This number has already been used. DocNumber=%s is assigned to TxnType=Invoice with TxnId=%s", doc, txnID), "")
}

func faultNoName() *fault {
	return newFault(400, "ValidationFault", "6080", "No Name Provided",
		"You must specify a name: one of Title, GivenName, MiddleName, FamilyName, DisplayName or Suffix", "")
}

func faultBusiness(detail string) *fault {
	return newFault(400, "ValidationFault", "6000", "A business validation error has occurred while processing your request",
		"Business Validation Error: "+detail, "")
}

func faultInvalidValue(field, detail string) *fault {
	return newFault(400, "ValidationFault", "2010", "Request has invalid or unsupported property",
		"Property Name:"+field+" specified is unsupported or invalid: "+detail, field)
}

func faultUnsupportedOperation(detail string) *fault {
	return newFault(400, "ValidationFault", "500", "Unsupported Operation", detail, "")
}

func faultMalformedBody(detail string) *fault {
	return newFault(400, "ValidationFault", "2010", "Request has invalid or unsupported property",
		"Property Name:Can not parse the request body specified is unsupported or invalid: "+detail, "")
}

func faultQueryParser(token string, column int) *fault {
	return newFault(400, "ValidationFault", "4000", "Error parsing query",
		fmt.Sprintf("QueryParserError: Encountered \" %q \" at line 1, column %d.", token, column), "")
}

func faultQueryValidation(detail string) *fault {
	return newFault(400, "ValidationFault", "4001", "Invalid query", "QueryValidationError: "+detail, "")
}

func faultUnknownResource(path string) *fault {
	return newFault(400, "SystemFault", "10000", "An application error has occurred while processing your request",
		"System Failure Error: Could not find resource for relative : "+path, "")
}

func faultTooLarge(limit int64) *fault {
	return newFault(http.StatusRequestEntityTooLarge, "SystemFault", "10000", "Request entity too large",
		fmt.Sprintf("The request body exceeds the limit of %d bytes", limit), "")
}

func faultRequestID(detail string) *fault {
	return newFault(400, "ValidationFault", "2010", "Request has invalid or unsupported property",
		"Property Name:requestid specified is unsupported or invalid: "+detail, "requestid")
}

func faultWrongRealm() *fault {
	return newFault(http.StatusForbidden, "AuthorizationFault", "3100",
		"message=ApplicationAuthorizationFailed; errorCode=003100; statusCode=403", "", "")
}

func faultThrottle() *fault {
	return newFault(http.StatusTooManyRequests, "SERVICE", "3001",
		"message=ThrottleExceeded; errorCode=003001; statusCode=429", "The request limit was reached.  Try again later", "")
}

// faultLegacyThrottle is the throttle as QBO sent it before 429s: HTTP 403, same code.
func faultLegacyThrottle() *fault {
	return newFault(http.StatusForbidden, "SERVICE", "3001",
		"message=ThrottleExceeded; errorCode=003001; statusCode=403", "The request limit was reached.  Try again later", "")
}

func faultInjected(status int) *fault {
	if status == 0 {
		status = http.StatusInternalServerError
	}
	if status == http.StatusTooManyRequests {
		return faultThrottle()
	}
	typ := "SystemFault"
	if status < 500 {
		typ = "ValidationFault"
	}
	return newFault(status, typ, "10000", "An application error has occurred while processing your request",
		"System Failure Error: injected fault (status "+strconv.Itoa(status)+")", "")
}

// unauthorized renders QBO's gateway 401: lower-case keys, epoch-millis time,
// a WWW-Authenticate header, always JSON.
func unauthorized(now time.Time, detail string) *result {
	var buf bytes.Buffer
	buf.WriteString(`{"warnings":null,"intuitObject":null,"fault":{"error":[{"message":"message=AuthenticationFailed; errorCode=003200; statusCode=401","detail":`)
	_ = writeJSON(&buf, detail)
	buf.WriteString(`,"code":"3200","element":null}],"type":"AUTHENTICATION"},"report":null,"queryResponse":null,"batchItemResponse":[],"attachableResponse":[],"syncErrorResponse":null,"requestId":null,"time":`)
	buf.WriteString(strconv.FormatInt(now.UnixMilli(), 10))
	buf.WriteString(`,"status":null,"cdcresponse":[]}`)
	return &result{
		status: http.StatusUnauthorized,
		ctype:  "application/json;charset=UTF-8",
		body:   buf.Bytes(),
		header: map[string]string{"WWW-Authenticate": `Bearer realm="Intuit", error="invalid_token"`},
	}
}
