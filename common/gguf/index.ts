/**
 * Reading GGUF model files: the header (metadata and tensor table) and the
 * tokenizer fingerprint that tells whether one model can draft for another.
 * Pure TypeScript (WebCrypto only), shared by gpu-node and the page.
 */
export * from './gguf-format.ts'
export * from './gguf-reader.ts'
export * from './tokenizer-fingerprint.ts'
