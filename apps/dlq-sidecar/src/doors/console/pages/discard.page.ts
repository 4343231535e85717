import { html, Html } from '../html';
import { actionButton, actionsStyles, csrfField, hiddenFields } from './action-controls';
import { PageContext, signedInPage } from './layout.page';

export type DiscardVerb = 'discard' | 'restore';

const WORDS: Record<DiscardVerb, { title: string; done: string }> = {
  discard: { title: 'Discard', done: 'Discarded' },
  restore: { title: 'Restore', done: 'Restored' },
};

/** Bulk needs the count typed back: the form carries the same choice, plus the typed count. */
export function confirmCountPage(
  context: PageContext,
  verb: DiscardVerb,
  count: number,
  fields: [string, string][],
  problem?: string,
): Html {
  const words = WORDS[verb];
  return signedInPage(
    context,
    `${words.title} ${count} orders?`,
    html`${actionsStyles()} ${problem ? html`<p class="notice" role="alert">${problem}</p>` : ''}
      <p>
        ${count} orders match this choice.
        ${verb === 'discard'
          ? 'Discarding is soft: they stay, marked discarded, and can be restored.'
          : 'They go back to what they were before they were discarded.'}
      </p>
      <form method="post" action="/console/${verb}">
        ${csrfField(context)} ${hiddenFields(fields.filter(([name]) => name !== 'confirmCount'))}
        <div class="field">
          <label for="confirm-count">Type ${count} to ${verb} them</label>
          <input
            id="confirm-count"
            name="confirmCount"
            type="text"
            inputmode="numeric"
            autocomplete="off"
            required
            pattern="${String(count)}"
            title="The number of orders: ${count}"
          />
        </div>
        ${actionButton(context, 'failed-orders.discard', `${words.title} ${count} orders`, {
          id: `confirm-${verb}`,
        })}
      </form>
      <p><a href="/console/orders">Back to the list</a></p>`,
  );
}

/** What happened, and the undo: a discard offers to restore exactly those orders. */
export function discardResultPage(
  context: PageContext,
  verb: DiscardVerb,
  recordIds: string[],
): Html {
  const undo: DiscardVerb = verb === 'discard' ? 'restore' : 'discard';
  const count = recordIds.length;
  return signedInPage(
    context,
    `${WORDS[verb].done} ${count} order${count === 1 ? '' : 's'}`,
    html`${actionsStyles()}
      <p role="status">
        ${count === 0
          ? `Nothing to ${verb}: no order of this choice can be ${verb === 'discard' ? 'discarded (only open ones can)' : 'restored (only discarded ones can, within the restore window)'}.`
          : `${WORDS[verb].done}: ${recordIds.slice(0, 20).join(', ')}${count > 20 ? ', …' : ''}. The audit log names you.`}
      </p>
      ${count > 0
        ? html`<form method="post" action="/console/${undo}">
            ${csrfField(context)}
            ${hiddenFields(recordIds.map((id) => ['key', id] as [string, string]))}
            ${count > 1
              ? html`<div class="field">
                  <label for="undo-count">Type ${count} to ${undo} them again</label>
                  <input
                    id="undo-count"
                    name="confirmCount"
                    type="text"
                    inputmode="numeric"
                    autocomplete="off"
                    required
                    pattern="${String(count)}"
                  />
                </div>`
              : ''}
            ${actionButton(
              context,
              'failed-orders.discard',
              `Undo: ${undo} ${count === 1 ? 'it' : 'them'}`,
              {
                id: 'undo',
              },
            )}
          </form>`
        : ''}
      <p><a href="/console/orders">Back to the list</a></p>`,
  );
}
