package workflows

// ErrTypeTaxCodeMissing is an invoice Hoursync refused to send: a line has no valid
// tax code in a company of the global tax model, where QuickBooks refuses the whole
// invoice (NOTES §9.4). The person picks a code; nothing reached QuickBooks.
const ErrTypeTaxCodeMissing = "TaxCodeMissing"
