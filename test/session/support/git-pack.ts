/** A node pack in a local bare git repository: tag v1.0 defines GoodNode (IMAGE → IMAGE), a later commit on main LaterNode. */
import { execFileSync } from 'child_process';
import fs from 'fs';
import path from 'path';
import { writePack } from '../../../src/sim/node-registry';

const git = (cwd: string, ...args: string[]) => execFileSync('git', ['-c', 'user.email=t@t', '-c', 'user.name=t', ...args], { cwd, stdio: 'pipe' });

export function bareNodeRepo(root: string, name = 'ComfyUI-Good'): string {
  const work = path.join(root, `${name}-work`);
  // object_info.json: what the simulated ComfyUI serves for the class (it cannot run the pack's Python).
  const goodNode = { input: { required: { image: ['IMAGE'] } }, output: ['IMAGE'], output_is_list: [false], output_name: ['IMAGE'], name: 'GoodNode', display_name: 'Good', category: 'good', output_node: false, python_module: `custom_nodes.${name}` };
  writePack(work, { '__init__.py': 'NODE_CLASS_MAPPINGS = {"GoodNode": object}\n', 'object_info.json': JSON.stringify({ GoodNode: goodNode }) });
  git(root, 'init', '-q', '-b', 'main', work);
  git(work, 'add', '.');
  git(work, 'commit', '-qm', 'v1');
  git(work, 'tag', 'v1.0');
  fs.writeFileSync(path.join(work, '__init__.py'), 'NODE_CLASS_MAPPINGS = {"LaterNode": object}\n');
  git(work, 'commit', '-qam', 'later');
  const bare = path.join(root, `${name}.git`);
  git(root, 'clone', '-q', '--bare', work, bare);
  return bare;
}
