const DOT = '•';

/** A customer id as the console shows it by default: enough to tell two apart, not to read one. */
export function maskCustomerId(id: string): string {
  const characters = [...id];
  if (characters.length <= 4) {
    return DOT.repeat(4);
  }
  return `${characters[0]}${DOT.repeat(4)}${characters.slice(-2).join('')}`;
}

/**
 * Masks every occurrence of the given customer ids in a text (a body, a reason, an attribute):
 * a customer id copied into a note or an error message is masked as well.
 */
export function masked(text: string, customerIds: readonly string[]): string {
  return customerIds
    .filter((id) => id.length > 0)
    .sort((a, b) => b.length - a.length)
    .reduce((out, id) => out.split(id).join(maskCustomerId(id)), text);
}
