/**
 * The app (src/), the worker (sw/) and the sender (server/) never import each
 * other's files: what two of them share lives in protocol/ (all three) or
 * browser-shared/ (the page and the worker). A host app embeds the page's and
 * the worker's halves separately, so an arrow between them would drag one
 * runtime's code into the other's bundle.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '../..');

/** Which top-level folders each part of the kit may import from. */
const MAY_IMPORT: Record<string, readonly string[]> = {
  protocol: ['protocol'],
  'browser-shared': ['browser-shared', 'protocol'],
  src: ['src', 'browser-shared', 'protocol'],
  sw: ['sw', 'browser-shared', 'protocol'],
  server: ['server', 'protocol'],
};

function sourceFiles(dir: string): string[] {
  return readdirSync(path.join(ROOT, dir), { recursive: true, encoding: 'utf8' })
    .filter((f) => /\.tsx?$/.test(f) && !f.endsWith('.d.ts'))
    .map((f) => path.join(dir, f));
}

/** Every relative import of a file, as the top-level folder it lands in. */
function importedParts(file: string): { specifier: string; part: string }[] {
  const { importedFiles } = ts.preProcessFile(readFileSync(path.join(ROOT, file), 'utf8'), true, true);
  return importedFiles
    .map((f) => f.fileName)
    .filter((s) => s.startsWith('.'))
    .map((specifier) => ({ specifier, part: path.relative(ROOT, path.resolve(ROOT, path.dirname(file), specifier)).split(path.sep)[0]! }));
}

describe('the kit keeps its parts apart', () => {
  for (const [part, allowed] of Object.entries(MAY_IMPORT)) {
    it(`${part}/ imports only from ${allowed.join(', ')}`, () => {
      const files = sourceFiles(part);
      expect(files.length).toBeGreaterThan(0);
      const arrows = files.flatMap((file) =>
        importedParts(file)
          .filter(({ part: target }) => !allowed.includes(target))
          .map(({ specifier }) => `${file} → ${specifier}`),
      );
      expect(arrows).toEqual([]);
    });
  }
});
