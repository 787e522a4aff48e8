import type { StaticResourceDefinition } from '../src/registry/resource.js';

export const generatorCatalogue: StaticResourceDefinition = {
  kind: 'static',
  name: 'generators',
  uri: 'tsiot://generators',
  title: 'Generator catalogue',
  description:
    'Every generator, fitted or not (built-in and plugins): description, capabilities, the JSON Schema of its parameters and of its fit options, with examples.',
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
