import { ConsoleSignInMode } from '@orders/config';
import { html, Html } from '../html';
import { standalonePage } from './layout.page';

function howTo(mode: ConsoleSignInMode): Html {
  switch (mode) {
    case 'local-token':
      return html`<p>
        Open the sign-in link that <code>npm start</code> printed in its terminal (the
        <code>console</code> line). Each link signs in once; a restart of the dlq-sidecar prints a
        new one.
      </p>`;
    case 'oidc':
      return html`<p>
        <a class="button" href="/console/oidc/start">Sign in with your identity provider</a>
      </p>`;
    case 'proxy':
      return html`<p>
        This console is reached through a sign-in proxy. Open it through the proxy's address; direct
        requests carry no identity.
      </p>`;
    case 'off':
      return html`<p>The console is switched off (CONSOLE_SIGN_IN=off).</p>`;
  }
}

export function signInPage(mode: ConsoleSignInMode, problem?: string): Html {
  return standalonePage(
    'Sign in',
    html`${problem ? html`<p class="notice" role="alert">${problem}</p>` : ''}
      <p>The DLQ console shows failed orders and lets operators repair and redrive them.</p>
      ${howTo(mode)}`,
  );
}

export function problemPage(title: string, message: string): Html {
  return standalonePage(
    title,
    html`<p class="notice" role="alert">${message}</p>
      <p><a href="/console">Back to the console</a></p>`,
  );
}
