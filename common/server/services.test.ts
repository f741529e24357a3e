import { expect, test } from '@playwright/test'
import { alreadyStarted, startServices } from './services.ts'
import type { Startable } from './services.ts'

/** A service that records its start and stop in `events`, and fails where told to. */
function recorded (name: string, events: string[], fail: { start?: boolean, stop?: boolean } = {}): Startable {
  return {
    start: async () => {
      events.push(`start ${name}`)
      if (fail.start === true) {
        throw new Error(`${name} cannot start`)
      }
    },
    stop: async () => {
      events.push(`stop ${name}`)
      if (fail.stop === true) {
        throw new Error(`${name} cannot stop`)
      }
    }
  }
}

test('starts services in order and stops them in reverse, once', async () => {
  const events: string[] = []
  const running = await startServices({ a: recorded('a', events), b: recorded('b', events), c: alreadyStarted(() => { events.push('stop c') }) })
  expect(events).toEqual(['start a', 'start b'])
  await Promise.all([running.stop(), running.stop()])
  expect(events).toEqual(['start a', 'start b', 'stop c', 'stop b', 'stop a'])
})

test('a third service failing to start stops the first two in reverse order, and its error is thrown', async () => {
  const events: string[] = []
  const starting = startServices({ a: recorded('a', events), b: recorded('b', events), c: recorded('c', events, { start: true }), d: recorded('d', events) })
  await expect(starting).rejects.toThrow('c cannot start')
  expect(events).toEqual(['start a', 'start b', 'start c', 'stop b', 'stop a'])
})

test('a service that fails to stop does not keep the others running; the failure is reported by name', async () => {
  const events: string[] = []
  const running = await startServices({ a: recorded('a', events), b: recorded('b', events, { stop: true }), c: recorded('c', events) })
  await expect(running.stop()).rejects.toMatchObject({ name: 'ServiceStopError', message: 'could not stop b: b cannot stop' })
  expect(events.slice(3)).toEqual(['stop c', 'stop b', 'stop a'])

  const warnings: string[] = []
  await expect(startServices({ b: recorded('b', [], { stop: true }), c: recorded('c', [], { start: true }) }, { log: { warn: (message) => { warnings.push(message) } } })).rejects.toThrow('c cannot start')
  expect(warnings).toEqual(['could not stop b: b cannot stop'])
})

test('an aborted start stops what had started', async () => {
  const events: string[] = []
  const controller = new AbortController()
  const aborting: Startable = { start: () => { controller.abort(new Error('SIGTERM')) }, stop: () => { events.push('stop aborting') } }
  await expect(startServices({ a: recorded('a', events), aborting, b: recorded('b', events) }, { signal: controller.signal })).rejects.toThrow('SIGTERM')
  expect(events).toEqual(['start a', 'stop aborting', 'stop a'])
})
