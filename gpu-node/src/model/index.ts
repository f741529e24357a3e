/**
 * Model files (the GGUF format itself is `#gguf`): the built-in demo models, the checks a file must pass before llama.cpp may
 * load it, the tokenizer fingerprint drafters are matched by, and `--model`
 * resolution (demo model, path, or node-llama-cpp URI).
 *
 * @example
 * ```ts
 * const path = await ensureDemoModel('target')           // generated once into .cache/models
 * const info = await inspectModelFile(path)               // throws ModelFileError on a bad file
 * console.log(info.tokenizerFingerprint)                  // 'sha256:5b1d...'
 * ```
 */
export * from './demo-tokenizer.ts'
export * from './demo-models.ts'
export * from './model-file.ts'
export * from './resolve-model.ts'
