import { pathToFileURL } from 'node:url';
import { isAbsolute, resolve } from 'node:path';
import { z } from 'zod';
import { TsiotError } from '../../core/errors.js';
import type { Generator, GeneratorDefinition, GeneratorDescription } from './generator.js';

interface Entry {
  definition: GeneratorDefinition<any>;
  source: string;
}

/**
 * The generator factory: register definitions, list and describe them, create
 * configured instances, and load plugins at run time from a module path or a
 * package name (the module exports a GeneratorDefinition as `default` or
 * `generator`, or an array of them as `generators`).
 */
export class GeneratorFactory {
  private readonly entries = new Map<string, Entry>();
  private readonly aliases = new Map<string, string>();
  private readonly config: Record<string, Record<string, unknown>>;

  /** @param config per-generator configuration, keyed by generator name */
  constructor(config: Record<string, Record<string, unknown>> = {}) {
    this.config = config;
  }

  register(definition: GeneratorDefinition<any>, source = 'built-in'): void {
    assertDefinition(definition, source);
    const names = [definition.name, ...(definition.aliases ?? [])];
    for (const n of names) {
      if (this.entries.has(n) || this.aliases.has(n)) {
        throw new TsiotError('conflict', `A generator named "${n}" is already registered`, {
          details: { name: n, source },
        });
      }
    }
    this.entries.set(definition.name, { definition, source });
    for (const a of definition.aliases ?? []) this.aliases.set(a, definition.name);
  }

  has(name: string): boolean {
    return this.entries.has(this.canonical(name));
  }

  /** The canonical name for a name or alias. */
  canonical(name: string): string {
    return this.aliases.get(name) ?? name;
  }

  list(): GeneratorDescription[] {
    return [...this.entries.keys()].sort().map((n) => this.describe(n));
  }

  describe(name: string): GeneratorDescription {
    const { definition: d, source } = this.entry(name);
    return {
      name: d.name,
      aliases: d.aliases ?? [],
      title: d.title,
      description: d.description,
      capabilities: d.capabilities,
      paramsSchema: z.toJSONSchema(d.paramsSchema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>,
      example: d.example,
      source,
    };
  }

  definition(name: string): GeneratorDefinition<any> {
    return this.entry(name).definition;
  }

  create(name: string, config?: Record<string, unknown>): Generator<any> {
    const { definition } = this.entry(name);
    return definition.create({ ...(this.config[definition.name] ?? {}), ...(config ?? {}) });
  }

  /** Load generator definitions from a module path (absolute, or relative to baseDir) or a package name. */
  async loadPlugin(spec: string, baseDir = process.cwd()): Promise<string[]> {
    const target = spec.startsWith('.') || isAbsolute(spec) ? pathToFileURL(resolve(baseDir, spec)).href : spec;
    let mod: Record<string, unknown>;
    try {
      mod = (await import(target)) as Record<string, unknown>;
    } catch (cause) {
      throw new TsiotError('invalid_input', `Could not load generator plugin "${spec}": ${(cause as Error).message}`, {
        details: { plugin: spec },
        hint: 'Give a path to an ES module (absolute, or relative to the working directory) or an installed package name.',
        cause,
      });
    }
    const found: unknown[] = [];
    if (Array.isArray(mod.generators)) found.push(...mod.generators);
    if (mod.generator) found.push(mod.generator);
    if (mod.default && !found.includes(mod.default)) found.push(mod.default);
    if (found.length === 0) {
      throw new TsiotError('invalid_input', `Plugin "${spec}" exports no generator`, {
        details: { plugin: spec },
        hint: 'Export a generator definition as `default` or `generator`, or an array as `generators`.',
      });
    }
    const names: string[] = [];
    for (const def of found) {
      this.register(def as GeneratorDefinition<any>, `plugin:${spec}`);
      names.push((def as GeneratorDefinition).name);
    }
    return names;
  }

  private entry(name: string): Entry {
    const e = this.entries.get(this.canonical(name));
    if (!e) {
      throw new TsiotError('not_found', `Unknown generator "${name}"`, {
        details: { name, available: [...this.entries.keys()].sort() },
        hint: `Use one of: ${[...this.entries.keys(), ...this.aliases.keys()].sort().join(', ')}`,
      });
    }
    return e;
  }
}

function assertDefinition(d: GeneratorDefinition<any>, source: string): void {
  const problems: string[] = [];
  if (!d || typeof d !== 'object') problems.push('not an object');
  else {
    if (typeof d.name !== 'string' || !/^[a-z][a-z0-9_-]*$/.test(d.name))
      problems.push('name must match /^[a-z][a-z0-9_-]*$/');
    if (typeof d.create !== 'function') problems.push('create(config) must be a function');
    if (!d.paramsSchema || typeof (d.paramsSchema as { safeParse?: unknown }).safeParse !== 'function')
      problems.push('paramsSchema must be a zod schema');
    if (typeof d.description !== 'string') problems.push('description must be a string');
  }
  if (problems.length) {
    throw new TsiotError('invalid_input', `Invalid generator definition from ${source}: ${problems.join('; ')}`, {
      details: { source, problems },
    });
  }
}
