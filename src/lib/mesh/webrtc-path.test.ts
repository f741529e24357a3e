import { expect, test } from '@playwright/test'
import { selectedPairPath } from './webrtc-path.ts'
import type { StatsEntry } from './webrtc-path.ts'

// Entries shaped as Chromium's getStats() reports them (only the fields read, plus a few beside them).
function chromiumStats (localType: string, remoteType: string): StatsEntry[] {
  return [
    { id: 'T01', type: 'transport', selectedCandidatePairId: 'CP2', dtlsState: 'connected' },
    { id: 'CP1', type: 'candidate-pair', localCandidateId: 'L1', remoteCandidateId: 'R1', state: 'failed', nominated: false },
    { id: 'CP2', type: 'candidate-pair', localCandidateId: 'L2', remoteCandidateId: 'R2', state: 'succeeded', nominated: true, bytesReceived: 1200 },
    { id: 'L1', type: 'local-candidate', candidateType: 'host', address: '192.168.2.2', port: 50000 },
    { id: 'R1', type: 'remote-candidate', candidateType: 'host', address: '192.168.1.2', port: 50001 },
    { id: 'L2', type: 'local-candidate', candidateType: localType, address: '198.18.0.2', port: 50002 },
    { id: 'R2', type: 'remote-candidate', candidateType: remoteType, address: '198.18.0.10', port: 50003 }
  ]
}

test('a selected pair with a relay candidate at either end is TURN-relayed', () => {
  expect(selectedPairPath(chromiumStats('relay', 'prflx'))).toBe('turn')
  expect(selectedPairPath(chromiumStats('srflx', 'relay'))).toBe('turn')
  expect(selectedPairPath(chromiumStats('relay', 'relay'))).toBe('turn')
})

test('a selected pair of host, server-reflexive or peer-reflexive candidates is direct', () => {
  expect(selectedPairPath(chromiumStats('host', 'host'))).toBe('direct')
  expect(selectedPairPath(chromiumStats('srflx', 'prflx'))).toBe('direct')
})

test('only the selected pair counts, not a relay candidate on another pair', () => {
  const stats = chromiumStats('host', 'host').map((entry) => entry.id === 'L1' ? { ...entry, candidateType: 'relay' } : entry)
  expect(selectedPairPath(stats)).toBe('direct')
})

test('without a transport entry (Firefox) the pair marked selected decides', () => {
  const stats = chromiumStats('relay', 'host').filter((entry) => entry.type !== 'transport').map((entry) => entry.id === 'CP2' ? { ...entry, selected: true } : entry)
  expect(selectedPairPath(stats)).toBe('turn')
})

test('no selected pair yet, or a pair whose candidates are missing, is unknown', () => {
  expect(selectedPairPath([])).toBeUndefined()
  expect(selectedPairPath(chromiumStats('relay', 'host').map((entry) => entry.type === 'transport' ? { ...entry, selectedCandidatePairId: 'CP9' } : entry))).toBeUndefined()
  expect(selectedPairPath(chromiumStats('relay', 'host').filter((entry) => !entry.type.endsWith('candidate')))).toBeUndefined()
})
