import { createHash } from 'node:crypto';

// The console's only script (about 1 KB, served from 'self'; no inline script, no eval): live
// counts polled from /console/live, and "select all on this page" for bulk forms. Every page
// works without it; it only saves a reload.
export const CONSOLE_JS = `'use strict';
(function () {
  var live = document.querySelectorAll('[data-live]');
  var stamp = document.querySelector('[data-live-at]');
  var EVERY_MS = 5000;
  function show(counts) {
    live.forEach(function (element) {
      var name = element.getAttribute('data-live');
      var value = name === 'total' ? counts.total : (counts.groups[name] || 0);
      if (element.textContent !== String(value)) {
        element.textContent = String(value);
      }
    });
    if (stamp) {
      stamp.textContent = 'Counts updated ' + new Date(counts.at).toLocaleTimeString();
    }
  }
  function poll() {
    if (document.visibilityState === 'visible') {
      fetch('/console/live', { headers: { accept: 'application/json' }, credentials: 'same-origin' })
        .then(function (response) { return response.ok ? response.json() : Promise.reject(response.status); })
        .then(show)
        .catch(function () { if (stamp) { stamp.textContent = 'Live counts paused (reload the page)'; } });
    }
  }
  if (live.length > 0) {
    setInterval(poll, EVERY_MS);
    document.addEventListener('visibilitychange', poll);
  }
  document.querySelectorAll('input[data-select-all]').forEach(function (all) {
    all.hidden = false;
    all.parentElement.hidden = false;
    all.addEventListener('change', function () {
      all.form.querySelectorAll('input[type=checkbox][name=key]').forEach(function (box) {
        box.checked = all.checked;
      });
    });
  });
})();
`;

export const CONSOLE_JS_HASH = createHash('sha256').update(CONSOLE_JS).digest('hex').slice(0, 12);
export const CONSOLE_JS_PATH = `/console/assets/console.${CONSOLE_JS_HASH}.js`;
