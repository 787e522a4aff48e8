/**
 * The workflow as commands: `tsiot fit`, `tsiot synthesize`, `tsiot validate`
 * and `tsiot jobs …`, each a thin layer over the same tools MCP clients and
 * the REST API call. Data is a CSV file (read by the server's CSV reader, with
 * the flags below for what it cannot detect) or a stored series id; results
 * go to stdout (JSON, or the copy itself), summaries and progress to stderr.
 */
import { once } from 'node:events';
import { createWriteStream, existsSync } from 'node:fs';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { type Command, Option } from 'commander';
import { TsiotError } from '../core/errors.js';
import type { TimeSeries } from '../core/types.js';
import type { Engines } from '../engines/engines.js';
import type { ExportFormat } from '../engines/export/index.js';
import { type GlobalOptions, parseSeed, toolContext, withEngines } from './context.js';
import { parseIntFlag, parseNumberFlag } from './options.js';
import { loadExport, loadTools, runTool } from './lazy.js';
import { createProgressBar } from './progress-bar.js';

/** Flags of the CSV reader, shared by every command that reads data. */
function csvFlags(cmd: Command): Command {
  return cmd
    .option('--delimiter <c>', 'CSV field delimiter: "," ";" "|" or "tab" (default: detected)')
    .addOption(new Option('--decimal <c>', 'decimal separator (default: detected)').choices(['.', ',']))
    .option('--time-column <name>', 'the time column (default: one named time/timestamp/date…, else the first)')
    .option('--date-column <name>', 'a date column whose time of day is in --clock-column (e.g. "Date")')
    .option('--clock-column <name>', 'the time-of-day column that goes with --date-column (e.g. "Time")')
    .option('--time-format <layout>', 'strftime layout of the stamps, e.g. "%d/%m/%Y %H:%M"')
    .option('--time-zone <zone>', 'IANA zone of stamps that name none (default UTC, never the local zone)')
    .option('--missing <markers>', 'more missing-value markers, comma-separated, e.g. "-200,n/a"')
    .option('--read-columns <names>', 'read only these columns of the CSV (besides the time), comma-separated');
}

interface CsvFlagValues {
  delimiter?: string;
  decimal?: string;
  timeColumn?: string;
  dateColumn?: string;
  clockColumn?: string;
  timeFormat?: string;
  timeZone?: string;
  missing?: string;
  readColumns?: string;
}

function csvOptions(o: CsvFlagValues): Record<string, unknown> {
  return {
    ...(o.delimiter ? { delimiter: o.delimiter === 'tab' ? '\t' : o.delimiter } : {}),
    ...(o.decimal ? { decimal: o.decimal } : {}),
    ...(o.timeColumn ? { timestampColumn: o.timeColumn } : {}),
    ...(o.dateColumn ? { dateColumn: o.dateColumn } : {}),
    ...(o.clockColumn ? { timeColumn: o.clockColumn } : {}),
    ...(o.timeFormat ? { timeFormat: o.timeFormat } : {}),
    ...(o.timeZone ? { timeZone: o.timeZone } : {}),
    ...(o.missing
      ? {
          missing: o.missing.split(',').map((m) => {
            const t = m.trim();
            return /^[+-]?(\d+\.?\d*|\.\d+)$/.test(t) ? Number(t) : t;
          }),
        }
      : {}),
    ...(o.readColumns ? { columns: list(o.readColumns) } : {}),
  };
}

const list = (v: string) =>
  v
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

/** A data argument: a CSV file (its absolute path, with the CSV flags) or a stored series id. */
function dataArg(arg: string, flags: CsvFlagValues, field = 'data'): Record<string, unknown> {
  if (existsSync(arg)) return { csvPath: resolve(arg), ...csvOptions(flags) };
  if (/^ser_/.test(arg)) {
    const misplaced = Object.keys(csvOptions(flags));
    if (misplaced.length)
      throw new TsiotError(
        'invalid_input',
        `${field}: the CSV flags apply to CSV files, not to the stored series "${arg}"`,
        {
          details: { field, flags: misplaced },
        },
      );
    return { seriesId: arg };
  }
  throw new TsiotError(
    'invalid_input',
    `${field}: "${arg}" is neither a readable file nor a stored series id (ser_…)`,
    {
      details: { field, example: 'tsiot synthesize data/plant.csv' },
    },
  );
}

/** A JSON value from the flag itself or from the file it names. */
async function jsonFlag(value: string | undefined, flag: string): Promise<unknown> {
  if (value === undefined) return undefined;
  const text = existsSync(value) ? await readFile(value, 'utf8') : value;
  try {
    return JSON.parse(text);
  } catch {
    throw new TsiotError('invalid_input', `--${flag}: neither a JSON value nor a file holding one`, {
      details: { field: flag, example: `--${flag} '{"window": 24}'` },
    });
  }
}

async function callTool(engines: Engines, logger: Parameters<typeof toolContext>[1], name: string, input: unknown) {
  const tool = (await loadTools()).find((t) => t.name === name)!;
  const bar = createProgressBar(name.replace(/_/g, ' '));
  try {
    return await runTool(
      tool,
      input,
      toolContext(engines, logger, (p) => bar.update(p)),
    );
  } finally {
    bar.done();
  }
}

/** Write to a file atomically (a temporary file renamed), or to stdout. */
async function writeOut(path: string | undefined, write: (sink: NodeJS.WritableStream) => Promise<void>) {
  if (!path) return write(process.stdout);
  await mkdir(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  try {
    const sink = createWriteStream(tmp);
    await write(sink);
    sink.end();
    await once(sink, 'finish');
    await rename(tmp, path);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
}

async function fitRequest(data: string, opts: Record<string, unknown>): Promise<Record<string, unknown>> {
  const options = await jsonFlag(opts.options as string | undefined, 'options');
  // --no-constraints sets false; --constraints JSON sets a string; neither leaves the learned default.
  const constraints =
    opts.constraints === false
      ? false
      : typeof opts.constraints === 'string'
        ? await jsonFlag(opts.constraints, 'constraints')
        : undefined;
  return {
    data: dataArg(data, opts as CsvFlagValues),
    ...(opts.generator ? { generator: opts.generator } : {}),
    ...(options !== undefined ? { options } : {}),
    ...(constraints !== undefined ? { constraints } : {}),
    ...(opts.columns ? { columns: list(opts.columns as string) } : {}),
    ...(opts.seed !== undefined ? { seed: parseSeed(opts.seed as string) } : {}),
    ...(opts.name ? { name: opts.name } : {}),
  };
}

function modelFlags(cmd: Command): Command {
  return cmd
    .option('--generator <name>', 'learner: statistical, arima, mixture, rnn, timegan, dgan (see `tsiot generators`)')
    .option('--options <json|file>', "the learner's fit options as JSON, e.g. '{\"window\": 24}'")
    .option(
      '--constraints <json|file>',
      'declared physics, e.g. \'{"bounds": {"humidity": {"min": 0, "max": 100}}, "circular": ["wind_dir"]}\' (default: learned)',
    )
    .option('--no-constraints', "no constraints at all: the learner's raw output")
    .option('--columns <names>', 'numeric columns to learn, comma-separated (default: all)')
    .option('--seed <seed>', 'seed; the same seed gives the same model and copies')
    .option('--name <name>', 'a name for the model / the copies');
}

export function addWorkflowCommands(program: Command): void {
  csvFlags(
    modelFlags(
      program
        .command('fit <data>')
        .description(
          'Fit a model on a CSV file or a stored series and save it; prints the model (id, what it learned: constraints, missingness, categories) as JSON. Sample it with `tsiot call generate_from_model`.',
        ),
    ),
  ).action(async (data: string, opts: Record<string, unknown>, cmd: Command) => {
    const request = { ...(await fitRequest(data, opts)), waitSeconds: 600 };
    await withEngines(cmd.optsWithGlobals() as GlobalOptions, async (engines, logger) => {
      const r = await callTool(engines, logger, 'fit_model', request);
      let out = r.structured as { id: string; status: string; model?: unknown };
      // A fit longer than the tool's wait goes on in this process: follow it to the end.
      if (out.status === 'training') {
        const bar = createProgressBar('fit model');
        for (;;) {
          const status = engines.models.status(out.id);
          if (!status) break;
          if (status.status !== 'training') {
            throw new TsiotError('internal', `The fit of ${out.id} ${status.status}: ${status.error?.message ?? ''}`);
          }
          if (status.progress) bar.update(status.progress);
          await new Promise((r) => setTimeout(r, 1000));
        }
        bar.done();
        const record = (await callTool(engines, logger, 'describe_model', { id: out.id })).structured;
        out = { id: out.id, status: 'ready', model: record };
      }
      process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
      process.stderr.write(`${r.summary}\n`);
    });
  });

  csvFlags(
    modelFlags(
      program
        .command('synthesize <data>')
        .description(
          'Make a synthetic copy of a CSV file (or a stored series): fit, sample, validate. The copy goes to stdout or --output (CSV by default, text columns as text), the validation report to --report, a summary to stderr.',
        ),
    ),
  )
    .option('--length <n>', 'rows per copy (default: as many as the data)', parseIntFlag('length'))
    .option('--count <n>', 'copies (default 1)', parseIntFlag('count'))
    .option('--fill', "complete copies: no missing values (default: the data's gaps are copied)")
    .option('--rules <json|file>', 'validation rules, e.g. \'{"validators": ["quality"]}\'')
    .option('--report <file>', 'write the validation report (JSON) to this file')
    .option('--keep-model', 'keep the fitted model (its id is printed)')
    .option('--store', 'also store the copies in the configured storage and print their ids')
    .addOption(
      new Option('-f, --format <format>', 'output format').choices(['csv', 'ndjson', 'line', 'parquet']).default('csv'),
    )
    .addOption(
      new Option('--timestamps <style>', 'timestamp style for csv/ndjson').choices(['iso', 'ms']).default('iso'),
    )
    .option('-o, --output <file>', 'write the copy to this file instead of stdout')
    .action(async (data: string, opts: Record<string, unknown>, cmd: Command) => {
      const format = opts.format as ExportFormat;
      if (format === 'parquet' && !opts.output && process.stdout.isTTY) {
        throw new TsiotError('invalid_input', 'Parquet is binary: give --output FILE or redirect stdout', {
          details: { field: 'output', example: '--output copy.parquet' },
        });
      }
      const rules = await jsonFlag(opts.rules as string | undefined, 'rules');
      const request = {
        ...(await fitRequest(data, opts)),
        ...(opts.length !== undefined ? { length: opts.length } : {}),
        ...(opts.count !== undefined ? { count: opts.count } : {}),
        ...(opts.fill ? { missing: 'fill' } : {}),
        ...(rules !== undefined ? { rules } : {}),
        ...(opts.keepModel ? { keepModel: true } : {}),
        // The copies are written from storage: the configured one with --store, else an in-memory one.
        store: true,
        preview: 0,
      };
      await withEngines(
        cmd.optsWithGlobals() as GlobalOptions,
        async (engines, logger) => {
          const r = await callTool(engines, logger, 'synthesize_like', request);
          const out = r.structured as { model: string | null; series: { id: string | null }[]; report: unknown };
          const series: TimeSeries[] = [];
          for (const s of out.series) series.push(await engines.storage.retrieve({ id: s.id! }));
          await writeOut(opts.output as string | undefined, async (sink) => {
            const { writeSeries } = await loadExport();
            await writeSeries(series, format, sink, { timestamps: opts.timestamps as 'iso' | 'ms' });
          });
          if (opts.report) {
            await mkdir(dirname(opts.report as string), { recursive: true });
            await writeFile(opts.report as string, `${JSON.stringify(out.report, null, 2)}\n`);
          }
          process.stderr.write(`${r.summary}\n`);
          if (opts.store) process.stderr.write(`stored: ${out.series.map((s) => s.id).join(' ')}\n`);
          if (out.model) process.stderr.write(`model: ${out.model}\n`);
        },
        opts.store || opts.keepModel ? {} : { storage: 'duckdb://:memory:' },
      );
    });

  csvFlags(
    program
      .command('validate <synthetic>')
      .description(
        'Validate data (a CSV file or a stored series id) on its own or against real data (--reference): quality, temporal and statistical checks; prints the report as JSON, its summary on stderr.',
      ),
  )
    .option('--reference <data>', 'real data to compare against: a CSV file or a stored series id')
    .option('--rules <json|file>', 'validation rules, e.g. \'{"validators": ["quality", "statistical"]}\'')
    .addOption(new Option('--detail <level>', 'checks to print').choices(['summary', 'full']).default('summary'))
    .option('--fail-under <score>', 'exit with status 1 when the score is below this', parseNumberFlag('fail-under'))
    .action(async (synthetic: string, opts: Record<string, unknown>, cmd: Command) => {
      const flags = opts as CsvFlagValues;
      const source = (arg: string, field: string) => {
        const d = dataArg(arg, flags, field);
        return typeof d.seriesId === 'string' ? d.seriesId : d;
      };
      const rules = await jsonFlag(opts.rules as string | undefined, 'rules');
      const request = {
        synthetic: source(synthetic, 'synthetic'),
        ...(opts.reference ? { reference: source(opts.reference as string, 'reference') } : {}),
        ...(rules !== undefined ? { rules } : {}),
        detail: opts.detail,
        store: false,
      };
      await withEngines(
        cmd.optsWithGlobals() as GlobalOptions,
        async (engines, logger) => {
          const r = await callTool(engines, logger, 'validate_timeseries', request);
          process.stdout.write(`${JSON.stringify(r.structured, null, 2)}\n`);
          process.stderr.write(`${r.summary}\n`);
          const score = (r.structured as { score: number | null }).score;
          if (opts.failUnder !== undefined && (score === null || score < (opts.failUnder as number)))
            process.exitCode = 1;
        },
        /^ser_/.test(synthetic) || /^ser_/.test(String(opts.reference ?? '')) ? {} : { storage: 'duckdb://:memory:' },
      );
    });

  const jobs = program
    .command('jobs')
    .description('Background jobs (generation, validation, export, training, cleanup) of the configured job engine.');
  const jobCall =
    (name: string, input: () => Promise<unknown> | unknown) =>
    async (...args: unknown[]) => {
      const cmd = args[args.length - 1] as Command;
      await withEngines(cmd.optsWithGlobals() as GlobalOptions, async (engines, logger) => {
        const r = await callTool(engines, logger, name, await input());
        process.stdout.write(`${JSON.stringify(r.structured, null, 2)}\n`);
        process.stderr.write(`${r.summary}\n`);
      });
    };
  jobs
    .command('list')
    .description('List jobs, newest first.')
    .option('--state <state>', 'only jobs in this state: queued, running, completed, dead, cancelled')
    .option('--type <type>', 'only jobs of this type')
    .option('--limit <n>', 'at most this many', parseIntFlag('limit'))
    .action((opts: Record<string, unknown>, cmd: Command) =>
      jobCall('list_jobs', () => ({
        ...(opts.state ? { state: opts.state } : {}),
        ...(opts.type ? { type: opts.type } : {}),
        ...(opts.limit !== undefined ? { limit: opts.limit } : {}),
      }))(cmd),
    );
  jobs
    .command('start <type> [json]')
    .description(
      'Start a job of this type with its data as JSON (argument, file or "-" for stdin); waits for it with --wait SECONDS (the in-process engine runs it only while this command runs).',
    )
    .option('--wait <seconds>', 'wait up to this long for the job to finish (at most 600)', parseNumberFlag('wait'))
    .action((type: string, json: string | undefined, opts: Record<string, unknown>, cmd: Command) =>
      jobCall('start_job', async () => ({
        type,
        data: (await jsonFlag(json === '-' ? await readStdinText() : json, 'json')) ?? {},
        ...(opts.wait !== undefined ? { waitMs: Math.round((opts.wait as number) * 1000) } : {}),
      }))(cmd),
    );
  jobs
    .command('get <id>')
    .description('Show a job: state, progress, result or error.')
    .option('--history', "include the job's events")
    .action((id: string, opts: Record<string, unknown>, cmd: Command) =>
      jobCall('get_job', () => ({ id, ...(opts.history ? { history: true } : {}) }))(cmd),
    );
  jobs
    .command('cancel <id>')
    .description('Cancel a queued or running job.')
    .action((id: string, _opts: unknown, cmd: Command) => jobCall('cancel_job', () => ({ id }))(cmd));
}

async function readStdinText(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
