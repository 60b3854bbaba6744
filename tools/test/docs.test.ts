// The README and every doc it leads to stay inside the repository: each relative link names a
// file or folder of the repository (and, with #anchor, a heading in it), and none points
// outside, so a fresh clone has all of them.
import { describe, it, expect } from 'vitest';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join, dirname, relative, resolve, sep } from 'node:path';
import { toolsDir } from './support.js';

const root = resolve(toolsDir, '..');

function markdownUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? markdownUnder(join(dir, e.name)) : e.name.endsWith('.md') ? [join(dir, e.name)] : [],
  );
}

const docs = [
  join(root, 'README.md'),
  ...readdirSync(root)
    .map((d) => join(root, d, 'README.md'))
    .filter((p) => existsSync(p)),
  ...markdownUnder(join(root, 'docs')),
];

/** Link targets in a markdown text: inline links and images, and reference definitions; code is skipped. */
function linkTargets(text: string): string[] {
  const prose = text.replace(/```[\s\S]*?```/g, '').replace(/`[^`\n]*`/g, '');
  const inline = [...prose.matchAll(/!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)].map((m) => m[1]);
  const refs = [...prose.matchAll(/^\s*\[[^\]]+\]:\s*<?(\S+?)>?(?:\s+"[^"]*")?\s*$/gm)].map((m) => m[1]);
  return [...inline, ...refs];
}

/** The anchors GitHub gives a markdown file's headings (github-slugger's rule, numbered repeats). */
function headingAnchors(text: string): Set<string> {
  const seen = new Map<string, number>();
  const out = new Set<string>();
  for (const m of text.replace(/```[\s\S]*?```/g, '').matchAll(/^#{1,6}\s+(.+?)\s*#*\s*$/gm)) {
    const plain = m[1].replace(/`/g, '').replace(/\[([^\]]*)\]\([^)]*\)/g, '$1');
    const base = plain.toLowerCase().replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '').replace(/ /g, '-');
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    out.add(n ? `${base}-${n}` : base);
  }
  return out;
}

const EXTERNAL = /^[a-z][a-z0-9+.-]*:/i;

describe('documentation links', () => {
  it('finds the README, the package READMEs and docs/', () => {
    const names = docs.map((d) => relative(root, d));
    for (const d of ['README.md', 'host-server/README.md', 'docs/architecture.md', 'docs/wire-reference.md', 'docs/specs/charger-and-dashboard-websocket.md']) expect(names).toContain(d);
  });

  it('reads links and anchors as GitHub does', () => {
    expect(linkTargets('see [a](docs/a.md#x) and ![i](img.png "t") `[no](code.md)`\n[r]: ../ref.md\n```\n[no](block.md)\n```')).toEqual(['docs/a.md#x', 'img.png', '../ref.md']);
    expect([...headingAnchors('# Sensor streams (/ws/device/{device_id}/)\n## `/ws` — A\n## `/ws` — A')]).toEqual(['sensor-streams-wsdevicedevice_id', 'ws--a', 'ws--a-1']);
  });

  for (const doc of docs) {
    it(`${relative(root, doc)}: every relative link resolves inside the repository`, () => {
      const text = readFileSync(doc, 'utf8');
      expect(text, 'no doc names the steering folder outside the repository').not.toMatch(/\.\.\/shared\/|\/work\/shared/);
      const broken: string[] = [];
      for (const target of linkTargets(text)) {
        if (EXTERNAL.test(target)) continue;
        const [path, fragment] = target.split('#');
        const file = path ? resolve(dirname(doc), decodeURIComponent(path)) : doc;
        if (file !== root && !file.startsWith(root + sep)) broken.push(`${target}: outside the repository`);
        else if (!existsSync(file)) broken.push(`${target}: no such file`);
        else if (fragment && statSync(file).isFile() && file.endsWith('.md') && !headingAnchors(readFileSync(file, 'utf8')).has(fragment)) broken.push(`${target}: no such heading`);
      }
      expect(broken).toEqual([]);
    });
  }
});
