/**
 * Model files (the GGUF format itself is `#gguf`): the built-in demo pair
 * (committed story models) and random demo models of any shape, the checks a file must pass before llama.cpp may
 * load it, the tokenizer fingerprint drafters are matched by, and `--model`
 * resolution (demo model, path, or node-llama-cpp URI).
 *
 * @example
 * ```ts
 * const path = await ensureStoriesModel('target')        // the demo target, copied into .cache/models
 * const wide = await ensureDemoModel('target', { shape: { width: 512 } })  // random weights, generated
 * const info = await inspectModelFile(path)               // throws ModelFileError on a bad file
 * console.log(info.tokenizerFingerprint)                  // 'sha256:5b1d...'
 * ```
 */
export * from './demo-tokenizer.ts'
export * from './demo-models.ts'
export * from './model-file.ts'
export * from './resolve-model.ts'
export * from './stories-models.ts'
