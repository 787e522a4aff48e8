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

/** Which part of a resource family resources/list asks for. */
export interface ResourcePage {
  limit: number;
  offset: number;
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
  /** One page of the family, newest first where that has a meaning; an empty or short page ends it. */
  list(engines: Engines, page: ResourcePage): Promise<ResourceListing[]>;
  read(uri: URL, variables: Record<string, string | string[]>, engines: Engines): Promise<ResourceContent[]>;
  /** Completion (MCP completion/complete) of the template's variables, by variable name. */
  complete?: Record<string, Completer>;
}

export type ResourceDefinition = StaticResourceDefinition | TemplateResourceDefinition;
