import { pathToFileURL } from 'node:url';
import { isAbsolute, resolve } from 'node:path';
import { z } from 'zod';
import { TsiotError } from '../../core/errors.js';
import type { Generator, GeneratorCapabilities, GeneratorDefinition, GeneratorDescription } from './generator.js';
import type { LearnedGenerator } from './learner.js';

interface Entry {
  definition: GeneratorDefinition;
  capabilities: GeneratorCapabilities;
  source: string;
}

const NAME = /^[a-z][a-z0-9_-]*$/;

/**
 * The generator catalogue: every generator, fitted or not, under one
 * contract. It registers definitions, lists and describes them (for
 * list_generators, describe_generator, `tsiot generators` and the model tools'
 * descriptions), creates configured generators, hands the model registry its
 * learners, and loads plugins at run time from a module path or a package
 * name (the module exports a definition as `default` or `generator`, or an
 * array of them as `generators`; a definition may carry a learner).
 */
export class GeneratorFactory {
  private readonly entries = new Map<string, Entry>();
  private readonly aliases = new Map<string, string>();
  private readonly config: Record<string, Record<string, unknown>>;

  /** @param config per-generator configuration, keyed by generator name */
  constructor(config: Record<string, Record<string, unknown>> = {}) {
    this.config = config;
  }

  register(definition: GeneratorDefinition, source = 'built-in'): void {
    const capabilities = checkDefinition(definition, source);
    const names = [definition.name, ...(definition.aliases ?? [])];
    for (const n of names) {
      if (this.entries.has(n) || this.aliases.has(n)) {
        throw new TsiotError('conflict', `A generator named "${n}" is already registered`, {
          details: { name: n, source },
        });
      }
    }
    this.entries.set(definition.name, { definition, capabilities, source });
    for (const a of definition.aliases ?? []) this.aliases.set(a, definition.name);
  }

  has(name: string): boolean {
    return this.entries.has(this.canonical(name));
  }

  /** The canonical name for a name or alias. */
  canonical(name: string): string {
    return this.aliases.get(name) ?? name;
  }

  /** Every entry, by name; `can` keeps those with that capability. */
  list(can?: keyof GeneratorCapabilities): GeneratorDescription[] {
    return [...this.entries.keys()]
      .sort()
      .map((n) => this.describe(n))
      .filter((d) => !can || d.capabilities[can] === true);
  }

  describe(name: string): GeneratorDescription {
    const { definition: d, capabilities, source } = this.entry(name);
    return {
      name: d.name,
      aliases: d.aliases ?? [],
      title: d.title,
      description: d.description,
      capabilities,
      paramsSchema: d.paramsSchema ? jsonSchema(d.paramsSchema) : null,
      example: d.example ?? null,
      fitOptionsSchema: d.learner ? jsonSchema(d.learner.fitOptionsSchema) : null,
      fitExample: d.fitExample ?? null,
      fitGuide: d.fitGuide ?? null,
      source,
    };
  }

  definition(name: string): GeneratorDefinition {
    return this.entry(name).definition;
  }

  /** A configured generator for direct generation; refused for entries that only sample fitted models. */
  create(name: string, config?: Record<string, unknown>): Generator<any> {
    const { definition } = this.entry(name);
    if (!definition.create) {
      throw new TsiotError(
        'invalid_input',
        `generator: "${name}" generates only from a fitted model; it has no parameters of its own`,
        {
          details: { field: 'generator', name, direct: this.list('generate').map((g) => g.name) },
          hint: `Fit one first with fit_model {"generator": "${name}", "data": {"seriesId": "ser_…"}}, then call generate_timeseries {"model": "mdl_…"}.`,
        },
      );
    }
    return definition.create({ ...(this.config[definition.name] ?? {}), ...(config ?? {}) });
  }

  /** Names and aliases that can be fitted on real data. */
  fittable(): string[] {
    const out: string[] = [];
    for (const d of this.list('fit')) out.push(d.name, ...d.aliases);
    return out.sort();
  }

  /** The learner of a fittable generator (by name or alias); invalid_input otherwise. */
  learner(name: string): LearnedGenerator<any, any> {
    const e = this.entries.get(this.canonical(name));
    const learner = e?.capabilities.fit ? e.definition.learner : undefined;
    if (!learner) {
      const names = this.fittable();
      throw new TsiotError(
        'invalid_input',
        `generator: "${name}" cannot be fitted; fittable generators are ${names.map((g) => `"${g}"`).join(', ')}`,
        { details: { field: 'generator', available: names } },
      );
    }
    return learner;
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
    // all checked before any is registered, so a bad plugin leaves the catalogue as it was
    const defs = found as GeneratorDefinition[];
    const taken = new Set([...this.entries.keys(), ...this.aliases.keys()]);
    for (const def of defs) {
      checkDefinition(def, `plugin:${spec}`);
      for (const n of [def.name, ...(def.aliases ?? [])]) {
        if (taken.has(n))
          throw new TsiotError('conflict', `A generator named "${n}" is already registered`, {
            details: { name: n, source: `plugin:${spec}` },
          });
        taken.add(n);
      }
    }
    const names: string[] = [];
    for (const def of defs) {
      this.register(def, `plugin:${spec}`);
      names.push(def.name);
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

function jsonSchema(schema: z.ZodType): Record<string, unknown> {
  return z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
}

const isSchema = (s: unknown) => !!s && typeof (s as { safeParse?: unknown }).safeParse === 'function';

/** Check a definition and return its full capabilities; throws invalid_input naming every problem. */
function checkDefinition(d: GeneratorDefinition, source: string): GeneratorCapabilities {
  const problems: string[] = [];
  if (!d || typeof d !== 'object') {
    problems.push('not an object');
  } else {
    if (typeof d.name !== 'string' || !NAME.test(d.name)) problems.push(`name must match ${NAME}`);
    for (const a of d.aliases ?? [])
      if (typeof a !== 'string' || !NAME.test(a)) problems.push(`alias ${JSON.stringify(a)} must match ${NAME}`);
    if (typeof d.title !== 'string' || !d.title) problems.push('title must be a non-empty string');
    if (typeof d.description !== 'string') problems.push('description must be a string');
    if (d.capabilities !== undefined && (typeof d.capabilities !== 'object' || d.capabilities === null))
      problems.push('capabilities must be an object of booleans');
    if (d.create === undefined && d.learner === undefined)
      problems.push('give create(config) with paramsSchema (direct generation), a learner (fit and sample), or both');
    if (d.create !== undefined) {
      if (typeof d.create !== 'function') problems.push('create(config) must be a function');
      if (!isSchema(d.paramsSchema)) problems.push('paramsSchema must be a zod schema');
      else if (d.example !== undefined && !d.paramsSchema!.safeParse(d.example).success)
        problems.push('example does not pass paramsSchema');
    }
    if (d.learner !== undefined) {
      const l = d.learner;
      if (!l || typeof l !== 'object') problems.push('learner must be an object');
      else {
        if (!isSchema(l.fitOptionsSchema)) problems.push('learner.fitOptionsSchema must be a zod schema');
        else if (d.fitExample !== undefined && !l.fitOptionsSchema.safeParse(d.fitExample).success)
          problems.push('fitExample does not pass learner.fitOptionsSchema');
        for (const f of ['fit', 'load', 'minimumRows'] as const)
          if (typeof l[f] !== 'function') problems.push(`learner.${f} must be a function`);
      }
    }
  }
  if (problems.length === 0) {
    const declared = d.capabilities ?? {};
    const caps: GeneratorCapabilities = {
      generate: declared.generate ?? d.create !== undefined,
      fit: declared.fit ?? d.learner !== undefined,
      sample: declared.sample ?? d.learner !== undefined,
      forecast: declared.forecast ?? false,
      attributes: declared.attributes ?? false,
      ...(declared.privacy !== undefined ? { privacy: declared.privacy } : {}),
      multivariate: declared.multivariate ?? false,
      fleets: declared.fleets ?? false,
      anomalyLabels: declared.anomalyLabels ?? false,
    };
    for (const [k, v] of Object.entries(caps))
      if (typeof v !== 'boolean') problems.push(`capabilities.${k} must be a boolean`);
    if (caps.generate && !d.create) problems.push('capabilities.generate is true but there is no create()');
    for (const k of ['fit', 'sample', 'forecast', 'attributes', 'privacy'] as const)
      if (caps[k] && !d.learner) problems.push(`capabilities.${k} is true but there is no learner`);
    if (problems.length === 0) return caps;
  }
  throw new TsiotError('invalid_input', `Invalid generator definition from ${source}: ${problems.join('; ')}`, {
    details: { source, problems },
  });
}
