import { readFileSync } from 'node:fs';
import type { Hono } from 'hono';

const TYPES: Record<string, string> = {
  'index.html': 'text/html; charset=utf-8',
  'app.js': 'text/javascript; charset=utf-8',
  'style.css': 'text/css; charset=utf-8',
};

// Everything from this server, no inline script, images from blob: URLs the page makes.
const CSP =
  "default-src 'self'; img-src 'self' blob: data:; style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

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
        'content-security-policy': CSP,
        'x-content-type-options': 'nosniff',
        'cache-control': 'no-cache',
      },
    });
  app.get('/', () => serve('index.html'));
  for (const name of Object.keys(TYPES)) app.get(`/dashboard/${name}`, () => serve(name));
}
