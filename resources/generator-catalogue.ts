import type { StaticResourceDefinition } from '../src/registry/resource.js';

export const generatorCatalogue: StaticResourceDefinition = {
  kind: 'static',
  name: 'generators',
  uri: 'tsiot://generators',
  title: 'Generator catalogue',
  description: 'Every registered generator with its description, capabilities, parameter JSON Schema and an example.',
  mimeType: 'application/json',
  async read(engines) {
    return [
      {
        uri: 'tsiot://generators',
        mimeType: 'application/json',
        text: JSON.stringify({ generators: engines.generators.list() }, null, 2),
      },
    ];
  },
};
