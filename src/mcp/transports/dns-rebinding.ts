/**
 * DNS rebinding protection shared by every network endpoint (Streamable HTTP
 * at /mcp, WebSocket at /ws, the REST API). A page on a hostile site whose DNS
 * name was rebound to 127.0.0.1 sends that name in Host and its own origin in
 * Origin, so both headers are checked:
 *
 * - Host must name a loopback host (localhost, 127.0.0.1, [::1]) or one of the
 *   configured hosts. An entry with a port ("example.com:8443") must match
 *   exactly; an entry without one matches any port.
 * - Origin, when present, must be a loopback origin, one of the configured
 *   origins, or the origin of the (already validated) Host. A request with no
 *   Origin comes from a non-browser client and is allowed.
 */

const LOOPBACK_HOSTNAMES: ReadonlySet<string> = new Set(['localhost', '127.0.0.1', '[::1]']);

export interface DnsRebindingOptions {
  /** Extra Origins (scheme://host[:port]) allowed besides loopback ones. */
  allowedOrigins?: readonly string[];
  /** Extra Host values (hostname or hostname:port) allowed besides loopback ones. */
  allowedHosts?: readonly string[];
}

/** Decides whether a request's Host and Origin headers may reach an endpoint. */
export interface DnsRebindingGuard {
  /** Undefined when allowed; otherwise a reason that is safe to show the caller. */
  check(headers: { host?: string | null; origin?: string | null }): string | undefined;
}

export function createDnsRebindingGuard(options: DnsRebindingOptions = {}): DnsRebindingGuard {
  const hostnames = new Set<string>();
  const hostsWithPort = new Set<string>();
  for (const entry of options.allowedHosts ?? []) {
    const parsed = parseHost(entry.trim());
    if (!parsed)
      throw new Error(
        `allowedHosts: "${entry}" is not a host name (expected e.g. "example.com" or "example.com:8443")`,
      );
    if (parsed.port) hostsWithPort.add(parsed.host);
    else hostnames.add(parsed.hostname);
  }
  const origins = new Set<string>();
  for (const entry of options.allowedOrigins ?? []) {
    const origin = parseOrigin(entry.trim());
    if (!origin)
      throw new Error(`allowedOrigins: "${entry}" is not an origin (expected e.g. "https://app.example.com")`);
    origins.add(origin.origin);
  }

  const decide = (host: string, origin: string | null | undefined): string | undefined => {
    const parsedHost = parseHost(host);
    if (!parsedHost) return 'Invalid Host header';
    const hostAllowed =
      LOOPBACK_HOSTNAMES.has(parsedHost.hostname) ||
      hostnames.has(parsedHost.hostname) ||
      hostsWithPort.has(parsedHost.host);
    if (!hostAllowed) return `Host "${parsedHost.host}" is not allowed`;

    if (origin === undefined || origin === null || origin === '') return undefined;
    const parsedOrigin = parseOrigin(origin);
    if (!parsedOrigin) return 'Origin header is not a valid origin';
    if (LOOPBACK_HOSTNAMES.has(parsedOrigin.hostname)) return undefined;
    if (origins.has(parsedOrigin.origin)) return undefined;
    if (parsedOrigin.host === parsedHost.host) return undefined;
    return `Origin "${parsedOrigin.origin}" is not allowed`;
  };

  // a decision depends on the two header values alone, and a server sees few distinct ones: each pair is
  // parsed once ('' = allowed); past MEMO_SIZE pairs the table starts over, so hostile values cannot grow it
  let memo = new Map<string, Map<string, string>>();
  let size = 0;
  return {
    check({ host, origin }) {
      if (!host) return 'Missing Host header';
      const o = origin ?? '';
      if (host.length + o.length > MEMO_KEY_CHARS) return decide(host, o);
      let byOrigin = memo.get(host);
      let decision = byOrigin?.get(o);
      if (decision === undefined) {
        decision = decide(host, o) ?? '';
        if (++size > MEMO_SIZE) {
          memo = new Map();
          size = 1;
          byOrigin = undefined;
        }
        if (!byOrigin) {
          byOrigin = new Map();
          memo.set(host, byOrigin);
        }
        byOrigin.set(o, decision);
      }
      return decision || undefined;
    },
  };
}

/** Distinct (Host, Origin) pairs whose decisions are kept, and the longest pair kept (longer ones are decided each time). */
const MEMO_SIZE = 1024;
const MEMO_KEY_CHARS = 512;

interface ParsedHost {
  /** Lower-case hostname; IPv6 in brackets. */
  hostname: string;
  /** hostname[:port] as sent, normalized. */
  host: string;
  port: string;
}

function parseHost(value: string): ParsedHost | undefined {
  if (!value || /[/?#@\s\\]/.test(value)) return undefined;
  try {
    const url = new URL(`http://${value}`);
    return { hostname: url.hostname, host: url.host, port: url.port };
  } catch {
    return undefined;
  }
}

function parseOrigin(value: string): { origin: string; hostname: string; host: string } | undefined {
  try {
    const url = new URL(value);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return undefined;
    return { origin: url.origin, hostname: url.hostname, host: url.host };
  } catch {
    return undefined;
  }
}
