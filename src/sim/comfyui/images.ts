/**
 * What LoadImage meets when it opens its file (PIL.Image.open in nodes.py): a file that is not an image raises
 * `PIL.UnidentifiedImageError` at run time (validation only checked that the file exists), as the captured real
 * server shows (real.execution_error.*).
 */
import fs from 'fs';
import path from 'path';

const SIGNATURES: Buffer[] = [
  Buffer.from([0x89, 0x50, 0x4e, 0x47]), // PNG
  Buffer.from([0xff, 0xd8, 0xff]), // JPEG
  Buffer.from('GIF8'),
  Buffer.from('BM'),
  Buffer.from([0x49, 0x49, 0x2a, 0x00]), // TIFF little-endian
  Buffer.from([0x4d, 0x4d, 0x00, 0x2a]), // TIFF big-endian
];

/** The exception LoadImage would raise for `image` (annotated names like `x.png [output]` included), or undefined. */
export function loadImageProblem(dirs: { input: string; output: string; temp: string }, image: string): { exceptionType: string; message: string } | undefined {
  const m = /^(.*) \[(input|output|temp)\]$/.exec(image);
  const file = path.resolve(m ? dirs[m[2] as 'input' | 'output' | 'temp'] : dirs.input, m ? m[1] : image);
  let head: Buffer;
  try {
    const fd = fs.openSync(file, 'r');
    head = Buffer.alloc(16);
    fs.readSync(fd, head, 0, 16, 0);
    fs.closeSync(fd);
  } catch {
    return { exceptionType: 'FileNotFoundError', message: `[Errno 2] No such file or directory: '${file}'` };
  }
  const webp = head.subarray(0, 4).toString('latin1') === 'RIFF' && head.subarray(8, 12).toString('latin1') === 'WEBP';
  if (webp || SIGNATURES.some((sig) => head.subarray(0, sig.length).equals(sig))) return undefined;
  return { exceptionType: 'PIL.UnidentifiedImageError', message: `cannot identify image file '${file}'` };
}
