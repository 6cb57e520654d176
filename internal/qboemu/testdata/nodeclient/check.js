// Drives the public node-quickbooks client, unchanged, against the QBO
// emulator. The only change is the one a user makes to reach another QBO
// host: the client's endpoint base URL. Run by client_test.go:
//   QBO_BASE=http://127.0.0.1:port QBO_REALM=... QBO_TOKEN=... node check.js
'use strict';
const QuickBooks = require('node-quickbooks');

const base = process.env.QBO_BASE;
QuickBooks.V3_ENDPOINT_BASE_URL = base + '/v3/company/';
QuickBooks.TOKEN_URL = base + '/oauth2/v1/tokens/bearer';
QuickBooks.REVOKE_URL = base + '/v2/oauth2/tokens/revoke';

const qbo = new QuickBooks(
  process.env.QBO_CLIENT_ID || 'hoursync-dev', process.env.QBO_CLIENT_SECRET || 'hoursync-dev-secret',
  process.env.QBO_TOKEN, false, process.env.QBO_REALM,
  true, false, null, '2.0', process.env.QBO_REFRESH || null);

// call promisifies a node-quickbooks method.
function call(method, ...args) {
  return new Promise((resolve, reject) => {
    qbo[method](...args, (err, data) => (err ? reject(err) : resolve(data)));
  });
}

function check(cond, what, got) {
  if (!cond) {
    throw new Error('check failed: ' + what + ': ' + JSON.stringify(got));
  }
}

function faultCode(err) {
  const body = err && (err.Fault ? err : err.response && err.response.data);
  return body && body.Fault && body.Fault.Error && body.Fault.Error[0].code;
}

async function main() {
  const done = [];
  const since = new Date(Date.now() - 1000);

  const cust = await call('createCustomer', { DisplayName: "O'Brien & Sons", PrimaryEmailAddr: { Address: 'ap@obrien.example' } });
  check(cust.Id && cust.SyncToken === '0', 'createCustomer', cust);
  done.push('create');

  const read = await call('getCustomer', cust.Id);
  check(read.DisplayName === "O'Brien & Sons", 'getCustomer', read);
  done.push('read');

  const upd = await call('updateCustomer', { Id: cust.Id, SyncToken: read.SyncToken, Notes: 'sparse via node-quickbooks' });
  check(upd.SyncToken === '1' && upd.Notes === 'sparse via node-quickbooks' && upd.PrimaryEmailAddr.Address === 'ap@obrien.example',
    'updateCustomer (sparse)', upd);
  done.push('sparse-update');

  try {
    await call('createCustomer', { DisplayName: "O'Brien & Sons" });
    check(false, 'duplicate name should fault', null);
  } catch (err) {
    check(faultCode(err) === '6240', 'duplicate name fault', err.Fault || String(err));
  }
  done.push('fault');

  const found = await call('findCustomers', { DisplayName: "O'Brien & Sons" });
  check(found.QueryResponse.Customer.length === 1 && found.QueryResponse.Customer[0].Id === cust.Id, 'findCustomers escaped', found);
  const liked = await call('findCustomers', [{ field: 'DisplayName', value: '%Brien%', operator: 'LIKE' }]);
  check(liked.QueryResponse.Customer.length === 1, 'findCustomers LIKE', liked);
  const counted = await call('findCustomers', { count: true });
  check(counted.QueryResponse.totalCount === 1, 'count', counted);
  done.push('query');

  const item = await call('createItem', { Name: 'Node Design', Type: 'Service', UnitPrice: 120.5, IncomeAccountRef: { value: '1' } });
  check(item.IncomeAccountRef.name === 'Services', 'createItem', item);

  const ta = await call('createTimeActivity', {
    NameOf: 'Employee', EmployeeRef: { value: '1' }, Hours: 2, Minutes: 0, BillableStatus: 'Billable',
    HourlyRate: 120.5, CustomerRef: { value: cust.Id }, ItemRef: { value: item.Id }, TxnDate: '2026-11-02',
  });
  check(ta.BillableStatus === 'Billable', 'createTimeActivity', ta);

  const inv = await call('createInvoice', {
    CustomerRef: { value: cust.Id },
    Line: [{
      DetailType: 'SalesItemLineDetail', Amount: 241,
      SalesItemLineDetail: { ItemRef: { value: item.Id }, Qty: 2, UnitPrice: 120.5 },
      LinkedTxn: [{ TxnId: ta.Id, TxnType: 'TimeActivity' }],
    }],
  });
  check(inv.TotalAmt === 241 && inv.DocNumber, 'createInvoice', inv);
  const billed = await call('getTimeActivity', ta.Id);
  check(billed.BillableStatus === 'HasBeenBilled', 'time activity billed', billed);

  const batch = await call('batch', [
    { bId: 'c1', operation: 'create', Customer: { DisplayName: 'Batch Buddy' } },
    { bId: 'c2', operation: 'create', Customer: { DisplayName: "O'Brien & Sons" } },
    { bId: 'q1', Query: "select * from Customer where DisplayName = 'O\\'Brien & Sons'" },
  ]);
  const items = batch.BatchItemResponse;
  check(items.length === 3 && items[0].Customer && items[1].Fault && items[2].QueryResponse.Customer.length === 1, 'batch', batch);
  done.push('batch');

  const del = await call('deleteInvoice', inv.Id);
  check(del.Invoice && del.Invoice.status === 'Deleted', 'deleteInvoice', del);
  const delTA = await call('deleteTimeActivity', { Id: ta.Id, SyncToken: (await call('getTimeActivity', ta.Id)).SyncToken });
  check(delTA.TimeActivity.status === 'Deleted', 'deleteTimeActivity', delTA);
  done.push('delete');

  const cdc = await call('changeDataCapture', ['Customer', 'Invoice'], since);
  const blocks = cdc.CDCResponse[0].QueryResponse;
  check(blocks[0].Customer.length === 2 && blocks[1].Invoice[0].status === 'Deleted', 'changeDataCapture', cdc);
  done.push('cdc');

  const inv2 = await call('createInvoice', {
    CustomerRef: { value: cust.Id }, BillEmail: { Address: 'ap@obrien.example' },
    Line: [{ DetailType: 'SalesItemLineDetail', Amount: 100, SalesItemLineDetail: { ItemRef: { value: item.Id } } }],
  });
  const pay = await call('createPayment', {
    CustomerRef: { value: cust.Id }, TotalAmt: 60, Line: [{ Amount: 60, LinkedTxn: [{ TxnId: inv2.Id, TxnType: 'Invoice' }] }],
  });
  check(pay.Id && pay.UnappliedAmt === 0, 'createPayment', pay);
  const paid = await call('getInvoice', inv2.Id);
  check(paid.Balance === 40 && paid.LinkedTxn.some((l) => l.TxnType === 'Payment' && l.TxnId === pay.Id), 'invoice after payment', paid);
  const voided = await call('voidPayment', { Id: pay.Id, SyncToken: pay.SyncToken });
  check(voided.TotalAmt === 0 && voided.PrivateNote === 'Voided', 'voidPayment', voided);
  check((await call('getInvoice', inv2.Id)).Balance === 100, 'invoice after void', null);
  const gone = await call('deletePayment', { Id: voided.Id, SyncToken: voided.SyncToken });
  check(gone.Payment && gone.Payment.status === 'Deleted', 'deletePayment', gone);
  done.push('payment');

  const pdf = await call('getInvoicePdf', inv2.Id);
  check(Buffer.from(pdf).subarray(0, 5).toString() === '%PDF-', 'getInvoicePdf', String(Buffer.from(pdf).subarray(0, 40)));
  done.push('pdf');

  const sent = await call('sendInvoicePdf', inv2.Id, 'billing@obrien.example');
  check(sent.EmailStatus === 'EmailSent' && sent.BillEmail.Address === 'billing@obrien.example', 'sendInvoicePdf', sent);
  done.push('send');

  const info = await call('getCompanyInfo', process.env.QBO_REALM);
  check(info.CompanyName, 'getCompanyInfo', info);
  const prefs = await call('getPreferences');
  check(prefs.OtherPrefs, 'getPreferences', prefs);
  done.push('companyinfo');

  if (qbo.refreshToken) {
    const oldRefresh = qbo.refreshToken;
    const refreshed = await call('refreshAccessToken');
    check(refreshed.access_token && refreshed.refresh_token && refreshed.refresh_token !== oldRefresh && qbo.token === refreshed.access_token,
      'refreshAccessToken rotates', refreshed);
    const after = await call('getCompanyInfo', process.env.QBO_REALM);
    check(after.CompanyName, 'a call with the refreshed token', after);
    done.push('refresh');

    const token = qbo.token;
    const res = await call('revokeAccess', true);
    check(res.status === 200, 'revokeAccess', res.status);
    const stale = new QuickBooks(qbo.consumerKey, qbo.consumerSecret, token, false, process.env.QBO_REALM,
      true, false, null, '2.0', null);
    const status = await new Promise((resolve) => stale.getCompanyInfo(process.env.QBO_REALM,
      (err, body, r) => resolve(err ? (r && r.status) || (err.response && err.response.status) : 200)));
    check(status === 401, 'a call after revoke is refused', status);
    done.push('revoke');
  }

  process.stdout.write(JSON.stringify({ ok: true, done }) + '\n');
}

main().catch((err) => {
  const detail = err && err.Fault ? JSON.stringify(err.Fault) : (err && err.stack) || String(err);
  process.stderr.write('node-quickbooks check failed: ' + detail + '\n');
  process.exit(1);
});
