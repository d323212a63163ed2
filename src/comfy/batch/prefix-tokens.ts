/**
 * The frontend's `filename_prefix` tokens, which ComfyUI's server leaves literal (only the web page expands them,
 * when it queues a prompt): `%date:FORMAT%` and `%Title.widget%`. We expand them when a batch is expanded, so a
 * batch names its files as the web page would.
 * - `%date:FORMAT%`: yyyy, yy, MM, M, dd, d, hh, h (hours 0–23), mm, m, ss, s in local time; other text is kept.
 * - `%Title.widget%`: the value of input `widget` of the one node whose title (else class, the frontend's
 *   "Node name for S&R") is `Title`, with `/` and `\` made `_`. No node, several nodes, a link or an unknown input:
 *   the token stays as written, as in the frontend.
 */
import type { ApiPrompt } from '../types';

const DATE_PARTS = /yyyy|yy|MM|M|dd|d|hh|h|mm|m|ss|s/g;

export function formatDate(format: string, at: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  const parts: Record<string, string> = {
    yyyy: String(at.getFullYear()),
    yy: pad(at.getFullYear() % 100),
    MM: pad(at.getMonth() + 1),
    M: String(at.getMonth() + 1),
    dd: pad(at.getDate()),
    d: String(at.getDate()),
    hh: pad(at.getHours()),
    h: String(at.getHours()),
    mm: pad(at.getMinutes()),
    m: String(at.getMinutes()),
    ss: pad(at.getSeconds()),
    s: String(at.getSeconds()),
  };
  return format.replace(DATE_PARTS, (p) => parts[p]);
}

export function expandPrefixTokens(text: string, prompt: ApiPrompt, at: Date): string {
  return text.replace(/%([^%]+)%/g, (match, token: string) => {
    if (token.startsWith('date:')) return formatDate(token.slice('date:'.length), at);
    const parts = token.split('.');
    if (parts.length !== 2) return match;
    const [title, widget] = parts;
    let nodes = Object.values(prompt).filter((n) => n?._meta?.title === title);
    if (nodes.length === 0) nodes = Object.values(prompt).filter((n) => n?.class_type === title);
    if (nodes.length !== 1) return match;
    const value = nodes[0].inputs?.[widget];
    if (value === undefined || Array.isArray(value) || (typeof value === 'object' && value !== null)) return match;
    return String(value ?? '').replace(/[/\\]/g, '_');
  });
}

/** Every `filename_prefix` of the prompt with its tokens expanded; the ids of the nodes that changed. */
export function expandedPrefixes(prompt: ApiPrompt, at: Date): [string, string][] {
  const out: [string, string][] = [];
  for (const [id, node] of Object.entries(prompt)) {
    const prefix = node?.inputs?.filename_prefix;
    if (typeof prefix !== 'string' || !prefix.includes('%')) continue;
    const expanded = expandPrefixTokens(prefix, prompt, at);
    if (expanded !== prefix) out.push([id, expanded]);
  }
  return out;
}
