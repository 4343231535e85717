import { AuditEntry } from '../../../records/record';
import { html, Html } from '../html';
import { auditTable } from './audit-table';
import { urlOf } from './format';
import { PageContext, signedInPage } from './layout.page';

export interface AuditView {
  entries: AuditEntry[];
  limit: number;
  /** The customer id of each order the entries name: masked wherever a detail repeats it. */
  customerIds: Map<string, string>;
}

/** The audit log, newest first: who (verified), what, on which orders, with which plan. */
export function auditPage(context: PageContext, view: AuditView): Html {
  const { entries, limit, customerIds } = view;
  return signedInPage(
    context,
    'Audit log',
    html`<p>
        Every change, every read of an order's body and every reveal of a customer id, newest first.
        The actor is the verified person or API key, never a name sent with the request.
      </p>
      ${auditTable(entries, {
        label: 'Audit entries',
        empty: 'Nothing has been done yet.',
        caption: `The latest ${entries.length} entries`,
        customerIdsOf: (entry) => entry.recordIds.flatMap((id) => customerIds.get(id) ?? []),
      })}
      ${entries.length >= limit && limit < 1000
        ? html`<p>
            <a href="${urlOf('/console/audit', { limit: String(Math.min(limit * 5, 1000)) })}"
              >Show more</a
            >
          </p>`
        : ''}`,
  );
}
