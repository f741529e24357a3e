import type { FuzzTarget } from '../fuzz-target.ts'
import { ggufTargets } from './gguf-target.ts'
import { protocolTargets } from './protocol-targets.ts'
import { receiptTargets } from './receipt-targets.ts'

/**
 * Every reader of outside bytes that runs in-process. HTTP bodies are fuzzed
 * against a real gpu-node (../http-fuzz.ts), since their handling spans the
 * server.
 */
export const FUZZ_TARGETS: readonly FuzzTarget[] = [...protocolTargets, ...receiptTargets, ...ggufTargets]
