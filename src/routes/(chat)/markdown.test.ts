import { expect, test } from '@playwright/test'
import { renderMarkdown } from './markdown.ts'

/** Tags markdown-it may emit for an answer, and the attributes each may carry. */
const ALLOWED_TAGS = new Set(['p', 'a', 'em', 'strong', 's', 'code', 'pre', 'blockquote', 'ul', 'ol', 'li', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'hr', 'br', 'table', 'thead', 'tbody', 'tr', 'th', 'td'])
const TAG = /<(\/?)([a-zA-Z][a-zA-Z0-9]*)((?:\s+[a-zA-Z-]+="[^"]*")*)\s*\/?>/g
const ATTRIBUTE = /\s+([a-zA-Z-]+)="([^"]*)"/g

/**
 * Checks the rendered HTML as a browser would see it: only known tags, no
 * event handlers or unexpected attributes, links only to http(s)/mailto and
 * always with the safe rel and target, and no `<` left that is not one of
 * those tags.
 */
function expectInert (html: string): void {
  for (const [, , name = '', attributes = ''] of html.matchAll(TAG)) {
    expect(ALLOWED_TAGS, `tag <${name}> in ${html}`).toContain(name.toLowerCase())
    const attrs = new Map([...attributes.matchAll(ATTRIBUTE)].map(([, key = '', value = '']) => [key.toLowerCase(), value]))
    for (const [key, value] of attrs) {
      const allowed = (name === 'a' && ['href', 'rel', 'target', 'title'].includes(key)) ||
        (name === 'code' && key === 'class' && /^language-[\w-]*$/.test(value)) ||
        (name === 'ol' && key === 'start' && /^\d+$/.test(value)) ||
        ((name === 'td' || name === 'th') && key === 'style' && /^text-align:(left|right|center)$/.test(value))
      expect(allowed, `attribute ${key}="${value}" on <${name}> in ${html}`).toBe(true)
    }
    if (name === 'a' && attributes !== '') {
      expect(attrs.get('href') ?? '', html).toMatch(/^(https?:\/\/|mailto:)/i)
      expect(attrs.get('rel'), html).toBe('noopener noreferrer')
      expect(attrs.get('target'), html).toBe('_blank')
    }
  }
  expect(html.replace(TAG, ''), 'a "<" that is not a known tag').not.toContain('<')
}

test('raw HTML in an answer is shown as text, not run', () => {
  const html = renderMarkdown('<img src=x onerror=alert(1)>')
  expect(html).toBe('<p>&lt;img src=x onerror=alert(1)&gt;</p>\n')
  expectInert(html)

  for (const input of [
    '<script>alert(1)</script>',
    '<div onclick="alert(1)">click</div>\n\ntext',
    'inline <b onmouseover=alert(1)>bold</b> and <svg/onload=alert(1)>',
    '<iframe src="javascript:alert(1)"></iframe>',
    '<!-- comment --><style>body{display:none}</style>',
    '```html\n<img src=x onerror=alert(1)>\n```',
    '`<script>`'
  ]) {
    const rendered = renderMarkdown(input)
    expectInert(rendered)
    expect(rendered).not.toMatch(/<(img|script|div|b|svg|iframe|style)\b/i)
  }
})

test('javascript: and other unsafe links render inert', () => {
  const html = renderMarkdown('[x](javascript:alert(1))')
  expect(html).not.toContain('<a')
  expect(html).toBe('<p>[x](javascript:alert(1))</p>\n')
  expectInert(html)

  for (const input of [
    '[x](JavaScript:alert(1))',
    '[x](&#106;avascript:alert(1))',
    '[x](java\tscript:alert(1))',
    '[x]( javascript:alert(1) )',
    '<javascript:alert(1)>',
    '[x][ref]\n\n[ref]: javascript:alert(1)',
    '[x](vbscript:msgbox(1))',
    '[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)',
    '[x](file:///etc/passwd)',
    '[x](/relative/path)',
    '[x](//evil.example/protocol-relative)'
  ]) {
    const rendered = renderMarkdown(input)
    expectInert(rendered)
    expect(rendered, input).not.toContain('<a')
  }
})

test('images are not loaded: no <img> for Markdown images either', () => {
  for (const input of ['![tracker](https://evil.example/pixel.png)', '![x](data:image/png;base64,iVBORw0KGgo=)']) {
    const rendered = renderMarkdown(input)
    expectInert(rendered)
    expect(rendered).not.toContain('<img')
  }
})

test('http(s) and mailto links open in a new tab without opener or referrer', () => {
  expect(renderMarkdown('[docs](https://example.com/a?b=1&c=2)')).toBe(
    '<p><a href="https://example.com/a?b=1&amp;c=2" target="_blank" rel="noopener noreferrer">docs</a></p>\n'
  )
  const linkified = renderMarkdown('see http://example.org and https://www.example.net/x or write to someone@example.com')
  expect(linkified).toContain('<a href="http://example.org" target="_blank" rel="noopener noreferrer">http://example.org</a>')
  expect(linkified).toContain('<a href="https://www.example.net/x" target="_blank" rel="noopener noreferrer">https://www.example.net/x</a>')
  expect(linkified).toContain('<a href="mailto:someone@example.com" target="_blank" rel="noopener noreferrer">someone@example.com</a>')
  expectInert(linkified)

  // A title cannot break out of its attribute.
  const titled = renderMarkdown('[x](https://example.com "a\\" onmouseover=\\"alert(1)")')
  expectInert(titled)
  expect(titled).toContain('title="a&quot; onmouseover=&quot;alert(1)"')
})

test('ordinary Markdown renders', () => {
  const html = renderMarkdown([
    '# Title',
    '',
    'Some **bold**, *italic* and `code`.',
    '',
    '1. one',
    '2. two',
    '',
    '| a | b |',
    '|:--|--:|',
    '| 1 | 2 |',
    '',
    '```ts',
    'const x = 1 < 2',
    '```'
  ].join('\n'))
  expectInert(html)
  expect(html).toContain('<h1>Title</h1>')
  expect(html).toContain('<strong>bold</strong>')
  expect(html).toContain('<code>code</code>')
  expect(html).toContain('<ol>')
  expect(html).toContain('<td style="text-align:right">2</td>')
  expect(html).toContain('<pre><code class="language-ts">const x = 1 &lt; 2\n</code></pre>')
})
