import { expect, test } from '@playwright/test'
import { BusyError, InvalidRequestError, LimitError } from '../verifier/errors.ts'
import { verifierErrorToApiError } from './errors.ts'

test('maps verifier errors by name to statuses, with Retry-After when busy', () => {
  expect(verifierErrorToApiError(new BusyError(2.2))).toMatchObject({ status: 503, type: 'server_error', code: 'server_busy', headers: { 'Retry-After': '3' } })
  expect(verifierErrorToApiError(new BusyError(0))).toMatchObject({ headers: { 'Retry-After': '1' } })
  expect(verifierErrorToApiError(new LimitError('too many'))).toMatchObject({ status: 429, type: 'rate_limit_error', code: 'rate_limit_exceeded', message: 'too many', headers: { 'Retry-After': '1' } })
  expect(verifierErrorToApiError(new InvalidRequestError('prompt too long'))).toMatchObject({ status: 400, type: 'invalid_request_error', message: 'prompt too long' })
  // Names survive where classes do not (e.g. errors rebuilt from a worker message).
  expect(verifierErrorToApiError(Object.assign(new Error('x'), { name: 'LimitError' }))).toMatchObject({ status: 429 })
  expect(verifierErrorToApiError(new Error('boom'))).toBeUndefined()
  expect(verifierErrorToApiError('boom')).toBeUndefined()
})
