/**
 * Strip credentials from a storage URL so it can be logged or shown: the
 * password, secret-named parameters, and the credentials of URLs nested in
 * parameters (?cache=redis://:pw@host).
 */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    for (const [k, v] of [...u.searchParams]) {
      if (/secret|password|token|key/i.test(k)) u.searchParams.set(k, '***');
      else if (/^[a-z][a-z0-9+.-]*:\/\//i.test(v)) u.searchParams.set(k, redactUrl(v));
    }
    return u.toString();
  } catch {
    return url.replace(/\/\/[^@/?&]*@/g, '//***@');
  }
}
