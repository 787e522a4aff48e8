/**
 * The shape of the house, read from the code's own imports: no import circle
 * among the files of src/, tools/, resources/ and prompts/; engines import no
 * adapter (src/mcp, src/http, src/cli), no registry (src/registry, tools/,
 * resources/, prompts/) and neither the MCP SDK nor Hono; src/core imports
 * nothing above it. Imports are read with TypeScript's own pre-processor
 * (static, type-only, re-exports and import() with a literal), so comments
 * and strings are not mistaken for imports.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '..');
const SCANNED = ['src', 'tools', 'resources', 'prompts'];

/** Module specifiers a TypeScript file imports or re-exports, in order. */
function importSpecifiers(text: string): string[] {
  return ts.preProcessFile(text, true, true).importedFiles.map((f) => f.fileName);
}

function tsFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...tsFiles(path));
    else if (name.endsWith('.ts') && !name.endsWith('.d.ts')) out.push(path);
  }
  return out;
}

/** The repository file a relative specifier names (`./x.js` is `./x.ts`), or undefined when none. */
function resolveRelative(from: string, spec: string, files: Set<string>): string | undefined {
  const base = resolve(dirname(from), spec);
  const candidates = [base.replace(/\.js$/, '.ts'), `${base}.ts`, join(base, 'index.ts'), base];
  return candidates.find((c) => files.has(c));
}

interface Graph {
  /** repo-relative file -> the repo-relative files it imports */
  edges: Map<string, string[]>;
  /** repo-relative file -> the package specifiers it imports */
  packages: Map<string, string[]>;
  /** relative specifiers that name no file of the tree */
  unresolved: string[];
}

function readGraph(): Graph {
  const absolute = SCANNED.flatMap((d) => tsFiles(join(ROOT, d)));
  const known = new Set(absolute);
  const edges = new Map<string, string[]>();
  const packages = new Map<string, string[]>();
  const unresolved: string[] = [];
  for (const file of absolute) {
    const rel = relative(ROOT, file);
    const to: string[] = [];
    const pkgs: string[] = [];
    for (const spec of importSpecifiers(readFileSync(file, 'utf8'))) {
      if (!spec.startsWith('.')) {
        pkgs.push(spec);
        continue;
      }
      const target = resolveRelative(file, spec, known);
      if (target) to.push(relative(ROOT, target));
      // a JSON file or a file outside the scanned folders is no part of this graph; anything else is a broken import
      else if (!existsOnDisk(resolve(dirname(file), spec))) unresolved.push(`${rel} -> ${spec}`);
    }
    edges.set(rel, to);
    packages.set(rel, pkgs);
  }
  return { edges, packages, unresolved };
}

/** True when a specifier names something on disk (a JSON file, a file outside the scanned folders). */
function existsOnDisk(base: string): boolean {
  return [base, base.replace(/\.js$/, '.ts'), `${base}.ts`, join(base, 'index.ts')].some((c) => existsSync(c));
}

/** Strongly connected components with more than one file, or a file importing itself (Tarjan). */
function findCircles(edges: Map<string, string[]>): string[][] {
  let counter = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const circles: string[][] = [];
  const visit = (v: string) => {
    index.set(v, counter);
    low.set(v, counter);
    counter++;
    stack.push(v);
    onStack.add(v);
    for (const w of edges.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1 || (edges.get(v) ?? []).includes(v)) circles.push(component.sort());
    }
  };
  for (const v of [...edges.keys()].sort()) if (!index.has(v)) visit(v);
  return circles.sort((x, y) => x[0]!.localeCompare(y[0]!));
}

const ADAPTERS = ['src/mcp/', 'src/http/', 'src/cli/', 'src/registry/', 'tools/', 'resources/', 'prompts/'];
const ADAPTER_PACKAGES = /^(@modelcontextprotocol\/sdk|hono|@hono\/)/;

/** "file -> import" for every import of `from` files into `forbidden` files. */
function crossings(graph: Graph, from: string, forbidden: string[]): string[] {
  const out: string[] = [];
  for (const [file, to] of graph.edges) {
    if (!file.startsWith(from)) continue;
    for (const t of to) if (forbidden.some((f) => t.startsWith(f))) out.push(`${file} -> ${t}`);
  }
  return out;
}

describe('the parts the architecture check is built from', () => {
  it('reads static, type-only, re-exported and dynamic imports, and not imports in comments or strings', () => {
    const text = [
      "import { a } from './a.js';",
      "import type {\n  B,\n  C,\n} from '../b.js';",
      "export { d } from './d/index.js';",
      "export * from 'pkg';",
      "import './side-effect.js';",
      "const m = await import('./lazy.js');",
      "// import { x } from './commented.js';",
      "/** import { y } from './doc.js'; */",
      'const s = "import { z } from \'./string.js\'";',
    ].join('\n');
    expect(importSpecifiers(text)).toEqual([
      './a.js',
      '../b.js',
      './d/index.js',
      'pkg',
      './side-effect.js',
      './lazy.js',
    ]);
  });

  it('finds every circle, a self-import included, and nothing in a tree', () => {
    const g = (o: Record<string, string[]>) => new Map(Object.entries(o));
    expect(findCircles(g({ a: ['b'], b: ['c'], c: [] }))).toEqual([]);
    expect(findCircles(g({ a: ['b'], b: ['c'], c: ['a'], d: ['a', 'e'], e: ['d'] }))).toEqual([
      ['a', 'b', 'c'],
      ['d', 'e'],
    ]);
    expect(findCircles(g({ a: ['a'] }))).toEqual([['a']]);
  });
  it('names each engine import of an adapter and passes the imports that go down', () => {
    const graph: Graph = {
      edges: new Map([
        ['src/engines/a.ts', ['src/core/errors.ts', 'src/registry/tool.ts']],
        ['tools/t.ts', ['src/engines/a.ts']],
      ]),
      packages: new Map(),
      unresolved: [],
    };
    expect(crossings(graph, 'src/engines/', ADAPTERS)).toEqual(['src/engines/a.ts -> src/registry/tool.ts']);
  });
});

describe('the import graph of the house', () => {
  const graph = readGraph();

  it('is read whole: every relative import names a file, and the known spine is there', () => {
    expect(graph.unresolved).toEqual([]);
    expect(graph.edges.size).toBeGreaterThan(200);
    // a few imports that must be seen, or the reader is broken
    expect(graph.edges.get('src/engines/engines.ts')).toContain('src/engines/storage/index.ts');
    // the CLI loads the tools when a command needs them: a dynamic import, read as an edge
    expect(graph.edges.get('src/cli/lazy.ts')).toContain('tools/index.ts');
    expect(graph.edges.get('src/engines/storage/index.ts')).toContain('src/engines/storage/duckdb/index.ts');
    expect(graph.edges.get('src/engines/storage/index.ts')).toContain('src/engines/storage/postgres/index.ts');
  });

  it('has no circle', () => {
    expect(findCircles(graph.edges).map((c) => c.join(' <-> '))).toEqual([]);
  });

  it('has no engine importing an adapter or a registry', () => {
    expect(crossings(graph, 'src/engines/', ADAPTERS)).toEqual([]);
  });

  it('has no engine importing the MCP SDK or Hono', () => {
    const found: string[] = [];
    for (const [file, pkgs] of graph.packages)
      if (file.startsWith('src/engines/'))
        for (const p of pkgs) if (ADAPTER_PACKAGES.test(p)) found.push(`${file} -> ${p}`);
    expect(found).toEqual([]);
  });

  it('keeps src/core at the bottom: it imports no engine, adapter or registry', () => {
    expect(crossings(graph, 'src/core/', ['src/engines/', ...ADAPTERS])).toEqual([]);
  });
});
