import type { Metric } from '#server'
import type { VerifierStats } from './llama-verifier.ts'
import type { DecodeBarrierStats } from './decode-barrier.ts'
import type { PassCostEmulation } from './pass-cost-emulation.ts'
import type { WarmSequences } from './warm-sequences.ts'

/** The verifier's Prometheus metrics, for gpu-node's `/metrics`. */
export function verifierMetrics (stats: VerifierStats): Metric[] {
  return [
    { name: 'shoal_gpu_node_queue_depth', help: 'Chats waiting for a free sequence.', type: 'gauge', value: stats.queued },
    { name: 'shoal_gpu_node_running', help: 'Chats being generated.', type: 'gauge', value: stats.running },
    { name: 'shoal_gpu_node_completions_total', help: 'Chats finished (stop or length).', type: 'counter', value: stats.completed },
    { name: 'shoal_gpu_node_cancellations_total', help: 'Chats cancelled, queued or running.', type: 'counter', value: stats.cancelled },
    { name: 'shoal_gpu_node_generated_tokens_total', help: 'Tokens generated.', type: 'counter', value: stats.generatedTokens },
    { name: 'shoal_gpu_node_forward_passes_total', help: 'Forward passes over answers\' sequences (one per step of each answer).', type: 'counter', value: stats.passes },
    { name: 'shoal_gpu_node_draft_tokens_verified_total', help: 'Drafted tokens evaluated in forward passes.', type: 'counter', value: stats.draftedTokens },
    { name: 'shoal_gpu_node_draft_tokens_accepted_total', help: 'Drafted tokens accepted (equal to the verifier\'s own choice).', type: 'counter', value: stats.acceptedTokens },
    { name: 'shoal_gpu_node_token_seconds', help: 'Moving average of the time one chat takes per token.', type: 'gauge', value: stats.tokenMs / 1000 }
  ]
}

/** How full the verifier's batched decodes were kept: rounds of answers' steps let into a decode together, and how many the deadline let go early. */
export function decodeBarrierMetrics (stats: DecodeBarrierStats): Metric[] {
  return [
    { name: 'shoal_gpu_node_decode_rounds_total', help: 'Rounds of answers\' steps let into a decode together (see the decode barrier).', type: 'counter', value: stats.rounds },
    { name: 'shoal_gpu_node_decode_round_steps_total', help: 'Answers\' steps let go in those rounds.', type: 'counter', value: stats.steps },
    { name: 'shoal_gpu_node_decode_deadline_rounds_total', help: 'Rounds let go by the deadline, an answer not having its step ready.', type: 'counter', value: stats.deadlineRounds }
  ]
}

/** How much the conversations kept warm save: held now, and prompt tokens their next turns did not evaluate again. */
export function warmMetrics (warm: Pick<WarmSequences<never>, 'hashes' | 'reusedTokens'>): Metric[] {
  return [
    { name: 'shoal_gpu_node_warm_conversations', help: 'Conversations held warm (their KV cache kept for the next turn).', type: 'gauge', value: warm.hashes.length },
    { name: 'shoal_gpu_node_warm_reused_tokens_total', help: 'Prompt tokens a warm cache held, so not evaluated again.', type: 'counter', value: warm.reusedTokens }
  ]
}

/** Present only while an emulated GPU pads the passes: dashboards then show that timings are not this machine's. */
export function passCostMetrics (emulation: PassCostEmulation): Metric[] {
  const labels = { profile: emulation.profile.name }
  return [
    { name: 'shoal_gpu_node_emulated_pass_cost_base_seconds', help: 'EMULATION: an emulated GPU pads each forward pass to base + per_token x (tokens - 1); this is the base.', type: 'gauge', value: emulation.profile.baseMs / 1000, labels },
    { name: 'shoal_gpu_node_emulated_pass_cost_per_token_seconds', help: 'EMULATION: what each further token of a pass adds.', type: 'gauge', value: emulation.profile.perTokenMs / 1000, labels },
    { name: 'shoal_gpu_node_emulated_passes_total', help: 'EMULATION: forward passes padded to the emulated cost.', type: 'counter', value: emulation.stats.passes, labels },
    { name: 'shoal_gpu_node_emulated_pass_sequences_total', help: 'EMULATION: sequences batched into those passes (per pass: how full each batched decode was).', type: 'counter', value: emulation.stats.sequences, labels },
    { name: 'shoal_gpu_node_emulated_pass_padding_seconds_total', help: 'EMULATION: time spent waiting beyond the real compute, to match the emulated cost.', type: 'counter', value: emulation.stats.paddedMs / 1000, labels }
  ]
}
