import { alertText, terminalJson, terminalText } from './display-text';

describe(terminalText.name, () => {
  it('should show escapes, bidi overrides and new lines as visible \\u escapes', () => {
    expect(terminalText('a\u001b[2Jb\u202Ec\r\nd\u{e0041}')).toBe(
      'a\\u001b[2Jb\\u202ec\\u000d\\u000ad\\ue0041',
    );
    expect(terminalText('one\ntwo\u0007', { keepNewlines: true })).toBe('one\ntwo\\u0007');
  });
});

describe(alertText.name, () => {
  it('should leave no mention, link or code span to break out of', () => {
    const text = alertText('<!channel> @here <@U1> <https://x.example|y> `z` *b* ~s~');

    expect(text).toBe('‹!channel› ＠here ‹@U1› ‹https:⁄⁄x.example|y› ˋzˋ ∗b∗ ∼s∼');
  });
});

describe(terminalJson.name, () => {
  it('should escape what JSON.stringify leaves raw (C1 controls, bidi) and stay valid JSON', () => {
    const value = { name: 'x\u009b31my\u2066' };

    expect(JSON.parse(terminalJson(value))).toEqual(value);
    expect(terminalJson(value)).not.toMatch(/[\u009b\u2066]/);
  });
});
