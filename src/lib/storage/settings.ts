import type { z } from 'zod'
import { parseStored } from './chat-records.ts'
import { openDatabase } from './database.ts'

/**
 * Settings: small JSON values in the `keyValue` store, each read back
 * through its schema (another app version may have written it).
 */

/** A setting; `fallback` when absent or unreadable. */
export async function readSetting<T> (key: string, schema: z.ZodType<T>, fallback: T): Promise<T> {
  const database = await openDatabase()
  const stored = await database.get('keyValue', key)
  if (typeof stored !== 'string') {
    return fallback
  }
  let json: unknown
  try {
    json = JSON.parse(stored)
  } catch {
    return fallback
  }
  return parseStored(schema, json, `setting ${key}`) ?? fallback
}

export async function writeSetting<T> (key: string, value: T): Promise<void> {
  const database = await openDatabase()
  await database.put('keyValue', JSON.stringify(value), key)
}
