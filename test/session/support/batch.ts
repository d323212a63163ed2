/** The batch most session tests run: the example SD 1.5 workflow `repeat` times with one model to place. */
import fs from 'fs';
import path from 'path';

const EXAMPLES = path.join(__dirname, '..', '..', '..', 'examples');

/** Writes `wf.json` and `batch.yaml` into `dir`; returns the batch file's path. */
export function writeSd15Batch(dir: string, repeat: number): string {
  fs.copyFileSync(path.join(EXAMPLES, 'sd15-txt2img.api.json'), path.join(dir, 'wf.json'));
  const file = path.join(dir, 'batch.yaml');
  const lines = [
    'output: out',
    'models:',
    '  - url: https://huggingface.co/Comfy-Org/stable-diffusion-v1-5-archive/resolve/main/v1-5-pruned-emaonly-fp16.safetensors',
    '    folder: checkpoints',
    'workflows:',
    '  - path: wf.json',
    '    name: fox',
    `    repeat: ${repeat}`,
    '    seeds: increment',
  ];
  fs.writeFileSync(file, lines.join('\n'));
  return file;
}
