/**
 * `nodes:` in the batch file: custom node packs the machine installs before any prompt. Each is pinned, so a batch
 * renders the same next month: a Comfy registry id with its version (`comfyui-kjnodes@1.1.0`) or a git URL with a
 * tag, branch or commit (`https://github.com/owner/repo@v1.2`), optionally with extra pip requirements.
 */
import { z } from 'zod';

export interface NodePack {
  /** Folder under custom_nodes/ (registry id, or the repository's name). */
  name: string;
  kind: 'registry' | 'git';
  /** Registry id or git URL. */
  source: string;
  /** Registry version, or git tag / branch / commit. */
  ref: string;
  pip: string[];
}

const GIT_URL = /^(https?|ssh|file|git):\/\/|^git@/;
const REGISTRY = /^([a-z0-9][a-z0-9._-]*)@([0-9][0-9A-Za-z.+-]*)$/i;
const SOURCE_HELP = 'must be a registry id@version (comfyui-kjnodes@1.1.0) or a git URL@ref (https://github.com/owner/repo@v1.2)';

/** Splits `id@version` / `url@ref`; undefined when it is neither. */
export function parseNodeSource(text: string): Omit<NodePack, 'pip'> | undefined {
  if (GIT_URL.test(text)) {
    const at = text.lastIndexOf('@');
    // The ref's '@' comes after the last '/': `git@host:org/repo` alone has none there.
    if (at <= text.lastIndexOf('/')) return undefined;
    const url = text.slice(0, at);
    const ref = text.slice(at + 1);
    const name = url.replace(/\/+$/, '').split(/[/:]/).pop()!.replace(/\.git$/, '');
    return ref && /^[A-Za-z0-9._-]+$/.test(name) && /^[A-Za-z0-9][A-Za-z0-9._/+-]*$/.test(ref) && !ref.includes('..') ? { name, kind: 'git', source: url, ref } : undefined;
  }
  const m = REGISTRY.exec(text);
  return m ? { name: m[1], kind: 'registry', source: m[1], ref: m[2] } : undefined;
}

const source = z.string({ error: SOURCE_HELP }).refine((s) => parseNodeSource(s) !== undefined, { error: SOURCE_HELP });
/** A pip requirement (`rembg==2.0.59`), never an option: nothing passed to pip can change where it installs from. */
const requirement = z.string({ error: 'must be a pip requirement such as rembg==2.0.59' }).regex(/^[A-Za-z0-9][A-Za-z0-9._\[\],<>=!~ ;'"-]*$/, { error: 'must be a pip requirement such as rembg==2.0.59' });

export const NodeEntrySchema = z.union([source, z.object({ source, pip: z.array(requirement, { error: 'must be a list of pip requirements' }).optional() }).strict()], {
  error: `${SOURCE_HELP}, or {source, pip}`,
});
type NodeEntry = z.infer<typeof NodeEntrySchema>;

export function nodePack(entry: NodeEntry): NodePack {
  const text = typeof entry === 'string' ? entry : entry.source;
  return { ...parseNodeSource(text)!, pip: typeof entry === 'string' ? [] : (entry.pip ?? []) };
}

interface UiNodeLike {
  properties?: { cnr_id?: unknown; aux_id?: unknown; ver?: unknown };
}

/**
 * The packs a UI-format workflow says its nodes come from, as `nodes:` entries: ComfyUI's frontend records a
 * registry pack as `properties.cnr_id` + `ver`, and an unregistered one as `aux_id` ("owner/repo" on GitHub) + `ver`
 * (a commit). Core nodes (`comfy-core`) need nothing; a pack without a usable version is listed unpinned (`@?`), to
 * be pinned by hand. Subgraph definitions carry nodes too.
 */
export function suggestNodePacks(workflow: { nodes?: UiNodeLike[]; definitions?: { subgraphs?: { nodes?: UiNodeLike[] }[] } }): string[] {
  const all = [...(workflow.nodes ?? []), ...(workflow.definitions?.subgraphs ?? []).flatMap((g) => g.nodes ?? [])];
  const out = new Set<string>();
  for (const { properties: p } of all) {
    const ver = typeof p?.ver === 'string' && /^[A-Za-z0-9][A-Za-z0-9._+-]*$/.test(p.ver) ? p.ver : '?';
    if (typeof p?.cnr_id === 'string' && p.cnr_id !== 'comfy-core') out.add(`${p.cnr_id}@${ver}`);
    else if (typeof p?.aux_id === 'string' && /^[\w.-]+\/[\w.-]+$/.test(p.aux_id)) out.add(`https://github.com/${p.aux_id}@${ver}`);
  }
  return [...out].sort();
}
