import { createHash } from 'node:crypto';

// The actions' only script and styles, served by the sidecar from 'self' (the CSP allows no
// inline script, no eval). Plain browser JavaScript, no build step: about 3 KB in all.

/**
 * Keeps a plan's page current without a reload: while the plan runs or outcomes are pending, it
 * fetches the page again and swaps the #live region; when the plan's state changes it reloads,
 * so the controls match the state.
 */
const PLAN_LIVE_JS = `'use strict';
(function () {
  var live = document.getElementById('live');
  if (!live || live.getAttribute('data-poll') !== 'on') { return; }
  var started = Date.now();
  function tick() {
    fetch(location.href, { credentials: 'same-origin', headers: { accept: 'text/html' } })
      .then(function (response) { return response.ok ? response.text() : Promise.reject(response.status); })
      .then(function (text) {
        var next = new DOMParser().parseFromString(text, 'text/html').getElementById('live');
        if (!next) { return; }
        if (next.getAttribute('data-state') !== live.getAttribute('data-state')) { location.reload(); return; }
        live.innerHTML = next.innerHTML;
        live.setAttribute('data-poll', next.getAttribute('data-poll') || 'off');
      })
      .catch(function () { /* the next tick tries again */ })
      .then(function () {
        if (live.getAttribute('data-poll') === 'on' && Date.now() - started < 30 * 60 * 1000) {
          setTimeout(tick, 1500);
        }
      });
  }
  setTimeout(tick, 1500);
})();
`;

/**
 * Checks an edit in the browser before anything is sent: the form against the HTML constraints
 * the server derived from the contract, the JSON editor against the same rules (data-rules). It
 * names every invalid field in a summary and moves the focus to the first; the server checks
 * again with the contract itself.
 */
const EDIT_CHECK_JS = `'use strict';
(function () {
  function show(form, problems) {
    var box = document.getElementById(form.getAttribute('data-problems'));
    box.textContent = '';
    if (problems.length === 0) { box.hidden = true; return; }
    var title = document.createElement('p');
    title.textContent = problems.length === 1 ? 'Fix this field before sending:' : 'Fix these ' + problems.length + ' fields before sending:';
    var list = document.createElement('ul');
    problems.forEach(function (problem) {
      var item = document.createElement('li');
      var link = document.createElement('a');
      link.href = '#' + problem.id;
      link.textContent = problem.field + ': ' + problem.message;
      item.appendChild(link);
      list.appendChild(item);
    });
    box.appendChild(title);
    box.appendChild(list);
    box.hidden = false;
  }
  function checkForm(form) {
    var problems = [];
    Array.prototype.forEach.call(form.elements, function (element) {
      if (!element.willValidate) { return; }
      element.setAttribute('aria-invalid', element.validity.valid ? 'false' : 'true');
      if (!element.validity.valid) {
        problems.push({ id: element.id, field: element.getAttribute('data-field') || element.name, message: element.validationMessage });
      }
    });
    return problems;
  }
  function within(value, rule, kind) {
    if (kind === 'number') {
      if (typeof value !== 'number' || Math.floor(value) !== value) { return 'must be a whole number'; }
      if (rule.minimum !== undefined && value < rule.minimum) { return 'must be at least ' + rule.minimum; }
      if (rule.maximum !== undefined && value > rule.maximum) { return 'must be at most ' + rule.maximum; }
      return '';
    }
    if (typeof value !== 'string') { return 'must be text'; }
    var length = Array.from(value).length;
    if (rule.minLength !== undefined && length < rule.minLength) { return 'must not be empty'; }
    if (rule.maxLength !== undefined && length > rule.maxLength) { return 'must be at most ' + rule.maxLength + ' characters'; }
    if (rule.enum && rule.enum.indexOf(value) < 0) { return 'must be an ISO 4217 code such as EUR'; }
    return '';
  }
  function checkJson(form) {
    var area = form.querySelector('textarea');
    var rules = JSON.parse(form.getAttribute('data-rules'));
    var order;
    try { order = JSON.parse(area.value); } catch (error) {
      return [{ id: area.id, field: 'order (JSON)', message: 'not valid JSON: ' + error.message }];
    }
    if (!order || typeof order !== 'object' || Array.isArray(order)) {
      return [{ id: area.id, field: 'order (JSON)', message: 'must be an object with customerId, currency and items' }];
    }
    var problems = [];
    function add(field, message) { if (message) { problems.push({ id: area.id, field: field, message: message }); } }
    add('customerId', within(order.customerId, rules.customerId, 'text'));
    add('currency', within(order.currency, rules.currency, 'text'));
    if (!Array.isArray(order.items) || order.items.length < rules.items.minItems || order.items.length > rules.items.maxItems) {
      add('items', 'must be a list of ' + rules.items.minItems + ' to ' + rules.items.maxItems + ' items');
    } else {
      order.items.forEach(function (item, index) {
        Object.keys(rules.item).forEach(function (name) {
          var rule = rules.item[name];
          add('items[' + index + '].' + name, within(item && item[name], rule, rule.kind));
        });
      });
    }
    area.setAttribute('aria-invalid', problems.length ? 'true' : 'false');
    return problems;
  }
  Array.prototype.forEach.call(document.querySelectorAll('form[data-check]'), function (form) {
    form.noValidate = true;
    form.addEventListener('submit', function (event) {
      var submitter = event.submitter;
      if (submitter && submitter.hasAttribute('formnovalidate')) { return; }
      var problems = form.getAttribute('data-check') === 'json' ? checkJson(form) : checkForm(form);
      show(form, problems);
      if (problems.length > 0) {
        event.preventDefault();
        var first = document.getElementById(problems[0].id);
        if (first) { first.focus(); }
      }
    });
  });
})();
`;

const ACTIONS_CSS = `
.actions-bar { display: flex; flex-wrap: wrap; gap: 1rem; align-items: flex-end; margin: 1rem 0; }
.actions-bar form { display: flex; flex-wrap: wrap; gap: .5rem; align-items: flex-end;
  padding: .75rem; border: 1px solid var(--line); border-radius: 6px; }
.actions-bar label, .edit-form label { display: block; font-weight: 600; }
input[type="text"], input[type="number"], textarea { font: inherit; padding: .35rem .5rem;
  border: 1px solid var(--muted); border-radius: 4px; background: var(--bg); color: var(--fg); max-width: 100%; }
input[aria-invalid="true"], textarea[aria-invalid="true"] { border: 2px solid var(--no); }
textarea { width: 100%; font-family: ui-monospace, SFMono-Regular, Menlo, monospace; }
.field { margin: 0 0 .75rem; }
.field-problem { display: block; color: var(--no); font-weight: 600; }
.problems { border-left: 4px solid var(--no); padding: .5rem 1rem; background: var(--panel); margin: 1rem 0; }
fieldset { border: 1px solid var(--line); border-radius: 6px; margin: 0 0 1rem; padding: .75rem; }
.item-row { display: flex; flex-wrap: wrap; gap: .75rem; }
progress { width: 100%; max-width: 30rem; height: 1.25rem; }
.counts { display: flex; flex-wrap: wrap; gap: .5rem 1.5rem; padding: 0; list-style: none; }
.outcome-stored { color: var(--ok); font-weight: 600; }
.outcome-failed_again { color: var(--no); font-weight: 600; }
.diff del { color: var(--no); } .diff ins { color: var(--ok); text-decoration: none; font-weight: 600; }
pre { white-space: pre-wrap; overflow-wrap: anywhere; background: var(--panel); padding: .5rem; border-radius: 4px; }
.table-wrap { overflow-x: auto; }
`;

function hashOf(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 12);
}

export interface Asset {
  path: string;
  type: string;
  text: string;
}

// Content-hashed paths: a changed file is a new URL, so each may be cached for good.
export const PLAN_LIVE_SCRIPT: Asset = {
  path: `/console/assets/plan-live.${hashOf(PLAN_LIVE_JS)}.js`,
  type: 'text/javascript; charset=utf-8',
  text: PLAN_LIVE_JS,
};
export const EDIT_CHECK_SCRIPT: Asset = {
  path: `/console/assets/edit-check.${hashOf(EDIT_CHECK_JS)}.js`,
  type: 'text/javascript; charset=utf-8',
  text: EDIT_CHECK_JS,
};
export const ACTIONS_STYLES: Asset = {
  path: `/console/assets/actions.${hashOf(ACTIONS_CSS)}.css`,
  type: 'text/css; charset=utf-8',
  text: ACTIONS_CSS,
};
export const ACTION_ASSETS = [PLAN_LIVE_SCRIPT, EDIT_CHECK_SCRIPT, ACTIONS_STYLES];
