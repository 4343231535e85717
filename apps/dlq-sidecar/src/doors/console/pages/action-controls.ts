import { refusalOf, Action } from '../../identity/permissions';
import { CSRF_FIELD } from '../../identity/identity.guard';
import { ACTIONS_STYLES } from '../console-actions.assets';
import { html, Html } from '../html';
import { PageContext } from './layout.page';

/** The actions' stylesheet: a separate file, so the shared sheet stays the views' own. */
export const actionsStyles = (): Html =>
  html`<link rel="stylesheet" href="${ACTIONS_STYLES.path}" />`;

export const csrfField = (context: PageContext): Html =>
  html`<input type="hidden" name="${CSRF_FIELD}" value="${context.csrfToken ?? ''}" />`;

/** Hidden copies of a form's own fields, to carry a choice through a confirm step unchanged. */
export const hiddenFields = (fields: [string, string][]): Html[] =>
  fields.map(([name, value]) => html`<input type="hidden" name="${name}" value="${value}" />`);

/**
 * A submit button the role may use, or the same button disabled with the reason beside it (the
 * server refuses it anyway).
 */
export function actionButton(
  context: PageContext,
  action: Action,
  label: string,
  options: { id: string; name?: string; value?: string; quiet?: boolean },
): Html {
  const refusal = refusalOf(context.identity, action);
  const reasonId = `${options.id}-why`;
  return html`<button
      type="submit"
      id="${options.id}"
      ${options.name ? html`name="${options.name}" value="${options.value ?? ''}"` : ''}
      ${options.quiet ? html`class="quiet"` : ''}
      ${refusal ? html`disabled aria-describedby="${reasonId}"` : ''}
    >
      ${label}</button
    >${refusal ? html`<span class="reason" id="${reasonId}">${refusal}</span>` : ''}`;
}
