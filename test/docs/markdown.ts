/**
 * What the docs' tests read of a Markdown file: its fenced code blocks, its
 * headings (as the anchors GitHub makes of them) and its relative links.
 */

export interface CodeBlock {
  /** the doc's path, relative to the repository */
  doc: string;
  /** the opening fence's line, 1-based */
  line: number;
  /** the info string after the fence: "ts page", "sh run", "" … */
  info: string;
  code: string;
}

export interface Link {
  doc: string;
  line: number;
  target: string;
}

interface Parsed {
  blocks: CodeBlock[];
  anchors: Set<string>;
  links: Link[];
}

const FENCE = /^(\s*)(`{3,}|~{3,})(.*)$/;

/** GitHub's heading anchor: lower case, punctuation dropped, spaces to hyphens. */
export function anchorOf(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');
}

export function parseMarkdown(doc: string, text: string): Parsed {
  const blocks: CodeBlock[] = [];
  const anchors = new Set<string>();
  const links: Link[] = [];
  const lines = text.split('\n');
  let open: { fence: string; line: number; info: string; body: string[] } | undefined;
  lines.forEach((raw, i) => {
    const fence = FENCE.exec(raw);
    if (open) {
      if (fence && fence[2]!.startsWith(open.fence) && fence[3]!.trim() === '') {
        blocks.push({ doc, line: open.line, info: open.info, code: open.body.join('\n') });
        open = undefined;
      } else {
        open.body.push(raw);
      }
      return;
    }
    if (fence) {
      open = { fence: fence[2]!, line: i + 1, info: fence[3]!.trim(), body: [] };
      return;
    }
    const heading = /^#{1,6}\s+(.*?)\s*#*$/.exec(raw);
    if (heading) anchors.add(anchorOf(heading[1]!));
    // Inline code is not a link: drop it before looking for (target).
    for (const m of raw.replace(/`[^`]*`/g, '').matchAll(/\]\(([^)\s]+)\)/g)) links.push({ doc, line: i + 1, target: m[1]! });
  });
  if (open) throw new Error(`${doc}:${open.line}: a code block is never closed`);
  return { blocks, anchors, links };
}
