import { z } from 'zod';
import { IDENTIFIER_KINDS, Pseudonymizer } from '../src/engines/privacy/pseudonym.js';
import { defineTool } from '../src/registry/tool.js';

const MAX_IDENTIFIERS = 100_000;

export const anonymizeIdentifiers = defineTool({
  name: 'anonymize_identifiers',
  title: 'Keyed pseudonyms for identifiers',
  description:
    'Replace device ids, serials, MACs and site names with keyed, stable pseudonyms (format-preserving for MACs and serials). Example: {"identifiers": {"device_id": ["pump-17"], "mac": ["00:1A:2B:3C:4D:5E"]}}',
  details: [
    'Replace device ids, serial numbers, MAC addresses and site names with keyed pseudonyms: the same value always maps to the same pseudonym under the server key (joins keep working), and pseudonyms under another key are unrelated.',
    'device_id and site: HMAC-SHA-256 ("dev_…", "site_…"); mac and serial: format-preserving FF1 encryption (a MAC stays a MAC with its separators; a serial keeps its shape) unless formatPreserving is false.',
    'The key is configured on the server (TSIOT_PSEUDONYM_KEY) and never returned or logged; without one the call is refused. Pseudonymisation is not anonymity: combine with check_k_anonymity or differential privacy.',
    'Example: {"identifiers": {"device_id": ["pump-17"], "mac": ["00:1A:2B:3C:4D:5E"]}}',
  ].join(' '),
  inputSchema: z
    .object({
      identifiers: z
        .partialRecord(z.enum(IDENTIFIER_KINDS), z.array(z.string().min(1).max(256)).max(MAX_IDENTIFIERS))
        .describe('Values to pseudonymise, by kind: device_id, serial, mac, site.'),
      formatPreserving: z
        .boolean()
        .default(true)
        .describe('FF1 for mac and serial (default); false: HMAC for every kind.'),
    })
    .strict(),
  outputSchema: z.object({
    pseudonyms: z
      .partialRecord(z.enum(IDENTIFIER_KINDS), z.array(z.string()))
      .describe('Per kind, the pseudonyms in the order of the input.'),
    method: z.record(z.string(), z.string()).describe('How each kind was pseudonymised.'),
  }),
  annotations: { readOnlyHint: true, idempotentHint: true, openWorldHint: false },
  example: { identifiers: { device_id: ['pump-17'], mac: ['00:1A:2B:3C:4D:5E'] } },
  routes: [{ method: 'POST', path: '/v1/privacy/pseudonyms' }],
  async handler(input, ctx) {
    const p = new Pseudonymizer(ctx.engines.privacy.pseudonymKey());
    const pseudonyms: Partial<Record<(typeof IDENTIFIER_KINDS)[number], string[]>> = {};
    const method: Record<string, string> = {};
    let total = 0;
    for (const kind of IDENTIFIER_KINDS) {
      const values = input.identifiers[kind];
      if (!values) continue;
      pseudonyms[kind] = values.map((v, i) => {
        try {
          return p.pseudonym(kind, v, input.formatPreserving);
        } catch (e) {
          // name the position, never echo a neighbour's value
          if (e instanceof Error)
            e.message = `identifiers.${kind}[${i}]: ${e.message.replace(/^identifiers\.\w+: /, '')}`;
          throw e;
        }
      });
      total += values.length;
      method[kind] =
        input.formatPreserving && (kind === 'mac' || kind === 'serial')
          ? 'FF1 (NIST SP 800-38G) over AES-256, key derived from the server key'
          : 'HMAC-SHA-256, key derived from the server key, 120 bits';
    }
    return {
      structured: { pseudonyms, method },
      summary: `${total} identifier(s) pseudonymised under the server key (${Object.keys(pseudonyms).join(', ') || 'none given'}).`,
    };
  },
});
