// Control characters (C0, DEL, C1: terminal escapes, carriage returns, new lines), format
// characters that reorder or hide text (bidi overrides and isolates, zero-width, tags) and line separators.
const INVISIBLE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/gu;
const INVISIBLE_BUT_NEWLINE = /(?!\n)[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/gu;

const escaped = (character: string) =>
  `\\u${(character.codePointAt(0) ?? 0).toString(16).padStart(4, '0')}`;

/** Customer text made inert for a terminal or a log viewer: invisible characters are shown as \uXXXX. */
export function terminalText(value: string, { keepNewlines = false } = {}): string {
  return value.replace(keepNewlines ? INVISIBLE_BUT_NEWLINE : INVISIBLE, escaped);
}

/**
 * Customer text made inert for chat and paging tools as well: no mention (@here, <!channel>,
 * <@U…>), no link (<url|text>, bare URLs), no code span or markup to break out of.
 */
export function alertText(value: string): string {
  return terminalText(value)
    .replace(/</g, '‹')
    .replace(/>/g, '›')
    .replace(/`/g, 'ˋ')
    .replace(/\*/g, '∗')
    .replace(/~/g, '∼')
    .replace(/@(here|channel|everyone)\b/gi, '＠$1')
    .replace(/:\/\//g, ':⁄⁄');
}

/** JSON for a terminal: JSON.stringify escapes C0 controls, this escapes the rest as well. */
export function terminalJson(value: unknown): string {
  return JSON.stringify(value, null, 2).replace(INVISIBLE_BUT_NEWLINE, escaped);
}
