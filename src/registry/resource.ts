import type { Engines } from '../engines/engines.js';
import type { Completer } from './completion.js';

export interface ResourceContent {
  uri: string;
  mimeType: string;
  text: string;
}

export interface ResourceListing {
  uri: string;
  name: string;
  title?: string;
  description?: string;
  mimeType?: string;
}

/** A resource at a fixed URI, e.g. tsiot://generators. */
export interface StaticResourceDefinition {
  kind: 'static';
  name: string;
  uri: string;
  title: string;
  description: string;
  mimeType: string;
  read(engines: Engines): Promise<ResourceContent[]>;
}

/** A family of resources under a URI template, e.g. tsiot://series/{id}, listable and readable. */
export interface TemplateResourceDefinition {
  kind: 'template';
  name: string;
  uriTemplate: string;
  title: string;
  description: string;
  mimeType: string;
  list(engines: Engines): Promise<ResourceListing[]>;
  read(uri: URL, variables: Record<string, string | string[]>, engines: Engines): Promise<ResourceContent[]>;
  /** Completion (MCP completion/complete) of the template's variables, by variable name. */
  complete?: Record<string, Completer>;
}

export type ResourceDefinition = StaticResourceDefinition | TemplateResourceDefinition;
