import { html } from './html';

describe('html', () => {
  it('should escape every interpolated text, in content and in attributes', () => {
    const name = `<script>alert("x")</script>' onload='x`;

    const markup = html`<p title="${name}">${name}</p>`.text;

    expect(markup).toBe(
      '<p title="&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&#39; onload=&#39;x">&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&#39; onload=&#39;x</p>',
    );
  });

  it('should keep nested templates and lists as markup, and drop empty values', () => {
    const items = ['a&b', 'c'].map((item) => html`<li>${item}</li>`);

    // prettier-ignore
    const markup = html`<ul>${items}</ul>${undefined}${false}${0}`.text;

    expect(markup).toBe('<ul><li>a&amp;b</li><li>c</li></ul>0');
  });
});
