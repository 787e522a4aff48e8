import type { ResourceDefinition } from '../src/registry/resource.js';
import { generatorCatalogue } from './generator-catalogue.js';
import { seriesResource } from './series.js';
import { jobsResource } from './jobs.js';
import { reportsResource } from './reports.js';
import { modelsResource } from './models.js';
import { toolsResource } from './tools.js';

/** Every resource tsiot offers over MCP. */
export const resources: ResourceDefinition[] = [
  generatorCatalogue,
  seriesResource,
  jobsResource,
  reportsResource,
  modelsResource,
  toolsResource,
];
