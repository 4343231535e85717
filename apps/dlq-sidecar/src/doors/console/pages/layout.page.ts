import { Identity } from '../../identity/identity';
import { refusalOf } from '../../identity/permissions';
import { CSRF_FIELD } from '../../identity/identity.guard';
import { CONSOLE_JS_PATH } from '../console.script';
import { CONSOLE_CSS_PATH } from '../console.styles';
import { Html, html } from '../html';

export interface PageContext {
  identity: Identity;
  /** For the forms on the page (hidden _csrf field). */
  csrfToken?: string;
  path: string;
}

function document(title: string, body: Html, csrfToken?: string): Html {
  return html`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="color-scheme" content="light dark" />
        <title>${title} · DLQ console</title>
        <link rel="stylesheet" href="${CONSOLE_CSS_PATH}" />
        <script src="${CONSOLE_JS_PATH}" defer></script>
        ${csrfToken ? html`<meta name="csrf-token" content="${csrfToken}" />` : ''}
      </head>
      <body>
        ${body}
      </body>
    </html>`;
}

// A view's own pages count as the view: an order's page is under "Failed orders".
function link(context: PageContext, path: string, label: string): Html {
  const current =
    context.path === path || (path !== '/console' && context.path.startsWith(`${path}/`));
  return html`<a href="${path}" ${current ? html`aria-current="page"` : ''}>${label}</a>`;
}

/** Every signed-in page: who you are, sign out, the views, and the page itself. */
export function signedInPage(context: PageContext, title: string, content: Html): Html {
  const { identity } = context;
  const keysRefusal = refusalOf(identity, 'api-keys.read');
  return document(
    title,
    html`<a class="skip" href="#content">Skip to content</a>
      <header>
        <a class="brand" href="/console">DLQ console</a>
        <div class="who">
          <span>Signed in as <strong>${identity.name}</strong> (${identity.role})</span>
          ${identity.via !== 'proxy'
            ? html`<form method="post" action="/console/sign-out">
                <input type="hidden" name="${CSRF_FIELD}" value="${context.csrfToken ?? ''}" />
                <button type="submit" class="quiet">Sign out</button>
              </form>`
            : html`<span>via your sign-in proxy</span>`}
        </div>
      </header>
      <div class="layout">
        <nav aria-label="Console">
          <ul>
            <li>${link(context, '/console', 'Overview')}</li>
            <li>${link(context, '/console/groups', 'Failure groups')}</li>
            <li>${link(context, '/console/orders', 'Failed orders')}</li>
            <li>${link(context, '/console/plans', 'Redrive plans')}</li>
            <li>${link(context, '/console/audit', 'Audit log')}</li>
            <li>${link(context, '/console/permissions', 'What may I do')}</li>
            <li>
              ${keysRefusal
                ? html`<span class="later" aria-disabled="true" aria-describedby="keys-why"
                      >API keys</span
                    ><span class="reason" id="keys-why">${keysRefusal}</span>`
                : link(context, '/console/api-keys', 'API keys')}
            </li>
          </ul>
        </nav>
        <main id="content" tabindex="-1">
          <h1>${title}</h1>
          ${content}
        </main>
      </div>`,
    // For scripts (htmx's hx-headers): changes send it as X-CSRF-Token.
    context.csrfToken,
  );
}

/** Pages for people who are not signed in (or may not enter): no navigation, nothing else shown. */
export function standalonePage(title: string, content: Html): Html {
  return document(
    title,
    html`<main id="content" class="card">
      <h1>${title}</h1>
      ${content}
    </main>`,
  );
}
