import { createHash } from 'node:crypto';

// One small stylesheet, served by the sidecar itself. Colours are checked for WCAG AA contrast in
// both schemes; dark follows the system (prefers-color-scheme), nothing to toggle or store.
export const CONSOLE_CSS = `
:root {
  color-scheme: light dark;
  --bg: #ffffff; --fg: #1b1f24; --muted: #4d5561; --line: #d0d7de; --panel: #f6f8fa;
  --accent: #0b57d0; --accent-fg: #ffffff; --ok: #116329; --no: #a40e26; --focus: #0b57d0;
}
@media (prefers-color-scheme: dark) {
  :root {
    --bg: #0d1117; --fg: #e6edf3; --muted: #9da7b3; --line: #30363d; --panel: #161b22;
    --accent: #4493f8; --accent-fg: #0d1117; --ok: #56d364; --no: #ff7b72; --focus: #79c0ff;
  }
}
* { box-sizing: border-box; }
html { font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", sans-serif; }
body { margin: 0; background: var(--bg); color: var(--fg); }
a { color: var(--accent); }
:focus-visible { outline: 3px solid var(--focus); outline-offset: 2px; }
.skip { position: absolute; left: -9999px; top: 0; background: var(--bg); padding: .5rem 1rem; }
.skip:focus { left: 1rem; z-index: 1; }
header { display: flex; flex-wrap: wrap; gap: .5rem 1.5rem; align-items: center; justify-content: space-between;
  padding: .75rem 1.5rem; border-bottom: 1px solid var(--line); background: var(--panel); }
header .brand { font-weight: 700; color: var(--fg); text-decoration: none; }
header .who { display: flex; flex-wrap: wrap; gap: .75rem; align-items: center; color: var(--muted); }
.layout { display: grid; grid-template-columns: 14rem 1fr; min-height: calc(100vh - 3.5rem); }
nav { border-right: 1px solid var(--line); padding: 1rem 1.5rem; }
nav ul { list-style: none; margin: 0; padding: 0; }
nav li { margin: .25rem 0; }
nav a[aria-current="page"] { font-weight: 700; color: var(--fg); }
nav .later { color: var(--muted); }
main { padding: 1.5rem; max-width: 80rem; min-width: 0; }
h1 { font-size: 1.5rem; margin: 0 0 1rem; }
h2 { font-size: 1.15rem; margin: 1.5rem 0 .5rem; }
p, li { max-width: 70ch; }
.muted { color: var(--muted); }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: .5rem .75rem; border-bottom: 1px solid var(--line); vertical-align: top; }
th { background: var(--panel); }
.yes { color: var(--ok); font-weight: 600; }
.no { color: var(--no); font-weight: 600; }
button, .button { font: inherit; padding: .4rem 1rem; border-radius: 6px; border: 1px solid var(--accent);
  background: var(--accent); color: var(--accent-fg); cursor: pointer; text-decoration: none; display: inline-block; }
button.quiet { background: transparent; color: var(--fg); border-color: var(--line); }
button:disabled { background: var(--panel); color: var(--muted); border-color: var(--line); cursor: not-allowed; }
.reason { display: block; color: var(--muted); font-size: .9rem; margin-top: .25rem; }
.card { max-width: 32rem; margin: 4rem auto; padding: 2rem; border: 1px solid var(--line); border-radius: 8px; background: var(--panel); }
.notice { border-left: 4px solid var(--no); padding: .5rem 1rem; background: var(--panel); }
code { font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size: .9em; }
.visually-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
.big { font-size: 1.15rem; }
.filters { display: flex; flex-wrap: wrap; gap: .75rem 1rem; align-items: flex-end; margin: 0 0 1rem; }
.field { display: flex; flex-direction: column; gap: .2rem; min-width: 10rem; flex: 1 1 12rem; max-width: 20rem; }
.field.buttons { flex-direction: row; align-items: center; gap: 1rem; flex: 0 0 auto; min-width: 0; }
.field label { font-weight: 600; font-size: .95rem; }
.hint { color: var(--muted); font-size: .85rem; }
input, select { font: inherit; padding: .35rem .5rem; border: 1px solid var(--muted); border-radius: 6px; background: var(--bg); color: var(--fg); max-width: 100%; }
input[type="checkbox"] { width: 1.1rem; height: 1.1rem; }
fieldset.actions { border: 1px solid var(--line); border-radius: 6px; display: flex; flex-wrap: wrap; gap: .5rem 1rem; align-items: flex-start; margin: 0 0 1rem; padding: .5rem 1rem .75rem; }
fieldset.actions legend { font-weight: 600; padding: 0 .25rem; }
.action { display: inline-flex; flex-direction: column; max-width: 18rem; }
.toolbar { display: flex; flex-wrap: wrap; gap: .5rem 1rem; align-items: flex-start; margin: .5rem 0 1rem; }
.toolbar form { margin: 0; }
.scroll { overflow-x: auto; max-width: 100%; }
td, th { overflow-wrap: break-word; }
.number { text-align: right; font-variant-numeric: tabular-nums; }
.badge { display: inline-block; border: 1px solid var(--no); color: var(--no); border-radius: 4px; padding: 0 .35rem; font-size: .85rem; }
.masked { font-family: ui-monospace, SFMono-Regular, Menlo, monospace; }
.trend rect { fill: var(--accent); }
.trend line { stroke: var(--line); }
.state { margin: .25rem 0; }
.state.stored strong { color: var(--ok); }
.notice.ok { border-left-color: var(--ok); }
dl.attributes { display: grid; grid-template-columns: max-content 1fr; gap: .25rem 1rem; margin: 0; }
dl.attributes dt { font-weight: 600; }
dl.attributes dd { margin: 0; overflow-wrap: anywhere; }
pre.body { background: var(--panel); border: 1px solid var(--line); border-radius: 6px; padding: .75rem 1rem; overflow-x: auto; max-height: 32rem; white-space: pre-wrap; overflow-wrap: anywhere; }
code.detail { white-space: pre-wrap; overflow-wrap: anywhere; }
section.record { border-top: 1px solid var(--line); margin-top: 1.5rem; }
h3 { font-size: 1rem; margin: 1.25rem 0 .5rem; }
details.triage summary { cursor: pointer; color: var(--accent); margin-top: .25rem; }
details.triage form { display: grid; gap: .5rem; margin-top: .5rem; }
.pages { display: flex; gap: 1.5rem; margin: 0 0 1rem; }
.reveal { display: flex; flex-wrap: wrap; gap: .75rem 1rem; align-items: flex-end; margin: 0 0 1rem; }
.reveal .field { max-width: 28rem; flex-basis: 20rem; }
@media (max-width: 40rem) {
  .layout { grid-template-columns: 1fr; }
  nav { border-right: 0; border-bottom: 1px solid var(--line); padding: .75rem 1rem; }
  nav ul { display: flex; flex-wrap: wrap; gap: .25rem 1rem; }
  main { padding: 1rem; }
  header { padding: .75rem 1rem; }
  th, td { padding: .4rem; }
  .field { max-width: none; }
  /* Wide tables become one card per row, each value with its column's name. */
  table.orders thead, table.groups thead { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); }
  table.orders tr, table.groups tr { display: grid; grid-template-columns: 2rem minmax(0, 1fr); gap: .2rem .5rem; padding: .6rem 0; border-bottom: 1px solid var(--line); }
  table.orders td, table.orders th, table.groups td, table.groups th { display: block; grid-column: 2; border: 0; padding: 0; background: none; text-align: left; overflow-wrap: anywhere; }
  table.orders td:first-child { grid-column: 1; grid-row: 1 / span 7; }
  table.groups th, table.groups td { grid-column: 1 / -1; }
  table.orders td[data-label]::before, table.groups td[data-label]::before { content: attr(data-label) ": "; color: var(--muted); }
  dl.attributes { grid-template-columns: 1fr; }
}
`;

/** Part of the stylesheet's URL: a changed sheet gets a new URL, so it may be cached for good. */
export const CONSOLE_CSS_HASH = createHash('sha256').update(CONSOLE_CSS).digest('hex').slice(0, 12);
export const CONSOLE_CSS_PATH = `/console/assets/console.${CONSOLE_CSS_HASH}.css`;
