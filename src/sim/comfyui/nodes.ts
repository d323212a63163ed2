/**
 * The simulator's node registry: the bundled core-node object_info with the file lists filled in the way ComfyUI
 * fills them on every `/object_info` call (model folders, `vae` + the always-present `pixel_space`, image files of
 * the input folder), and the custom checks of nodes that have VALIDATE_INPUTS (LoadImage: the file must exist).
 */
import fs from 'fs';
import path from 'path';
import { MODEL_INPUTS } from '../../comfy/model-folders';
import { customNodeInfo } from './custom-nodes';
import { cachedListing } from './listing';
import type { CustomChecks } from './validate';

const CORE: Record<string, NodeInfoLike> = require('../../comfy/object-info.core.json');

interface NodeInfoLike {
  input: { required?: Record<string, [unknown, Record<string, unknown>?]>; optional?: Record<string, [unknown, Record<string, unknown>?]>; hidden?: unknown };
  output: string[];
  output_node: boolean;
  [k: string]: unknown;
}

const MODEL_EXT = new Set(['.ckpt', '.pt', '.pt2', '.bin', '.pth', '.safetensors', '.pkl', '.sft']);
const IMAGE_EXT = new Set(['.png', '.jpg', '.jpeg', '.webp', '.gif', '.bmp', '.tif', '.tiff']);

/**
 * Sorted relative file list of one model folder, `/` separated (folder_paths.get_filename_list, kept while no
 * folder of it changed, as there: ./listing).
 */
export function modelFiles(modelsDir: string, folder: string, verify = true): string[] {
  const root = path.join(modelsDir, folder);
  return cachedListing(`models\0${root}`, (visit) => {
    const out: string[] = [];
    const walk = (dir: string, rel: string) => {
      visit(dir);
      let entries: fs.Dirent[];
      try {
        entries = fs.readdirSync(dir, { withFileTypes: true });
      } catch {
        return;
      }
      for (const e of entries) {
        if (e.isDirectory()) walk(path.join(dir, e.name), rel ? `${rel}/${e.name}` : e.name);
        else if (MODEL_EXT.has(path.extname(e.name).toLowerCase())) out.push(rel ? `${rel}/${e.name}` : e.name);
      }
    };
    walk(root, '');
    return out.sort();
  }, verify).slice();
}

/** LoadImage's list: image files at the top of the input folder (ComfyUI lists it on every call; same answer). */
function inputImages(inputDir: string, verify = true): string[] {
  return cachedListing(`input\0${inputDir}`, (visit) => {
    visit(inputDir);
    try {
      return fs
        .readdirSync(inputDir, { withFileTypes: true })
        .filter((e) => e.isFile() && IMAGE_EXT.has(path.extname(e.name).toLowerCase()))
        .map((e) => e.name)
        .sort();
    } catch {
      return [];
    }
  }, verify).slice();
}

let cached: { key: string; info: Record<string, NodeInfoLike> } | undefined;

/**
 * object_info as the server would answer now. The 383-class copy is rebuilt only when a file list changed (the
 * real server recomputes it on every call; here every POST /prompt asks for it too). `classes`: only these will be
 * read (a prompt's validation, which asks each of its classes for its inputs, as ComfyUI's does): the other classes'
 * file lists are the last ones seen, not looked at again.
 */
export function currentObjectInfo(modelsDir: string, inputDir: string, classes?: ReadonlySet<string>): Record<string, NodeInfoLike> {
  const read = (cls: string) => !classes || classes.has(cls);
  const verified = new Set(Object.keys(MODEL_INPUTS).filter((key) => read(key.slice(0, key.indexOf('.')))).map((key) => MODEL_INPUTS[key]));
  const lists = new Map<string, string[]>();
  const list = (folder: string) => lists.get(folder) ?? (lists.set(folder, modelFiles(modelsDir, folder, verified.has(folder))), lists.get(folder) as string[]);
  const images = inputImages(inputDir, read('LoadImage') || read('LoadImageMask'));
  const wanted = Object.entries(MODEL_INPUTS).map(([key, folder]) => [key, key.startsWith('VAELoader.') ? [...list('vae'), 'pixel_space'] : [...list(folder)]] as const);
  // Classes of the installed custom node packs (./custom-nodes.ts): custom_nodes/ sits beside models/.
  const custom = customNodeInfo(path.join(path.dirname(modelsDir), 'custom_nodes'));
  const key = JSON.stringify([wanted, images, modelsDir, custom.key]);
  if (cached?.key === key) return cached.info;
  const files = new Map<string, string[]>(wanted);
  files.set('LoadImage.image', images);
  files.set('LoadImageMask.image', images);
  const info: Record<string, NodeInfoLike> = { ...JSON.parse(JSON.stringify(CORE)), ...(JSON.parse(JSON.stringify(custom.info)) as Record<string, NodeInfoLike>) };
  for (const [cls, node] of Object.entries(info)) {
    for (const group of [node.input.required, node.input.optional]) {
      for (const [name, spec] of Object.entries(group ?? {})) {
        const names = files.get(`${cls}.${name}`);
        if (!names) continue;
        // Legacy combos are the list itself; V3 combos keep "COMBO" and list the files under options.
        if (spec[0] === 'COMBO') spec[1] = { ...(spec[1] ?? {}), options: names };
        else spec[0] = names;
      }
    }
  }
  cached = { key, info };
  return info;
}

/** VALIDATE_INPUTS of LoadImage: `image` (optionally annotated ` [input]`…) must be an existing file. */
export function customChecks(dirs: { input: string; output: string; temp: string }): CustomChecks {
  const exists = (inputs: Record<string, unknown>) => {
    const raw = String(inputs.image ?? '');
    const m = /^(.*) \[(input|output|temp)\]$/.exec(raw);
    const base = m ? dirs[m[2] as 'input' | 'output' | 'temp'] : dirs.input;
    const file = path.resolve(base, m ? m[1] : raw);
    return (file.startsWith(base + path.sep) && fs.existsSync(file) && fs.statSync(file).isFile()) || `Invalid image file: ${raw}`;
  };
  return { LoadImage: { inputs: ['image'], check: exists }, LoadImageMask: { inputs: ['image'], check: exists } };
}
