// Copies non-TypeScript assets (catalog data, object_info snapshot, watchdog script) next to the compiled code.
const fs = require('fs');
const path = require('path');

const root = path.join(__dirname, '..');
const assetExt = new Set(['.json', '.yaml', '.yml', '.py', '.sh']);
const roots = ['providers', 'src', 'stacks'];

function copyTree(rel) {
  const abs = path.join(root, rel);
  for (const entry of fs.readdirSync(abs, { withFileTypes: true })) {
    const childRel = path.join(rel, entry.name);
    if (entry.isDirectory()) copyTree(childRel);
    else if (assetExt.has(path.extname(entry.name))) {
      const dest = path.join(root, 'dist', childRel);
      fs.mkdirSync(path.dirname(dest), { recursive: true });
      fs.copyFileSync(path.join(root, childRel), dest);
    }
  }
}

for (const r of roots) if (fs.existsSync(path.join(root, r))) copyTree(r);
