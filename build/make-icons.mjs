// Draws the app icon — a white headset on a blue rounded square — and writes
// every file the installers need:
//   build/icon.svg             the master, for people and docs
//   build/icon.png             1024 px, electron-builder's generic fallback
//   build/icons/NxN.png        the Linux set (AppImage, deb: hicolor theme)
//   build/icon.icns            macOS (app bundle and dmg volume)
//   build/icon.ico             Windows (exe, NSIS installer, shortcuts)
//
// `node build/make-icons.mjs` writes them; `--check` only compares and exits 1
// when a committed file shows something else than this script draws (the unit
// tests run it, so the pictures cannot drift from the code). It compares
// pixels, not bytes: another zlib (Node 22 on CI) may deflate differently.
//
// Why our own rasterizer: the design is a handful of circles, arcs and rounded
// rectangles, which a signed distance function renders exactly and with
// anti-aliasing at any size, in plain Node (node:zlib for PNG). A native
// image library would be a dependency for five shapes, and producing .icns and
// .ico here means no build machine has to convert (macOS `iconutil` exists
// only on macOS).
import { crc32, deflateSync, inflateSync } from 'node:zlib';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));

// ---- The design, in a 1024-unit square (SVG coordinates, y grows downwards).

const DESIGN = 1024;
// macOS's icon grid: the body is 824 units with a 100-unit margin. Windows and
// Linux draw small icons edge to edge, so sizes up to SMALL_MAX show only the body.
const BODY = { x: 100, y: 100, size: 824, radius: 184 };
const SMALL_MAX = 64;
const TOP = [0x25, 0x63, 0xeb];
const BOTTOM = [0x1e, 0x3a, 0x8a];

const BAND = { cx: 512, cy: 520, r: 250, width: 72 }; // upper half circle
const CUP = { dx: 250, cy: 590, halfWidth: 62, halfHeight: 112, radius: 52 };
const BOOM = { cx: 560, cy: 640, r: 160, width: 40 }; // quarter arc, right cup to mouth
const MIC = { cx: 522, cy: 800, halfWidth: 64, halfHeight: 42 };

export const PNG_SIZES = [16, 24, 32, 48, 64, 128, 256, 512, 1024];
const ICO_SIZES = [16, 24, 32, 48, 64, 128, 256];
// Type codes as `iconutil` writes them; every entry carries a PNG.
const ICNS_ENTRIES = [
  ['icp4', 16],
  ['icp5', 32],
  ['ic11', 32],
  ['icp6', 64],
  ['ic12', 64],
  ['ic07', 128],
  ['ic08', 256],
  ['ic13', 256],
  ['ic09', 512],
  ['ic14', 512],
  ['ic10', 1024],
];

// ---- Signed distances (negative inside).

const length = (x, y) => Math.hypot(x, y);

function roundedRect(px, py, cx, cy, hw, hh, r) {
  const qx = Math.abs(px - cx) - hw + r;
  const qy = Math.abs(py - cy) - hh + r;
  return length(Math.max(qx, 0), Math.max(qy, 0)) + Math.min(Math.max(qx, qy), 0) - r;
}

/** A stroked arc with round caps, from angle a0 to a1 (radians, clockwise on screen). */
function arc(px, py, cx, cy, r, a0, a1, width) {
  let angle = Math.atan2(py - cy, px - cx);
  if (angle < a0) angle += 2 * Math.PI;
  const onArc = angle >= a0 && angle <= a1;
  const d = onArc
    ? Math.abs(length(px - cx, py - cy) - r)
    : Math.min(length(px - cx - r * Math.cos(a0), py - cy - r * Math.sin(a0)), length(px - cx - r * Math.cos(a1), py - cy - r * Math.sin(a1)));
  return d - width / 2;
}

function glyph(px, py) {
  const cupLeft = roundedRect(px, py, BAND.cx - CUP.dx, CUP.cy, CUP.halfWidth, CUP.halfHeight, CUP.radius);
  const cupRight = roundedRect(px, py, BAND.cx + CUP.dx, CUP.cy, CUP.halfWidth, CUP.halfHeight, CUP.radius);
  const band = arc(px, py, BAND.cx, BAND.cy, BAND.r, Math.PI, 2 * Math.PI, BAND.width);
  const boom = arc(px, py, BOOM.cx, BOOM.cy, BOOM.r, 0, Math.PI / 2, BOOM.width);
  const mic = roundedRect(px, py, MIC.cx, MIC.cy, MIC.halfWidth, MIC.halfHeight, MIC.halfHeight);
  return Math.min(cupLeft, cupRight, band, boom, mic);
}

const body = (px, py) => roundedRect(px, py, BODY.x + BODY.size / 2, BODY.y + BODY.size / 2, BODY.size / 2, BODY.size / 2, BODY.radius);
const coverage = (distance, unitsPerPixel) => Math.min(1, Math.max(0, 0.5 - distance / unitsPerPixel));

/** Straight (not premultiplied) RGBA pixels of the icon at `size` px. */
export function render(size) {
  const small = size <= SMALL_MAX;
  const origin = small ? BODY.x : 0;
  const span = small ? BODY.size : DESIGN;
  const unit = span / size;
  const pixels = Buffer.alloc(size * size * 4);
  for (let y = 0; y < size; y += 1) {
    for (let x = 0; x < size; x += 1) {
      const px = origin + (x + 0.5) * unit;
      const py = origin + (y + 0.5) * unit;
      const alpha = coverage(body(px, py), unit);
      const ink = coverage(glyph(px, py), unit);
      const t = (py - BODY.y) / BODY.size;
      const at = (y * size + x) * 4;
      for (let c = 0; c < 3; c += 1) {
        const background = TOP[c] + (BOTTOM[c] - TOP[c]) * Math.min(1, Math.max(0, t));
        pixels[at + c] = Math.round(background + (255 - background) * ink);
      }
      pixels[at + 3] = Math.round(255 * alpha);
    }
  }
  return pixels;
}

export function svg() {
  const hex = (rgb) => `#${rgb.map((c) => c.toString(16).padStart(2, '0')).join('')}`;
  const bandPath = `M${BAND.cx - BAND.r} ${BAND.cy} A${BAND.r} ${BAND.r} 0 0 1 ${BAND.cx + BAND.r} ${BAND.cy}`;
  const boomPath = `M${BOOM.cx + BOOM.r} ${BOOM.cy} A${BOOM.r} ${BOOM.r} 0 0 1 ${BOOM.cx} ${BOOM.cy + BOOM.r}`;
  const cup = (cx) =>
    `<rect x="${cx - CUP.halfWidth}" y="${CUP.cy - CUP.halfHeight}" width="${2 * CUP.halfWidth}" height="${2 * CUP.halfHeight}" rx="${CUP.radius}"/>`;
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${DESIGN} ${DESIGN}" width="${DESIGN}" height="${DESIGN}">
  <title>ARI Console</title>
  <defs>
    <linearGradient id="body" x1="0" y1="${BODY.y}" x2="0" y2="${BODY.y + BODY.size}" gradientUnits="userSpaceOnUse">
      <stop offset="0" stop-color="${hex(TOP)}"/>
      <stop offset="1" stop-color="${hex(BOTTOM)}"/>
    </linearGradient>
  </defs>
  <rect x="${BODY.x}" y="${BODY.y}" width="${BODY.size}" height="${BODY.size}" rx="${BODY.radius}" fill="url(#body)"/>
  <g fill="none" stroke="#ffffff" stroke-linecap="round">
    <path d="${bandPath}" stroke-width="${BAND.width}"/>
    <path d="${boomPath}" stroke-width="${BOOM.width}"/>
  </g>
  <g fill="#ffffff">
    ${cup(BAND.cx - CUP.dx)}
    ${cup(BAND.cx + CUP.dx)}
    <rect x="${MIC.cx - MIC.halfWidth}" y="${MIC.cy - MIC.halfHeight}" width="${2 * MIC.halfWidth}" height="${2 * MIC.halfHeight}" rx="${MIC.halfHeight}"/>
  </g>
</svg>
`;
}

// ---- Encoders.

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

function chunk(type, data) {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'ascii');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])), 0);
  return Buffer.concat([head, data, crc]);
}

/** 8-bit RGBA PNG. Every row uses the Up filter: the gradient is vertical, so rows differ little. */
export function encodePng(size, pixels) {
  const stride = size * 4;
  const raw = Buffer.alloc((stride + 1) * size);
  for (let y = 0; y < size; y += 1) {
    const row = y * (stride + 1);
    raw[row] = 2;
    for (let i = 0; i < stride; i += 1) {
      const above = y === 0 ? 0 : pixels[(y - 1) * stride + i];
      raw[row + 1 + i] = (pixels[y * stride + i] - above) & 0xff;
    }
  }
  const header = Buffer.alloc(13);
  header.writeUInt32BE(size, 0);
  header.writeUInt32BE(size, 4);
  header.set([8, 6, 0, 0, 0], 8); // bit depth, RGBA, deflate, no filter method, no interlace
  return Buffer.concat([
    PNG_SIGNATURE,
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(raw, { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/** 32-bit BGRA DIB, bottom-up, with an empty AND mask: the classic icon entry every Windows tool reads. */
function encodeDib(size, pixels) {
  const header = Buffer.alloc(40);
  header.writeUInt32LE(40, 0);
  header.writeInt32LE(size, 4);
  header.writeInt32LE(size * 2, 8); // XOR and AND masks stacked
  header.writeUInt16LE(1, 12);
  header.writeUInt16LE(32, 14);
  const xor = Buffer.alloc(size * size * 4);
  for (let y = 0; y < size; y += 1) {
    for (let x = 0; x < size; x += 1) {
      const from = (y * size + x) * 4;
      const to = ((size - 1 - y) * size + x) * 4;
      xor[to] = pixels[from + 2];
      xor[to + 1] = pixels[from + 1];
      xor[to + 2] = pixels[from];
      xor[to + 3] = pixels[from + 3];
    }
  }
  const andStride = Math.ceil(size / 32) * 4;
  return Buffer.concat([header, xor, Buffer.alloc(andStride * size)]);
}

/** Windows .ico: bitmaps up to 128 px (what the shell and NSIS expect), PNG at 256. */
export function encodeIco(images) {
  const header = Buffer.alloc(6 + 16 * images.length);
  header.writeUInt16LE(1, 2);
  header.writeUInt16LE(images.length, 4);
  let offset = header.length;
  const bodies = images.map(({ size, pixels, png }, index) => {
    const data = size >= 256 ? png : encodeDib(size, pixels);
    const entry = 6 + 16 * index;
    header[entry] = size >= 256 ? 0 : size;
    header[entry + 1] = size >= 256 ? 0 : size;
    header.writeUInt16LE(1, entry + 4);
    header.writeUInt16LE(32, entry + 6);
    header.writeUInt32LE(data.length, entry + 8);
    header.writeUInt32LE(offset, entry + 12);
    offset += data.length;
    return data;
  });
  return Buffer.concat([header, ...bodies]);
}

export function encodeIcns(entries) {
  const parts = entries.map(([type, png]) => {
    const head = Buffer.alloc(8);
    head.write(type, 0, 'ascii');
    head.writeUInt32BE(png.length + 8, 4);
    return Buffer.concat([head, png]);
  });
  const total = 8 + parts.reduce((sum, part) => sum + part.length, 0);
  const head = Buffer.alloc(8);
  head.write('icns', 0, 'ascii');
  head.writeUInt32BE(total, 4);
  return Buffer.concat([head, ...parts]);
}

// ---- Files.

export function iconFiles() {
  const images = new Map(PNG_SIZES.map((size) => {
    const pixels = render(size);
    return [size, { size, pixels, png: encodePng(size, pixels) }];
  }));
  const png = (size) => images.get(size).png;
  const files = new Map([
    ['icon.svg', Buffer.from(svg(), 'utf8')],
    ['icon.png', png(1024)],
    ['icon.ico', encodeIco(ICO_SIZES.map((size) => images.get(size)))],
    ['icon.icns', encodeIcns(ICNS_ENTRIES.map(([type, size]) => [type, png(size)]))],
  ]);
  for (const size of PNG_SIZES) files.set(`icons/${size}x${size}.png`, png(size));
  return files;
}

// ---- Comparing what is committed with what would be drawn.

/** Decodes an 8-bit RGBA, non-interlaced PNG (what encodePng writes) into its pixels. */
export function decodePng(png) {
  if (!png.subarray(0, 8).equals(PNG_SIGNATURE)) throw new Error('not a PNG');
  let width = 0;
  const idat = [];
  for (let at = 8; at < png.length; ) {
    const size = png.readUInt32BE(at);
    const type = png.toString('ascii', at + 4, at + 8);
    const data = png.subarray(at + 8, at + 8 + size);
    if (type === 'IHDR') {
      width = data.readUInt32BE(0);
      if (data[8] !== 8 || data[9] !== 6 || data[12] !== 0) throw new Error('not an 8-bit RGBA non-interlaced PNG');
    }
    if (type === 'IDAT') idat.push(data);
    at += 12 + size;
  }
  const raw = inflateSync(Buffer.concat(idat));
  const stride = width * 4;
  const rows = raw.length / (stride + 1);
  const out = Buffer.alloc(stride * rows);
  for (let y = 0; y < rows; y += 1) {
    const filter = raw[y * (stride + 1)];
    for (let i = 0; i < stride; i += 1) {
      const left = i >= 4 ? out[y * stride + i - 4] : 0;
      const up = y > 0 ? out[(y - 1) * stride + i] : 0;
      const upLeft = y > 0 && i >= 4 ? out[(y - 1) * stride + i - 4] : 0;
      const paeth = () => {
        const p = left + up - upLeft;
        const [a, b, c] = [Math.abs(p - left), Math.abs(p - up), Math.abs(p - upLeft)];
        return a <= b && a <= c ? left : b <= c ? up : upLeft;
      };
      const predictor = [0, left, up, (left + up) >> 1, filter === 4 ? paeth() : 0][filter];
      out[y * stride + i] = (raw[y * (stride + 1) + 1 + i] + predictor) & 0xff;
    }
  }
  return { width, height: rows, pixels: out };
}

/** Containers (.ico, .icns) as a list of entries; PNG entries are decoded. */
function entries(name, data) {
  if (name.endsWith('.png')) return [decodePng(data).pixels];
  const list = [];
  if (name.endsWith('.ico')) {
    for (let i = 0; i < data.readUInt16LE(4); i += 1) {
      const entry = data.subarray(data.readUInt32LE(6 + 16 * i + 12)).subarray(0, data.readUInt32LE(6 + 16 * i + 8));
      list.push(entry.subarray(0, 8).equals(PNG_SIGNATURE) ? decodePng(entry).pixels : entry);
    }
  } else if (name.endsWith('.icns')) {
    for (let at = 8; at < data.length; at += data.readUInt32BE(at + 4)) {
      list.push(decodePng(data.subarray(at + 8, at + data.readUInt32BE(at + 4))).pixels);
    }
  } else {
    list.push(data);
  }
  return list;
}

/** Equal, or the same pictures within one step per channel (floating point across V8 versions). */
function samePicture(name, current, expected) {
  if (current.equals(expected)) return true;
  // A Windows checkout may turn the SVG's line ends into CRLF.
  if (name.endsWith('.svg')) return current.toString('utf8').replaceAll('\r\n', '\n') === expected.toString('utf8');
  try {
    const a = entries(name, current);
    const b = entries(name, expected);
    return a.length === b.length && a.every((x, i) => x.length === b[i].length && x.every((v, j) => Math.abs(v - b[i][j]) <= 1));
  } catch {
    return false;
  }
}

function main() {
  const check = process.argv.includes('--check');
  const stale = [];
  for (const [name, data] of iconFiles()) {
    const file = join(here, name);
    if (check) {
      let current = null;
      try {
        current = readFileSync(file);
      } catch {
        // missing counts as stale
      }
      if (!current || !samePicture(name, current, data)) stale.push(name);
    } else {
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(file, data);
      console.log(`[icons] ${name} (${data.length} bytes)`);
    }
  }
  if (check && stale.length > 0) {
    console.error(`[icons] out of date: ${stale.join(', ')}; run: node build/make-icons.mjs`);
    process.exit(1);
  }
  if (check) console.log('[icons] all icon files match build/make-icons.mjs');
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) main();
