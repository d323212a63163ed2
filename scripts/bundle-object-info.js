// Writes src/comfy/object-info.core.json from a saved /object_info of a fresh ComfyUI (default: the captured
// v0.3.64 core set in ../shared/comfyui): file lists emptied as on a new machine (no models, only the
// example.png a ComfyUI checkout ships in input/), compact JSON. Usage: node scripts/bundle-object-info.js [file]
const fs = require('fs');
const path = require('path');

const FILE = path.join('shared', 'comfyui', 'object_info-v0.3.64.json');
// The shared folder sits beside the repository (../shared), or two levels up from a worktree.
const source = process.argv[2] ?? [path.join(__dirname, '..', '..', FILE), path.join(__dirname, '..', '..', '..', FILE)].find((f) => fs.existsSync(f));
const info = JSON.parse(fs.readFileSync(source, 'utf8'));
const FRESH_INPUT = ['example.png'];
const INPUT_FOLDER_LISTS = new Set(['LoadImage.image', 'LoadImageMask.image']);
const MODEL_FILE = /\.(safetensors|ckpt|pt|pt2|pth|bin|pkl|sft|gguf|png|jpe?g|webp|latent|wav|mp3|flac|mp4|webm|glb|obj|fbx)$/i;

for (const [cls, node] of Object.entries(info)) {
  for (const group of ['required', 'optional']) {
    for (const [name, spec] of Object.entries(node.input?.[group] ?? {})) {
      if (INPUT_FOLDER_LISTS.has(`${cls}.${name}`)) spec[0] = [...FRESH_INPUT];
      else if (Array.isArray(spec[0]) && spec[0].some((o) => typeof o === 'string' && MODEL_FILE.test(o))) spec[0] = spec[0].filter((o) => !MODEL_FILE.test(String(o)));
      else if (spec[0] === 'COMBO' && Array.isArray(spec[1]?.options) && spec[1].options.some((o) => MODEL_FILE.test(String(o)))) spec[1].options = spec[1].options.filter((o) => !MODEL_FILE.test(String(o)));
    }
  }
}
const out = path.join(__dirname, '..', 'src', 'comfy', 'object-info.core.json');
fs.writeFileSync(out, JSON.stringify(info) + '\n');
console.log(`${Object.keys(info).length} classes, ${fs.statSync(out).size} bytes -> ${path.relative(process.cwd(), out)}`);
