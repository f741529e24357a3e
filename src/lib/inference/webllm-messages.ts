/** Messages Shoal adds to WebLLM's worker protocol (see webllm-engine.worker.ts). */
import { z } from 'zod'

export const WEBLLM_PING = 'shoal-ping'
export const WEBLLM_PONG = 'shoal-pong'
export const WEBLLM_BYE = 'shoal-bye'

export const webllmPongSchema = z.object({
  kind: z.literal(WEBLLM_PONG),
  id: z.number(),
  /** `navigator.gpu` exists inside the worker (Chromium may lack WebGPU in SharedWorkers). */
  webgpu: z.boolean(),
  /** Tabs connected to the worker. */
  tabs: z.number()
})

export type WebllmPong = z.infer<typeof webllmPongSchema>
