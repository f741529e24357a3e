import type { Page } from '@playwright/test'

/** The narrowest common phone width: no page may scroll sideways at it. */
export const PHONE_WIDTH = 360

/**
 * What makes the page wider than its viewport: the page's own width if it
 * scrolls sideways, each element whose right edge passes the viewport
 * outside any box that scrolls or clips it, and each main navigation link
 * that is not fully on screen.
 */
export async function sidewaysOverflow (page: Page): Promise<string[]> {
  const problems: string[] = []
  const { scrollWidth, clientWidth } = await page.evaluate(() => ({ scrollWidth: document.documentElement.scrollWidth, clientWidth: document.documentElement.clientWidth }))
  if (scrollWidth > clientWidth) problems.push(`the page is ${scrollWidth} px wide`)
  problems.push(...await overflowingElements(page))
  for (const link of await page.getByRole('navigation', { name: 'Main' }).getByRole('link').all()) {
    const box = await link.boundingBox()
    if (box === null || box.x < 0 || box.x + box.width > clientWidth) problems.push(`nav link "${await link.textContent()}" is off screen`)
  }
  return problems
}

async function overflowingElements (page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const width = document.documentElement.clientWidth
    const clipped = (element: Element): boolean => {
      for (let parent = element.parentElement; parent !== null && parent !== document.body; parent = parent.parentElement) {
        if (getComputedStyle(parent).overflowX !== 'visible') return true
      }
      return false
    }
    return [...document.body.querySelectorAll('*')]
      .filter((element) => element.getBoundingClientRect().right > width + 0.5 && !clipped(element))
      .map((element) => `${element.tagName.toLowerCase()}${element.id === '' ? '' : `#${element.id}`}.${[...element.classList].join('.')} "${(element.textContent ?? '').trim().slice(0, 40)}" right=${Math.round(element.getBoundingClientRect().right)}`)
  })
}

/** Full-page screenshots of the page as it is at a phone's 390 px and a desktop's 1280 px, as `<folder>/<name>-<width>.png`. */
export async function photograph (page: Page, folder: string, name: string): Promise<void> {
  for (const width of [390, 1280]) {
    await page.setViewportSize({ width, height: 900 })
    await page.screenshot({ path: `${folder}/${name}-${width}.png`, fullPage: true })
  }
}
