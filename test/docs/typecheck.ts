/**
 * Type-checks the docs' TypeScript snippets in-process, one program per
 * runtime: the page (DOM), the service worker (WebWorker), Node. The
 * package's entry points resolve to their source files, as a host's imports
 * resolve to the packed ones (package.json `exports`).
 */
import { join } from 'node:path';
import ts from 'typescript';
import { ROOT } from './sources';

export type Context = 'page' | 'worker' | 'node';

const ENTRY_POINTS: Record<string, string[]> = {
  'ringkit/client': ['src/client.ts'],
  'ringkit/sw': ['sw/index.ts'],
  'ringkit/ringer': ['src/ringer/index.ts'],
  'ringkit/sender': ['server/index.ts'],
};

const RUNTIMES: Record<Context, { lib: string[]; types: string[] }> = {
  page: { lib: ['lib.es2022.d.ts', 'lib.dom.d.ts', 'lib.dom.iterable.d.ts'], types: ['vite/client'] },
  worker: { lib: ['lib.es2022.d.ts', 'lib.webworker.d.ts'], types: [] },
  node: { lib: ['lib.es2022.d.ts'], types: ['node'] },
};

/** The repository's own settings (tsconfig.base.json), with a host's freedom to leave a snippet's names unused. */
function options(context: Context): ts.CompilerOptions {
  const { lib, types } = RUNTIMES[context];
  return {
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    strict: true,
    noUncheckedIndexedAccess: true,
    isolatedModules: true,
    verbatimModuleSyntax: true,
    resolveJsonModule: true,
    skipLibCheck: true,
    noEmit: true,
    jsx: ts.JsxEmit.ReactJSX,
    jsxImportSource: 'preact',
    baseUrl: ROOT,
    paths: ENTRY_POINTS,
    lib,
    types,
  };
}

export interface Snippet {
  /** where it is, for messages: "docs/embedding.md:42" */
  name: string;
  code: string;
}

/** Each snippet's errors (only the snippets': the entry points are checked by npm run typecheck). */
export function typecheck(context: Context, snippets: Snippet[]): Map<string, string[]> {
  const files = new Map<string, Snippet>();
  snippets.forEach((s, i) => {
    // Beside the repository's files, so bare imports resolve from its node_modules.
    const file = join(ROOT, 'test/docs', `.snippet-${context}-${i}.ts`);
    // A snippet is a module (top-level await, its own scope) even when it imports nothing.
    files.set(file, { ...s, code: `${s.code}\nexport {};\n` });
  });
  const opts = options(context);
  const host = ts.createCompilerHost(opts, true);
  const getSourceFile = host.getSourceFile.bind(host);
  host.getSourceFile = (name, language, onError) => {
    const snippet = files.get(name);
    return snippet ? ts.createSourceFile(name, snippet.code, language, true, ts.ScriptKind.TS) : getSourceFile(name, language, onError);
  };
  const fileExists = host.fileExists.bind(host);
  host.fileExists = (name) => files.has(name) || fileExists(name);
  const readFile = host.readFile.bind(host);
  host.readFile = (name) => files.get(name)?.code ?? readFile(name);

  const program = ts.createProgram([...files.keys()], opts, host);
  const format = (d: ts.Diagnostic) => {
    const text = ts.flattenDiagnosticMessageText(d.messageText, '\n');
    if (!d.file || d.start === undefined) return text;
    const { line, character } = d.file.getLineAndCharacterOfPosition(d.start);
    return `line ${line + 1}:${character + 1}: ${text}`;
  };
  const errors = new Map<string, string[]>();
  const global = [...program.getOptionsDiagnostics(), ...program.getGlobalDiagnostics()].map(format);
  for (const [file, snippet] of files) {
    const sf = program.getSourceFile(file)!;
    const found = [...program.getSyntacticDiagnostics(sf), ...program.getSemanticDiagnostics(sf)].map(format);
    errors.set(snippet.name, [...global, ...found]);
  }
  return errors;
}
