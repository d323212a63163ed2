/**
 * `/view` and `/upload/image` with server.py's path rules (reference §1.7, §1.8): `..` or a leading `/` in the
 * filename → 400, unknown type → 400, a subfolder outside the folder → 403, missing file → 404; uploads keep an
 * identical file's name, rename a different one to `name (1).ext`, refuse path escapes with 400.
 */
import crypto from 'crypto';
import fs from 'fs';
import http from 'http';
import path from 'path';

export interface Dirs {
  input: string;
  output: string;
  temp: string;
}

const MIME: Record<string, string> = { '.png': 'image/png', '.jpg': 'image/jpeg', '.jpeg': 'image/jpeg', '.webp': 'image/webp', '.gif': 'image/gif', '.json': 'application/json', '.txt': 'text/plain', '.mp4': 'video/mp4', '.wav': 'audio/x-wav', '.mp3': 'audio/mpeg' };
const DOWNLOAD_ONLY = new Set(['.html', '.htm', '.js', '.css', '.xhtml']);

function dirByType(dirs: Dirs, type: string): string | undefined {
  return type === 'output' || type === 'input' || type === 'temp' ? dirs[type] : undefined;
}

/** Python's os.path.commonpath check: is `p` (made absolute) inside or equal to `root`? */
function inside(root: string, p: string): boolean {
  const abs = path.resolve(p);
  return abs === root || abs.startsWith(root + path.sep);
}

/** 1×1 images of each preview type (valid files, so a client can decode them). */
const PREVIEW_STAND_IN = {
  webp: Buffer.from('UklGRiQAAABXRUJQVlA4IBgAAAAwAQCdASoBAAEAAwA0JaQAA3AA/vuUAAA=', 'base64'),
  jpeg: Buffer.from('/9j/4AAQSkZJRgABAQAAAQABAAD/2wBDAAgGBgcGBQgHBwcJCQgKDBQNDAsLDBkSEw8UHRofHh0aHBwgJC4nICIsIxwcKDcpLDAxNDQ0Hyc5PTgyPC4zNDL/wAALCAABAAEBAREA/8QAFAABAAAAAAAAAAAAAAAAAAAACf/EABQQAQAAAAAAAAAAAAAAAAAAAAD/2gAIAQEAAD8AKp//2Q==', 'base64'),
};

export async function serveView(dirs: Dirs, query: URLSearchParams, res: http.ServerResponse): Promise<void> {
  const end = (status: number) => void res.writeHead(status, { 'content-type': 'application/octet-stream', 'content-length': 0 }).end();
  let filename = query.get('filename');
  if (filename === null) return end(404);
  let dir: string | undefined;
  // folder_paths.annotated_filepath: a trailing "[output]" etc. picks the folder; the slice includes the space.
  for (const t of ['output', 'input', 'temp'] as const) {
    if (filename.endsWith(`[${t}]`)) [filename, dir] = [filename.slice(0, -(t.length + 3)), dirs[t]];
  }
  if (!filename) return end(400);
  if (filename.startsWith('/') || filename.includes('..')) return end(400);
  dir ??= dirByType(dirs, query.get('type') ?? 'output');
  if (!dir) return end(400);
  const subfolder = query.get('subfolder');
  if (subfolder !== null) {
    const full = path.isAbsolute(subfolder) ? subfolder : path.join(dir, subfolder);
    if (!inside(dir, full)) return end(403);
    dir = full;
  }
  const file = path.join(dir, path.basename(filename));
  // One open file, sized and streamed from its descriptor (as aiohttp's file response does): the machine agent
  // replaces status.json every second, and a stat followed by a second open could send the new file under the old
  // length, a body that ends short on a kept-open connection.
  const opened = openFile(file);
  if (!opened) return end(404);
  const { fd, size } = opened;
  const preview = /^(webp|jpeg);?(\d*)$/.exec(query.get('preview') ?? '');
  if (preview && MIME[path.extname(file).toLowerCase()]?.startsWith('image/')) {
    fs.closeSync(fd);
    // The server re-encodes with PIL; without an encoder here, a fixed small image of the asked type stands in.
    const type = preview[1] === 'webp' || (query.get('channel') ?? '').includes('a') ? 'webp' : 'jpeg';
    const bytes = PREVIEW_STAND_IN[type];
    res.writeHead(200, { 'content-type': `image/${type}`, 'content-length': bytes.length, 'content-disposition': `filename="${path.basename(file)}"`, 'cache-control': 'public, max-age=86400' });
    return void res.end(bytes);
  }
  const ext = path.extname(file).toLowerCase();
  const type = DOWNLOAD_ONLY.has(ext) ? 'application/octet-stream' : MIME[ext] ?? 'application/octet-stream';
  const headers: Record<string, string | number> = { 'content-type': type, 'content-length': size, 'content-disposition': `filename="${path.basename(file)}"` };
  if (type.startsWith('image/')) headers['cache-control'] = 'public, max-age=86400';
  res.writeHead(200, headers);
  // Reads stop at the size announced, even if the open file grows meanwhile; the descriptor closes with the stream,
  // and a client that goes away ends the stream.
  if (size === 0) {
    fs.closeSync(fd);
    return void res.end();
  }
  const body = fs.createReadStream('', { fd, start: 0, end: size - 1, highWaterMark: VIEW_CHUNK_BYTES });
  res.once('close', () => body.destroy());
  body.on('error', () => res.destroy()).pipe(res);
}

/** Larger reads than the 64 KiB default: fewer syscalls and socket writes per output file. */
const VIEW_CHUNK_BYTES = 1024 * 1024;

/** An open descriptor for a regular file and its size, or undefined (missing, a folder, unreadable). */
function openFile(file: string): { fd: number; size: number } | undefined {
  let fd: number | undefined;
  try {
    fd = fs.openSync(file, 'r');
    const st = fs.fstatSync(fd);
    if (st.isFile()) return { fd, size: st.size };
  } catch {
    // missing or unreadable: 404 like a missing file
  }
  if (fd !== undefined) fs.closeSync(fd);
  return undefined;
}

export interface Part {
  name: string;
  filename?: string;
  data: Buffer;
}

/** multipart/form-data, small bodies (the whole body is already read and size-checked). */
export function parseMultipart(contentType: string, body: Buffer): Part[] | undefined {
  const boundary = /boundary=(?:"([^"]+)"|([^;]+))/i.exec(contentType);
  if (!boundary) return undefined;
  const delimiter = Buffer.from(`--${boundary[1] ?? boundary[2]}`);
  const parts: Part[] = [];
  let pos = body.indexOf(delimiter);
  while (pos >= 0) {
    const start = pos + delimiter.length;
    if (body.subarray(start, start + 2).toString() === '--') break;
    const headerEnd = body.indexOf('\r\n\r\n', start);
    const next = body.indexOf(delimiter, headerEnd);
    if (headerEnd < 0 || next < 0) return undefined;
    const headers = body.subarray(start + 2, headerEnd).toString('utf8');
    const disposition = /content-disposition:[^\r\n]*/i.exec(headers)?.[0] ?? '';
    const name = /\bname="([^"]*)"/i.exec(disposition)?.[1];
    const filename = /\bfilename="([^"]*)"/i.exec(disposition)?.[1];
    if (name !== undefined) parts.push({ name, filename, data: body.subarray(headerEnd + 4, next - 2) });
    pos = next;
  }
  return parts;
}

/** `POST /upload/image`: returns the status and JSON body the real handler would. */
export function upload(dirs: Dirs, parts: Part[]): { status: number; body?: unknown } {
  const field = (n: string) => parts.find((p) => p.name === n && p.filename === undefined)?.data.toString('utf8');
  const image = parts.find((p) => p.name === 'image');
  const type = field('type') ?? 'input';
  const root = dirByType(dirs, type);
  if (!root) return { status: 500, body: '500 Internal Server Error\n\nServer got itself in trouble' };
  if (!image || image.filename === undefined) return { status: 400 };
  if (!image.filename) return { status: 400 };
  const subfolder = field('subfolder') ?? '';
  const folder = path.join(root, path.normalize(subfolder || '.'));
  let target = path.resolve(folder, image.filename);
  if (!inside(root, target)) return { status: 400 };
  fs.mkdirSync(folder, { recursive: true });
  const overwrite = field('overwrite');
  let name = image.filename;
  let duplicate = false;
  if (overwrite !== 'true' && overwrite !== '1') {
    const ext = path.extname(image.filename);
    const stem = image.filename.slice(0, image.filename.length - ext.length);
    for (let i = 1; fs.existsSync(target); i++) {
      if (sameContent(target, image.data)) {
        duplicate = true;
        break;
      }
      name = `${stem} (${i})${ext}`;
      target = path.join(folder, name);
    }
  }
  if (!duplicate) {
    try {
      fs.writeFileSync(target, image.data);
    } catch {
      return { status: 500, body: '500 Internal Server Error\n\nServer got itself in trouble' };
    }
  }
  return { status: 200, body: { name, subfolder, type } };
}

function sameContent(file: string, data: Buffer): boolean {
  const hash = (b: Buffer) => crypto.createHash('sha256').update(b).digest('hex');
  return hash(fs.readFileSync(file)) === hash(data);
}
