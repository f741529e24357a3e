import { expect, test } from '@playwright/test'
import { ANNOUNCEMENT_WINDOW_MS, AnnouncementRate, MAX_ANNOUNCEMENTS_PER_WINDOW } from './announcement-rate.ts'

test('each author gets MAX_ANNOUNCEMENTS_PER_WINDOW per window, counted apart from the others, and a new window starts afresh', () => {
  const rate = new AnnouncementRate()
  const allowed = (author: string, at: number): number => Array.from({ length: MAX_ANNOUNCEMENTS_PER_WINDOW + 10 }, () => rate.allow(author, at)).filter(Boolean).length
  expect(allowed('a', 1_000)).toBe(MAX_ANNOUNCEMENTS_PER_WINDOW)
  expect(allowed('b', 1_000)).toBe(MAX_ANNOUNCEMENTS_PER_WINDOW)
  expect(rate.allow('a', 1_000 + ANNOUNCEMENT_WINDOW_MS - 1)).toBe(false)
  expect(allowed('a', 1_000 + ANNOUNCEMENT_WINDOW_MS)).toBe(MAX_ANNOUNCEMENTS_PER_WINDOW)
})

test('an honest announcer at its fastest (every 250 ms) stays within budget', () => {
  const rate = new AnnouncementRate()
  for (let at = 0; at < 60_000; at += 250) {
    expect(rate.allow('verifier', at)).toBe(true)
  }
})

test('a flood of fresh ids is tracked in bounded memory', () => {
  const rate = new AnnouncementRate()
  for (let index = 0; index < 10_000; index++) {
    rate.allow(`peer-${index}`, index)
  }
  expect(rate.tracked).toBeLessThanOrEqual(4_096)
})
