import { SCOPE_NAMES } from '../../registry/scopes.js';

/** Where the Protected Resource Metadata (RFC 9728) lives; path-aware for the MCP endpoint. */
export const METADATA_PATH = '/.well-known/oauth-protected-resource';

/** The resource a request's path belongs to: the MCP endpoint, or the REST API at the base URL. */
export function resourceOf(base: string, path: string): { resource: string; metadata: string } {
  const mcp = path === '/mcp' || path.startsWith('/mcp/') || path === `${METADATA_PATH}/mcp`;
  return mcp
    ? { resource: `${base}/mcp`, metadata: `${base}${METADATA_PATH}/mcp` }
    : { resource: base, metadata: `${base}${METADATA_PATH}` };
}

/** RFC 9728 metadata: the resource, the authorization servers that issue tokens for it, the scopes. */
export function protectedResourceMetadata(
  base: string,
  path: string,
  authorizationServers: readonly string[],
): Record<string, unknown> {
  return {
    resource: resourceOf(base, path).resource,
    authorization_servers: [...authorizationServers],
    scopes_supported: [...SCOPE_NAMES],
    bearer_methods_supported: ['header'],
    resource_name: 'tsiot',
    resource_documentation: `${base}/openapi.json`,
  };
}

/** A `WWW-Authenticate: Bearer …` challenge (RFC 6750 §3, RFC 9728 §5.1). */
export function challenge(
  base: string,
  path: string,
  options: { error?: string; description?: string; scope?: string } = {},
): string {
  const params: string[] = [];
  if (options.error) params.push(`error="${options.error}"`);
  if (options.description) params.push(`error_description="${quoted(options.description)}"`);
  if (options.scope) params.push(`scope="${quoted(options.scope)}"`);
  params.push(`resource_metadata="${resourceOf(base, path).metadata}"`);
  return `Bearer ${params.join(', ')}`;
}

/** A quoted-string value: no quotes or backslashes, printable ASCII only. */
function quoted(value: string): string {
  return value.replace(/[^\x20-\x7e]|["\\]/g, "'");
}
