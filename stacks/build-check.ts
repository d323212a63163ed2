/**
 * The stack's resources run the built session code (`dist/`, loaded in Pulumi's provider host), while the program
 * runs from the sources. This finds sources whose build is missing or older, so a stale build is said out loud.
 */
import fs from 'fs';
import path from 'path';

const SOURCE_ROOTS = ['providers', 'src'];
const ASSET_EXT = new Set(['.json', '.yaml', '.yml', '.py', '.sh']);

/** Source files (relative to `root`) whose counterpart in `dist/` is missing or older. */
export function staleBuild(root: string): string[] {
  const stale: string[] = [];
  const visit = (rel: string) => {
    for (const entry of fs.readdirSync(path.join(root, rel), { withFileTypes: true })) {
      const child = path.join(rel, entry.name);
      if (entry.isDirectory()) visit(child);
      else if (isSource(entry.name)) {
        const built = path.join(root, 'dist', child.replace(/\.ts$/, '.js'));
        if (!fs.existsSync(built) || fs.statSync(built).mtimeMs < fs.statSync(path.join(root, child)).mtimeMs) stale.push(child);
      }
    }
  };
  for (const dir of SOURCE_ROOTS) if (fs.existsSync(path.join(root, dir))) visit(dir);
  return stale;
}

function isSource(name: string): boolean {
  if (name.endsWith('.d.ts')) return false;
  return name.endsWith('.ts') || ASSET_EXT.has(path.extname(name));
}
