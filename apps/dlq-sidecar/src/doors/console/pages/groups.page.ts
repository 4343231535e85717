import { GroupWithTrend } from '../../../operations/group-trends';
import { html, Html } from '../html';
import { PageContext, signedInPage } from './layout.page';
import { refusalOf } from '../../identity/permissions';
import { csrfField, problem, time, urlOf } from './format';
import { trendChart } from './trend';

export interface GroupsView {
  groups: GroupWithTrend[];
  /** As the operator typed it (`2h`, an ISO time), for the form and the links. */
  since?: string;
  sinceAt?: Date;
  problem?: string;
}

/** Failure groups: where to look first (sorted by impact), how it develops, who has it. */
/** Owner, note, hold: a small form behind a disclosure, or the reason the role may not. */
function triageForm(context: PageContext, group: GroupWithTrend, index: number): Html {
  const refusal = refusalOf(context.identity, 'failed-orders.triage');
  if (refusal) {
    return html``;
  }
  const id = (name: string) => `triage-${index}-${name}`;
  return html`<details class="triage">
    <summary>Change triage<span class="visually-hidden"> of ${group.failureCode}</span></summary>
    <form method="post" action="/console/groups/${encodeURIComponent(group.failureCode)}/triage">
      ${csrfField(context.csrfToken)}
      <div class="field">
        <label for="${id('owner')}">Owner</label>
        <input id="${id('owner')}" name="owner" value="${group.owner ?? ''}" maxlength="256" />
      </div>
      <div class="field">
        <label for="${id('note')}">Note</label>
        <input id="${id('note')}" name="note" value="${group.note ?? ''}" maxlength="2000" />
      </div>
      <div class="field">
        <label for="${id('hold')}">On hold (no alerts)</label>
        <select id="${id('hold')}" name="onHold">
          <option value="false" ${group.onHold ? '' : html`selected`}>No</option>
          <option value="true" ${group.onHold ? html`selected` : ''}>Yes</option>
        </select>
      </div>
      <button type="submit">Save</button>
    </form>
  </details>`;
}

export function groupsTable(
  groups: GroupWithTrend[],
  view: Pick<GroupsView, 'since' | 'sinceAt'>,
  context?: PageContext,
): Html {
  if (groups.length === 0) {
    return html`<p>No failed orders are open. Nothing to do.</p>`;
  }
  return html`<div class="scroll" role="region" aria-label="Failure groups" tabindex="0">
    <table class="groups">
      <caption class="muted">
        Sorted by impact: open orders, then failures in the last 24 hours; groups on hold last.
      </caption>
      <thead>
        <tr>
          <th scope="col">Failure</th>
          <th scope="col" class="number">Open orders</th>
          ${view.sinceAt
            ? html`<th scope="col" class="number">New since ${time(view.sinceAt)}</th>`
            : ''}
          <th scope="col">Last 24 h</th>
          <th scope="col">First / last seen</th>
          <th scope="col">Triage</th>
        </tr>
      </thead>
      <tbody>
        ${groups.map(
          (group, index) =>
            html`<tr>
              <th scope="row">
                <a href="${urlOf('/console/orders', { code: group.failureCode })}"
                  >${group.failureCode}</a
                >
                <span class="reason">${group.latestReason}</span>
              </th>
              <td data-label="Open orders" class="number">
                <span data-live="${group.failureCode}">${group.count}</span>
              </td>
              ${view.sinceAt
                ? html`<td data-label="New since" class="number">
                    <a
                      href="${urlOf('/console/orders', {
                        code: group.failureCode,
                        from: view.since,
                      })}"
                      aria-label="${group.newSince} new ${group.failureCode} since ${view.since}"
                      >${group.newSince}</a
                    >
                  </td>`
                : ''}
              <td data-label="Last 24 h">${trendChart(group.trend)}</td>
              <td data-label="First / last seen">
                ${time(group.firstFailedAt)}<br />${time(group.lastFailedAt)}
              </td>
              <td data-label="Triage">
                ${group.onHold ? html`<strong class="badge">On hold</strong> ` : ''}
                ${group.owner
                  ? html`<span>Owner: ${group.owner}</span>`
                  : html`<span class="muted">No owner</span>`}
                ${group.note ? html`<span class="reason">${group.note}</span>` : ''}
                ${context ? triageForm(context, group, index) : ''}
              </td>
            </tr>`,
        )}
      </tbody>
    </table>
  </div>`;
}

export function groupsPage(context: PageContext, view: GroupsView): Html {
  return signedInPage(
    context,
    'Failure groups',
    html`<p>
        Failed orders by failure code. Open a group to see its orders; the counts update by
        themselves. <span class="muted" data-live-at></span>
      </p>
      <form method="get" action="/console/groups" class="filters">
        <div class="field">
          <label for="since">New since</label>
          <input
            id="since"
            name="since"
            value="${view.since ?? ''}"
            aria-describedby="since-hint"
            placeholder="2h"
          />
          <span class="hint" id="since-hint"
            >How long ago (15m, 2h, 7d) or a time (2026-12-06T12:00Z)</span
          >
        </div>
        <div class="field buttons"><button type="submit">Show</button></div>
      </form>
      ${problem(view.problem)} ${groupsTable(view.groups, view, context)}`,
  );
}
