/**
 * When to fit which generator, derived from the catalogue entries, for the
 * descriptions of the model tools (fit_model, synthesize_like,
 * generate_from_model) so they never disagree with it. It reads definitions,
 * not descriptions, so a tool module pays nothing for JSON Schemas at import.
 */
import type { GeneratorDefinition } from './generator.js';

type Entry = Pick<GeneratorDefinition, 'name' | 'aliases' | 'description' | 'capabilities' | 'learner' | 'fitGuide'>;

const fittable = (entries: readonly Entry[]) =>
  entries.filter((g) => g.learner !== undefined && g.capabilities.fit !== false);

/** The fittable generators' names and aliases, quoted, for a parameter description. */
export function generatorNames(entries: readonly Entry[]): string {
  return fittable(entries)
    .flatMap((g) => [g.name, ...(g.aliases ?? [])])
    .map((n) => `"${n}"`)
    .join(', ');
}

/** One sentence per fittable generator, for a tool description. */
export function generatorGuide(entries: readonly Entry[]): string {
  const lines = fittable(entries).map((g) => {
    const aliases = g.aliases?.length ? ` (alias ${g.aliases.map((a) => `"${a}"`).join(', ')})` : '';
    return `"${g.name}"${aliases} — ${g.fitGuide ?? g.description}`;
  });
  return `Generators: ${lines.join(' ')}`;
}
