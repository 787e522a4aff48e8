/**
 * The MCP surface as a model sees it: a tools/list small enough for an
 * agent's context, nothing hidden (every field listed, the rest one resource
 * away), every result's JSON as text, trimmed with pointers when long, and
 * instructions and prompts naming the main workflows.
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fullJsonSchema } from '../../src/mcp/listing.js';
import { RESULT_TEXT_LIMIT, resultText } from '../../src/mcp/result-text.js';
import { createMcpServer } from '../../src/mcp/server.js';
import { fullDescription } from '../../src/registry/tool.js';
import { prompts } from '../../prompts/index.js';
import { resources } from '../../resources/index.js';
import { tools } from '../../tools/index.js';
import { makeEngines } from '../helpers/engines.js';

/** The bound issue 16 sets for the whole tools/list answer. */
const TOOLS_LIST_LIMIT = 40_000;

type Text = { type: string; text?: string };

describe('the MCP surface for agents', () => {
  let client: Client;
  let close: () => Promise<void>;
  beforeAll(async () => {
    const engines = await makeEngines();
    const server = createMcpServer(engines, { tools, resources, prompts });
    const [a, b] = InMemoryTransport.createLinkedPair();
    await server.connect(b);
    client = new Client({ name: 'listing-test', version: '0.0.0' });
    await client.connect(a);
    close = async () => {
      await client.close();
      await server.close();
      await engines.close();
    };
  });
  afterAll(async () => close?.());

  it(`keeps tools/list under ${TOOLS_LIST_LIMIT} bytes, every tool with a short description and one example`, async () => {
    const listed = await client.listTools();
    const bytes = Buffer.byteLength(JSON.stringify(listed));
    expect(bytes, `tools/list is ${bytes} bytes`).toBeLessThan(TOOLS_LIST_LIMIT);
    expect(listed.tools.map((t) => t.name).sort()).toEqual(tools.map((t) => t.name).sort());
    for (const t of listed.tools) {
      expect(t.description!.length, `${t.name} description`).toBeLessThanOrEqual(420);
      const example = /Example: (\{.*\})$/.exec(t.description!);
      expect(example, `${t.name} ends with one example`).not.toBeNull();
      // the example is a call the server accepts: it parses against the tool's own schema
      const def = tools.find((d) => d.name === t.name)!;
      expect(def.inputSchema.safeParse(JSON.parse(example![1]!)).success, `${t.name} example is valid input`).toBe(
        true,
      );
    }
  });

  it('lists every input field of every tool and refuses unknown ones, with the whole schema one read away', async () => {
    const { tools: listed } = await client.listTools();
    for (const def of tools) {
      const t = listed.find((x) => x.name === def.name)!;
      const full = fullJsonSchema(def.inputSchema.strict(), 'input');
      expect(Object.keys(t.inputSchema.properties ?? {}).sort(), def.name).toEqual(
        Object.keys((full.properties ?? {}) as object).sort(),
      );
      expect(t.inputSchema.required ?? [], def.name).toEqual(full.required ?? []);
      expect((t.inputSchema as { additionalProperties?: unknown }).additionalProperties).toBe(false);
      const doc = await client.readResource({ uri: `tsiot://tools/${def.name}` });
      const body = JSON.parse((doc.contents[0] as { text: string }).text);
      expect(body.description).toBe(fullDescription(def));
      expect(body.description.startsWith(t.description!)).toBe(true);
      expect(body.inputSchema).toEqual(full);
      expect(body.outputSchema).toEqual(fullJsonSchema(def.outputSchema, 'output'));
    }
    const missing = await client.readResource({ uri: 'tsiot://tools/no_such_tool' }).catch((e: Error) => e);
    expect(String(missing)).toMatch(/no tool named "no_such_tool"/);
  });

  it('repeats every result as JSON text, whole when short', async () => {
    const r = (await client.callTool({ name: 'delete_series', arguments: { id: 'ser_none' } })) as {
      content: Text[];
      structuredContent: unknown;
    };
    expect(r.content[0]!.type).toBe('text');
    expect(r.content[1]!.type).toBe('text');
    expect(JSON.parse(r.content[1]!.text!)).toEqual(r.structuredContent);
    expect(r.structuredContent).toEqual({ id: 'ser_none', deleted: false });
  });

  it('trims a long result to the limit, marking what was cut and naming the resource with the rest', async () => {
    const gen = (await client.callTool({
      name: 'generate_timeseries',
      arguments: { duration: '2d', interval: '1m', sensors: [{ type: 'temperature' }, { type: 'humidity' }], seed: 3 },
    })) as unknown as { structuredContent: { series: { id: string }[] } };
    const id = gen.structuredContent.series[0]!.id;
    const r = (await client.callTool({ name: 'get_series', arguments: { id, limit: 2000 } })) as {
      content: Text[];
      structuredContent: { values: Record<string, unknown[]> };
    };
    expect(r.structuredContent.values.temperature).toHaveLength(2000);
    const text = r.content[1]!.text!;
    expect(Buffer.byteLength(text)).toBeLessThanOrEqual(RESULT_TEXT_LIMIT);
    expect(text).toContain(`tsiot://series/${id}`);
    expect(text).toMatch(/trimmed: \d+ of \d+ bytes shown/);
    const shown = JSON.parse(text.slice(0, text.indexOf('\n(trimmed')));
    expect(shown.id).toBe(id);
    expect(shown.values.temperature.at(-1)).toMatch(/^… \d+ more$/);
  });

  it('pages list_series with a cursor bound to its filters, and resources/list with a cursor', async () => {
    await client.callTool({
      name: 'generate_timeseries',
      arguments: { devices: 130, points: 3, name: 'paged', tags: { paging: 'yes' }, seed: 5 },
    });
    const seen: string[] = [];
    let cursor: string | undefined;
    for (let pages = 0; pages < 20; pages++) {
      const r = (await client.callTool({
        name: 'list_series',
        arguments: { tags: { paging: 'yes' }, limit: 50, ...(cursor ? { cursor } : {}) },
      })) as unknown as { structuredContent: { items: { id: string }[]; nextCursor: string | null; total: number } };
      seen.push(...r.structuredContent.items.map((i) => i.id));
      if (!r.structuredContent.nextCursor) break;
      cursor = r.structuredContent.nextCursor;
    }
    expect(seen).toHaveLength(130);
    expect(new Set(seen).size).toBe(130);
    const wrong = (await client.callTool({
      name: 'list_series',
      arguments: { tags: { paging: 'other' }, cursor },
    })) as { isError?: boolean; content: Text[] };
    expect(wrong.isError).toBe(true);
    expect(wrong.content[0]!.text).toMatch(/^cursor: it belongs to a different query/);

    const uris: string[] = [];
    let next: string | undefined;
    let pages = 0;
    do {
      const page = await client.listResources(next ? { cursor: next } : {});
      expect(page.resources.length).toBeLessThanOrEqual(100);
      uris.push(...page.resources.map((r) => r.uri));
      next = page.nextCursor;
      pages++;
    } while (next && pages < 20);
    expect(pages).toBeGreaterThan(1);
    expect(new Set(uris).size).toBe(uris.length);
    for (const id of seen) expect(uris).toContain(`tsiot://series/${id}`);
    expect(uris).toContain('tsiot://generators');
    expect(uris).toContain('tsiot://tools/generate_timeseries');
    await expect(client.listResources({ cursor: 'not-a-cursor' })).rejects.toThrow(/cursor: not a cursor/);
  });

  it('names the main workflows in the instructions, each with a prompt', async () => {
    const instructions = client.getInstructions() ?? '';
    for (const tool of ['generate_timeseries', 'synthesize_like', 'fit_model', 'tsiot://tools/{name}'])
      expect(instructions).toContain(tool);
    const { prompts: listed } = await client.listPrompts();
    const names = listed.map((p) => p.name);
    for (const p of ['design_sensor_fleet', 'synthesize_like_real_data', 'fit_and_sample_model']) {
      expect(names).toContain(p);
      expect(instructions).toContain(p);
    }
    const got = await client.getPrompt({ name: 'synthesize_like_real_data', arguments: { seriesId: 'ser_x' } });
    expect((got.messages[0]!.content as { text: string }).text).toContain('"data": {"seriesId":"ser_x"}');
    const fit = await client.getPrompt({ name: 'fit_and_sample_model', arguments: { seriesId: 'ser_x' } });
    expect((fit.messages[0]!.content as { text: string }).text).toContain('fit_model');
  });
});

describe('resultText', () => {
  it('keeps a short result whole and never splits a character when cutting', () => {
    expect(resultText({ a: [1, 2], b: 'x' })).toBe('{"a":[1,2],"b":"x"}');
    const long = { id: 'mdl_abc', notes: Array.from({ length: 400 }, (_, i) => `°${i}`.repeat(30)) };
    const text = resultText(long, 2_000);
    expect(Buffer.byteLength(text)).toBeLessThanOrEqual(2_000);
    expect(text).not.toContain('\uFFFD');
    expect(text).toContain('tsiot://models/mdl_abc');
  });
});
