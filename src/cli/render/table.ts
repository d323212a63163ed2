/** Plain tables with cli-table3: no colours, no lines between rows. */
import Table = require('cli-table3');

export function table(head: string[], rows: string[][], align: ('left' | 'right')[]): string {
  const t = new Table({
    head,
    colAligns: align,
    style: { head: [], border: [], compact: true },
    chars: { mid: '', 'left-mid': '', 'mid-mid': '', 'right-mid': '' },
  });
  t.push(...rows);
  return t.toString();
}
