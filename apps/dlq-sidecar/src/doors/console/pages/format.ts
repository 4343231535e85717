import { Identity } from '../../identity/identity';
import { Action, refusalOf } from '../../identity/permissions';
import { CSRF_FIELD } from '../../identity/identity.guard';
import { html, Html } from '../html';

/** A time as people read it in an incident channel: UTC, to the second, machine-readable too. */
export function time(at: Date | string | null | undefined): Html {
  if (at === null || at === undefined) {
    return html`<span class="muted">—</span>`;
  }
  const date = at instanceof Date ? at : new Date(at);
  const text = `${date.toISOString().slice(0, 19).replace('T', ' ')} UTC`;
  return html`<time datetime="${date.toISOString()}">${text}</time>`;
}

/** A URL with query parameters, leaving out the empty ones: every view and filter is a link. */
export function urlOf(path: string, query: Record<string, string | undefined>): string {
  const search = new URLSearchParams(
    Object.entries(query).filter((entry): entry is [string, string] => !!entry[1]),
  ).toString();
  return search ? `${path}?${search}` : path;
}

export function csrfField(csrfToken: string | undefined): Html {
  return html`<input type="hidden" name="${CSRF_FIELD}" value="${csrfToken ?? ''}" />`;
}

/**
 * A submit button for an action, or the same button disabled with the reason the role may not
 * (the server refuses it anyway). `id` names the reason for aria-describedby.
 */
export function actionButton(
  identity: Identity,
  action: Action,
  label: string,
  options: { id: string; formaction?: string; unavailable?: string },
): Html {
  const refusal = refusalOf(identity, action) ?? options.unavailable;
  const formaction = options.formaction ? html`formaction="${options.formaction}"` : '';
  return refusal
    ? html`<span class="action"
        ><button type="submit" disabled aria-describedby="${options.id}">${label}</button
        ><span class="reason" id="${options.id}">${refusal}</span></span
      >`
    : html`<span class="action"><button type="submit" ${formaction}>${label}</button></span>`;
}

/** The page's problem, announced: what was wrong with the input and how to say it. */
export function problem(message: string | undefined): Html {
  return message ? html`<p class="notice" role="alert">${message}</p>` : html``;
}
