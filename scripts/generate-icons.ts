/**
 * Writes Shoal's app icons (PNG) and favicon (SVG) into static/ from one vector description,
 * with no dependencies beyond node:zlib: a tiny rasteriser (4x4 supersampling) and PNG encoder.
 *
 * The output is committed; run this again only when the artwork changes:
 *
 * @example
 * ```sh
 * npx tsx scripts/generate-icons.ts
 * ```
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { deflateSync } from 'node:zlib'

/** Keep in step with `theme_color` / `background_color` in vite.config.ts and src/app.html. */
const BACKGROUND = '#0f4c5c'
const FISH_COLOURS = ['#5fd3e0', '#a8eef5', '#ffffff'] as const
const WAVE_COLOUR = '#2a8ba0'

type Shape =
  | { kind: 'ellipse', cx: number, cy: number, rx: number, ry: number, fill: string }
  | { kind: 'circle', cx: number, cy: number, r: number, fill: string }
  | { kind: 'polygon', points: ReadonlyArray<readonly [number, number]>, fill: string }
  | { kind: 'roundedRect', x: number, y: number, size: number, radius: number, fill: string }
  | { kind: 'wave', y: number, amplitude: number, wavelength: number, thickness: number, x0: number, x1: number, fill: string }

/** A fish facing right, centred on (cx, cy), `length` long (tail included), in unit coordinates. */
function fish (cx: number, cy: number, length: number, fill: string): Shape[] {
  const bodyHalf = length * 0.34
  const bodyCentre = cx + length * 0.14
  const tailJoin = bodyCentre - bodyHalf * 0.8
  const tailEnd = cx - length * 0.5
  return [
    { kind: 'ellipse', cx: bodyCentre, cy, rx: bodyHalf, ry: length * 0.18, fill },
    {
      kind: 'polygon',
      fill,
      points: [[tailJoin, cy], [tailEnd, cy - length * 0.16], [tailEnd + length * 0.06, cy], [tailEnd, cy + length * 0.16]]
    },
    { kind: 'circle', cx: bodyCentre + bodyHalf * 0.5, cy: cy - length * 0.04, r: length * 0.035, fill: BACKGROUND }
  ]
}

/** The glyph: a small shoal of three fish above a wave, drawn inside the unit box [0, 1]². */
function glyph (): Shape[] {
  const [far, middle, near] = FISH_COLOURS
  return [
    ...fish(0.62, 0.27, 0.30, far),
    ...fish(0.34, 0.41, 0.34, middle),
    ...fish(0.60, 0.55, 0.40, near),
    { kind: 'wave', y: 0.76, amplitude: 0.025, wavelength: 0.2, thickness: 0.035, x0: 0.16, x1: 0.84, fill: WAVE_COLOUR }
  ]
}

/** Scales shapes from the unit box into the box at (offset, offset) with side `scale`. */
function place (shapes: Shape[], offset: number, scale: number): Shape[] {
  const p = (v: number): number => offset + v * scale
  return shapes.map((shape): Shape => {
    switch (shape.kind) {
      case 'ellipse': return { ...shape, cx: p(shape.cx), cy: p(shape.cy), rx: shape.rx * scale, ry: shape.ry * scale }
      case 'circle': return { ...shape, cx: p(shape.cx), cy: p(shape.cy), r: shape.r * scale }
      case 'polygon': return { ...shape, points: shape.points.map(([x, y]) => [p(x), p(y)] as const) }
      case 'roundedRect': return { ...shape, x: p(shape.x), y: p(shape.y), size: shape.size * scale, radius: shape.radius * scale }
      case 'wave': return {
        ...shape,
        y: p(shape.y),
        x0: p(shape.x0),
        x1: p(shape.x1),
        amplitude: shape.amplitude * scale,
        wavelength: shape.wavelength * scale,
        thickness: shape.thickness * scale
      }
    }
  })
}

/**
 * `any`: a rounded tile with transparent corners, glyph nearly edge to edge.
 * `maskable`: full-bleed background; the glyph stays inside the central 80% circle
 * (the safe zone every mask shape keeps); `assertInsideSafeZone` checks that.
 */
function artwork (purpose: 'any' | 'maskable'): Shape[] {
  if (purpose === 'maskable') {
    return [{ kind: 'roundedRect', x: 0, y: 0, size: 1, radius: 0, fill: BACKGROUND }, ...place(glyph(), 0.1, 0.8)]
  }
  return [{ kind: 'roundedRect', x: 0, y: 0, size: 1, radius: 0.22, fill: BACKGROUND }, ...place(glyph(), 0.06, 0.88)]
}

function covers (shape: Shape, x: number, y: number): boolean {
  switch (shape.kind) {
    case 'ellipse': return ((x - shape.cx) / shape.rx) ** 2 + ((y - shape.cy) / shape.ry) ** 2 <= 1
    case 'circle': return (x - shape.cx) ** 2 + (y - shape.cy) ** 2 <= shape.r ** 2
    case 'roundedRect': {
      const { x: left, y: top, size, radius } = shape
      if (x < left || y < top || x > left + size || y > top + size) return false
      const nearestX = Math.min(Math.max(x, left + radius), left + size - radius)
      const nearestY = Math.min(Math.max(y, top + radius), top + size - radius)
      return (x - nearestX) ** 2 + (y - nearestY) ** 2 <= radius ** 2
    }
    case 'polygon': {
      // Even-odd ray casting.
      let inside = false
      const points = shape.points
      for (let i = 0, j = points.length - 1; i < points.length; j = i++) {
        const [xi, yi] = points[i] ?? [0, 0]
        const [xj, yj] = points[j] ?? [0, 0]
        if ((yi > y) !== (yj > y) && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside
      }
      return inside
    }
    case 'wave': {
      if (x < shape.x0 || x > shape.x1) return false
      const centre = shape.y + shape.amplitude * Math.sin(((x - shape.x0) / shape.wavelength) * 2 * Math.PI)
      return Math.abs(y - centre) <= shape.thickness / 2
    }
  }
}

function parseColour (hex: string): [number, number, number] {
  const value = Number.parseInt(hex.slice(1), 16)
  return [(value >> 16) & 0xff, (value >> 8) & 0xff, value & 0xff]
}

/** Rasterises shapes (painter's order) into straight-alpha RGBA, 4x4 samples per pixel. */
function rasterise (shapes: Shape[], size: number): Uint8Array {
  const samples = 4
  const pixels = new Uint8Array(size * size * 4)
  const colours = shapes.map((shape) => parseColour(shape.fill))
  for (let py = 0; py < size; py++) {
    for (let px = 0; px < size; px++) {
      let r = 0, g = 0, b = 0, a = 0
      for (let sy = 0; sy < samples; sy++) {
        for (let sx = 0; sx < samples; sx++) {
          const x = (px + (sx + 0.5) / samples) / size
          const y = (py + (sy + 0.5) / samples) / size
          // Topmost shape under the sample wins; shapes are opaque.
          for (let i = shapes.length - 1; i >= 0; i--) {
            const shape = shapes[i]
            const colour = colours[i]
            if (shape !== undefined && colour !== undefined && covers(shape, x, y)) {
              r += colour[0]; g += colour[1]; b += colour[2]; a += 1
              break
            }
          }
        }
      }
      const offset = (py * size + px) * 4
      if (a > 0) {
        pixels[offset] = Math.round(r / a)
        pixels[offset + 1] = Math.round(g / a)
        pixels[offset + 2] = Math.round(b / a)
        pixels[offset + 3] = Math.round((a / (samples * samples)) * 255)
      }
    }
  }
  return pixels
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1
  return c >>> 0
})

function crc32 (bytes: Uint8Array): number {
  let crc = 0xffffffff
  for (const byte of bytes) crc = (CRC_TABLE[(crc ^ byte) & 0xff] ?? 0) ^ (crc >>> 8)
  return (crc ^ 0xffffffff) >>> 0
}

function chunk (type: string, data: Uint8Array): Buffer {
  const typeAndData = Buffer.concat([Buffer.from(type, 'ascii'), data])
  const length = Buffer.alloc(4)
  length.writeUInt32BE(data.length)
  const crc = Buffer.alloc(4)
  crc.writeUInt32BE(crc32(typeAndData))
  return Buffer.concat([length, typeAndData, crc])
}

/** Encodes 8-bit RGBA pixels as a PNG (filter type 0 on every row). */
function encodePng (pixels: Uint8Array, size: number): Buffer {
  const header = Buffer.alloc(13)
  header.writeUInt32BE(size, 0)
  header.writeUInt32BE(size, 4)
  header[8] = 8 // bit depth
  header[9] = 6 // colour type: RGBA
  const rows = Buffer.alloc(size * (size * 4 + 1))
  for (let y = 0; y < size; y++) {
    rows[y * (size * 4 + 1)] = 0
    rows.set(pixels.subarray(y * size * 4, (y + 1) * size * 4), y * (size * 4 + 1) + 1)
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(rows, { level: 9 })),
    chunk('IEND', new Uint8Array())
  ])
}

function toSvg (shapes: Shape[]): string {
  const n = (v: number): string => String(Math.round(v * 1000) / 10)
  const elements = shapes.map((shape) => {
    switch (shape.kind) {
      case 'ellipse': return `<ellipse cx="${n(shape.cx)}" cy="${n(shape.cy)}" rx="${n(shape.rx)}" ry="${n(shape.ry)}" fill="${shape.fill}"/>`
      case 'circle': return `<circle cx="${n(shape.cx)}" cy="${n(shape.cy)}" r="${n(shape.r)}" fill="${shape.fill}"/>`
      case 'roundedRect': return `<rect x="${n(shape.x)}" y="${n(shape.y)}" width="${n(shape.size)}" height="${n(shape.size)}" rx="${n(shape.radius)}" fill="${shape.fill}"/>`
      case 'polygon': return `<polygon points="${shape.points.map(([x, y]) => `${n(x)},${n(y)}`).join(' ')}" fill="${shape.fill}"/>`
      case 'wave': {
        const steps = 48
        const path = Array.from({ length: steps + 1 }, (_, i) => {
          const x = shape.x0 + ((shape.x1 - shape.x0) * i) / steps
          const y = shape.y + shape.amplitude * Math.sin(((x - shape.x0) / shape.wavelength) * 2 * Math.PI)
          return `${i === 0 ? 'M' : 'L'}${n(x)} ${n(y)}`
        }).join(' ')
        return `<path d="${path}" fill="none" stroke="${shape.fill}" stroke-width="${n(shape.thickness)}"/>`
      }
    }
  })
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 100 100">${elements.join('')}</svg>\n`
}

/** Fails if the maskable artwork paints anything but background outside the 40%-radius safe zone. */
function assertInsideSafeZone (pixels: Uint8Array, size: number): void {
  const background = parseColour(BACKGROUND)
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      if (Math.hypot(x + 0.5 - size / 2, y + 0.5 - size / 2) <= size * 0.4) continue
      const offset = (y * size + x) * 4
      const same = background.every((channel, i) => pixels[offset + i] === channel) && pixels[offset + 3] === 255
      if (!same) throw new Error(`maskable icon paints outside the safe zone at (${x}, ${y})`)
    }
  }
}

const staticDir = join(dirname(fileURLToPath(import.meta.url)), '..', 'static')
const outputs: Array<{ file: string, purpose: 'any' | 'maskable', size: number }> = [
  { file: 'icons/icon-192.png', purpose: 'any', size: 192 },
  { file: 'icons/icon-512.png', purpose: 'any', size: 512 },
  { file: 'icons/maskable-192.png', purpose: 'maskable', size: 192 },
  { file: 'icons/maskable-512.png', purpose: 'maskable', size: 512 },
  // iOS masks its own rounded corners and shows transparency as black: full bleed.
  { file: 'apple-touch-icon.png', purpose: 'maskable', size: 180 },
  { file: 'favicon.png', purpose: 'any', size: 32 }
]

for (const { file, purpose, size } of outputs) {
  const path = join(staticDir, file)
  mkdirSync(dirname(path), { recursive: true })
  const pixels = rasterise(artwork(purpose), size)
  if (purpose === 'maskable') assertInsideSafeZone(pixels, size)
  writeFileSync(path, encodePng(pixels, size))
  console.log(`wrote static/${file} (${size}x${size}, ${purpose})`)
}
writeFileSync(join(staticDir, 'favicon.svg'), toSvg(artwork('any')))
console.log('wrote static/favicon.svg')
