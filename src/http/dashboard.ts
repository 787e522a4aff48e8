import { readFileSync } from 'node:fs';
import type { Hono } from 'hono';

const TYPES: Record<string, string> = {
  'index.html': 'text/html; charset=utf-8',
  'app.js': 'text/javascript; charset=utf-8',
  'style.css': 'text/css; charset=utf-8',
};

/**
 * The dashboard's content security policy (the API's is `default-src 'none'`):
 * everything from this server, no inline script, images from the blob: URLs
 * the page makes. Set by the app's security-header middleware, which runs
 * after every handler and would overwrite a header set here.
 */
export const DASHBOARD_CSP = {
  defaultSrc: ["'self'"],
  imgSrc: ["'self'", 'blob:', 'data:'],
  styleSrc: ["'self'"],
  scriptSrc: ["'self'"],
  connectSrc: ["'self'"],
  frameAncestors: ["'none'"],
  baseUri: ["'none'"],
  formAction: ["'self'"],
};

/** The paths the dashboard serves. */
export function isDashboardPath(path: string): boolean {
  return path === '/' || (path.startsWith('/dashboard/') && Object.hasOwn(TYPES, path.slice('/dashboard/'.length)));
}

/**
 * The web dashboard: `/` and `/dashboard/<file>`, plain HTML and modules over
 * the REST API. The files sit beside the code (dashboard/ in the repository,
 * dist/dashboard in the package) and are read once, on first request.
 */
export function mountDashboard(app: Hono): void {
  const cache = new Map<string, string>();
  const file = (name: string): string => {
    let text = cache.get(name);
    if (text === undefined) {
      text = readFileSync(new URL(`../../dashboard/${name}`, import.meta.url), 'utf8');
      cache.set(name, text);
    }
    return text;
  };
  const serve = (name: string) =>
    new Response(file(name), {
      headers: {
        'content-type': TYPES[name]!,
        'cache-control': 'no-cache',
      },
    });
  app.get('/', () => serve('index.html'));
  for (const name of Object.keys(TYPES)) app.get(`/dashboard/${name}`, () => serve(name));
}
