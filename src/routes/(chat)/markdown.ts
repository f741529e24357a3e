/**
 * Renders an assistant's answer (untrusted text from a remote model) as
 * HTML that is safe to insert with `{@html}`: markdown-it with raw HTML
 * off, so every `<` in the input comes out escaped; links only to
 * http(s) and mailto, opened in a new tab without an opener or referrer;
 * and no images, so an answer cannot make the browser fetch anything (a
 * tracking pixel, a request to a local address) just by being shown.
 * Pure TypeScript, no DOM: unit-tested in Node (`markdown.test.ts`).
 *
 * @example
 * ```svelte
 * <div class="answer">{@html renderMarkdown(message.content)}</div>
 * ```
 */
import MarkdownIt from 'markdown-it'

/** Link targets allowed in answers, checked after markdown-it has normalised the URL. */
const ALLOWED_LINK = /^(?:https?:\/\/|mailto:)/i

function createRenderer () {
  const markdown = new MarkdownIt({ html: false, linkify: true, typographer: false })
  // `![alt](src)` then renders as its text; the `!` and the link stay visible.
  markdown.disable('image')

  // markdown-it's own check already refuses javascript:, vbscript:, file: and most data: URLs;
  // this narrows it further to the schemes an answer has any business linking to.
  const validateLink = markdown.validateLink.bind(markdown)
  markdown.validateLink = (url) => validateLink(url) && ALLOWED_LINK.test(url.trim())

  const renderToken = markdown.renderer.renderToken.bind(markdown.renderer)
  markdown.renderer.rules.link_open = (tokens, index, options) => {
    const token = tokens[index]
    if (token !== undefined) {
      token.attrSet('target', '_blank')
      token.attrSet('rel', 'noopener noreferrer')
    }
    return renderToken(tokens, index, options)
  }
  return markdown
}

const renderer = createRenderer()

/** The answer as sanitised HTML. */
export function renderMarkdown (text: string): string {
  return renderer.render(text)
}
