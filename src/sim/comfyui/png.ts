/**
 * The simulator's "renders": small real PNGs whose pixels follow from a seed string (the node's inputs, seed
 * included), with the prompt in a `tEXt` chunk as SaveImage writes it, optionally padded to a target size with a
 * private ancillary chunk (decoders skip it) so that pulling can be tested with files of several MB.
 */
import crypto from 'crypto';
import zlib from 'zlib';

export interface RenderOptions {
  /** Edge of the square image in pixels. @default 64 */
  sizePx?: number;
  /** Pad the file to at least this many bytes (0 = no padding). */
  targetBytes?: number;
  /** Text chunks to embed (`prompt`, `workflow`), as ComfyUI does unless --disable-metadata. */
  text?: Record<string, string>;
}

export function renderPng(seed: string, opts: RenderOptions = {}): Buffer {
  const size = opts.sizePx ?? 64;
  const digest = crypto.createHash('sha256').update(seed).digest();
  // Raw scanlines, filter type 0, RGBA 8 bit (encoded by hand: pngjs is slow to write under jest's module loader).
  const raw = Buffer.alloc(size * (size * 4 + 1));
  for (let y = 0; y < size; y++) {
    const row = y * (size * 4 + 1);
    for (let x = 0; x < size; x++) {
      const i = row + 1 + x * 4;
      raw[i] = (digest[0] + x * digest[1]) & 255;
      raw[i + 1] = (digest[2] + y * digest[3]) & 255;
      raw[i + 2] = (digest[4] + (x ^ y) * digest[5]) & 255;
      raw[i + 3] = 255;
    }
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(size, 0);
  ihdr.writeUInt32BE(size, 4);
  ihdr.set([8, 6, 0, 0, 0], 8); // bit depth 8, colour type 6 (RGBA), deflate, no filter method, no interlace
  const head = [SIGNATURE, chunk('IHDR', ihdr), ...Object.entries(opts.text ?? {}).map(([k, v]) => chunk('tEXt', Buffer.from(`${k}\0${v}`, 'latin1'))), chunk('IDAT', zlib.deflateSync(raw))];
  const current = head.reduce((n, c) => n + c.length, 0) + 12;
  if (opts.targetBytes && opts.targetBytes > current + 12) head.push(chunk('gbPd', filler(digest, opts.targetBytes - current - 12)));
  return Buffer.concat([...head, chunk('IEND', Buffer.alloc(0))]);
}

const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

function chunk(type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(zlib.crc32(data, zlib.crc32(head.subarray(4))) >>> 0, 0);
  return Buffer.concat([head, data, crc]);
}

/** Deterministic, incompressible bytes (AES-CTR keystream keyed by the image's digest). */
function filler(digest: Buffer, bytes: number): Buffer {
  const cipher = crypto.createCipheriv('aes-128-ctr', digest.subarray(0, 16), digest.subarray(16, 32));
  return cipher.update(Buffer.alloc(bytes));
}
