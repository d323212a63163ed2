/**
 * SaveImage / PreviewImage as nodes.py + folder_paths.get_save_image_path do them: the prefix may carry a
 * subfolder (`/`), names are `<prefix>_<counter:05>_.png` with the counter one above the highest in that folder
 * (whatever the extension), PreviewImage writes to temp with a `_temp_xxxxx` suffix, and a prefix escaping the
 * folder raises. The animated and video savers write one file of all frames under their own extension; its bytes
 * here are one PNG frame (nothing in gpuburst reads a video's content).
 */
import fs from 'fs';
import path from 'path';
import { renderPng } from './png';

export interface SaveSettings {
  outputBytes: number;
  imageSizePx: number;
  disableMetadata: boolean;
}

export class ImageSaver {
  /** Next counter per folder + prefix; seeded by one directory scan, as the real scan would find. */
  private readonly counters = new Map<string, number>();

  constructor(private readonly settings: SaveSettings) {}

  save(opts: { dir: string; type: 'output' | 'temp'; prefix: string; count: number; seed: string; text: Record<string, string>; ext?: string }): { filename: string; subfolder: string; type: string }[] {
    let prefix = opts.prefix;
    if (opts.type === 'temp') prefix += '_temp_' + Array.from({ length: 5 }, () => 'abcdefghijklmnopqrstupvxyz'[Math.floor(Math.random() * 26)]).join('');
    const normal = path.posix.normalize(prefix.replace(/\\/g, '/'));
    const subfolder = path.posix.dirname(normal) === '.' ? '' : path.posix.dirname(normal);
    const filename = path.posix.basename(normal);
    const folder = path.resolve(opts.dir, subfolder);
    if (folder !== opts.dir && !folder.startsWith(opts.dir + path.sep)) {
      throw new Error(`**** ERROR: Saving image outside the output folder is not allowed.\n full_output_folder: ${folder}\n         output_dir: ${opts.dir}`);
    }
    fs.mkdirSync(folder, { recursive: true });
    const key = `${folder}\0${filename.toLowerCase()}`;
    let counter = this.counters.get(key) ?? this.scan(folder, filename);
    const results = [];
    for (let i = 0; i < opts.count; i++) {
      const file = `${filename.replace('%batch_num%', String(i))}_${String(counter).padStart(5, '0')}_${opts.ext ?? '.png'}`;
      const png = renderPng(`${opts.seed}#${i}`, { sizePx: this.settings.imageSizePx, targetBytes: this.settings.outputBytes, text: this.settings.disableMetadata ? {} : opts.text });
      fs.writeFileSync(path.join(folder, file), png);
      results.push({ filename: file, subfolder, type: opts.type });
      counter++;
    }
    this.counters.set(key, counter);
    return results;
  }

  /** Highest `<prefix>_<digits>_...` counter present + 1 (1 for an empty folder). */
  private scan(folder: string, prefix: string): number {
    let max = 0;
    for (const name of fs.readdirSync(folder)) {
      if (name.slice(0, prefix.length + 1).toLowerCase() !== `${prefix.toLowerCase()}_`) continue;
      const digits = parseInt(name.slice(prefix.length + 1).split('_')[0], 10);
      if (Number.isFinite(digits)) max = Math.max(max, digits);
    }
    return max + 1;
  }
}
