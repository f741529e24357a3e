/** The name an export downloads as: `shoal-receipts-YYYY-MM-DD.json`, dated by the person's own calendar. */
export function receiptExportFileName (now: Date): string {
  const day = [now.getFullYear(), now.getMonth() + 1, now.getDate()].map((part) => String(part).padStart(2, '0')).join('-')
  return `shoal-receipts-${day}.json`
}
