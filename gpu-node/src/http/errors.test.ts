import { expect, test } from '@playwright/test'
import { BusyError, InvalidRequestError, LimitError } from '../verifier/errors.ts'
import { verifierErrorToApiError } from './errors.ts'

/** Not the verifier's LimitError, only named like it. */
class RebuiltLimitError extends Error {
  override readonly name = 'LimitError'
}

test('maps verifier errors by name to statuses, with Retry-After when busy', () => {
  expect(verifierErrorToApiError(new BusyError(2.2))).toMatchObject({ status: 503, type: 'server_error', code: 'server_busy', headers: { 'Retry-After': '3' } })
  expect(verifierErrorToApiError(new BusyError(0))).toMatchObject({ headers: { 'Retry-After': '1' } })
  expect(verifierErrorToApiError(new LimitError('too many'))).toMatchObject({ status: 429, type: 'rate_limit_error', code: 'rate_limit_exceeded', message: 'too many', headers: { 'Retry-After': '1' } })
  expect(verifierErrorToApiError(new InvalidRequestError('prompt too long'))).toMatchObject({ status: 400, type: 'invalid_request_error', message: 'prompt too long' })
  // Names survive where classes do not: an error rebuilt elsewhere (from a worker message, say) is
  // another class with the same name, and maps the same.
  expect(verifierErrorToApiError(new RebuiltLimitError('x'))).toMatchObject({ status: 429 })
  expect(verifierErrorToApiError(new Error('boom'))).toBeUndefined()
  expect(verifierErrorToApiError('boom')).toBeUndefined()
})
