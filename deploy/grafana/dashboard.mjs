// Builds tsiot.json, the Grafana dashboard over tsiot's Prometheus metrics:
//   node deploy/grafana/dashboard.mjs > deploy/grafana/tsiot.json
// Each panel is a title, a unit and its PromQL queries; the layout is a grid of two panels per row.
const rate = (expr) => expr.replaceAll('RATE', '$__rate_interval');

const rows = [
  {
    title: 'Tools',
    panels: [
      {
        title: 'Tool calls per second by tool and transport',
        unit: 'reqps',
        targets: [['sum by (tool, transport) (rate(tsiot_tool_calls_total[RATE]))', '{{tool}} ({{transport}})']],
      },
      {
        title: 'Tool call latency p50 / p95 by tool',
        unit: 's',
        targets: [
          [
            'histogram_quantile(0.95, sum by (le, tool) (rate(tsiot_tool_call_duration_seconds_bucket[RATE])))',
            'p95 {{tool}}',
          ],
          [
            'histogram_quantile(0.5, sum by (le, tool) (rate(tsiot_tool_call_duration_seconds_bucket[RATE])))',
            'p50 {{tool}}',
          ],
        ],
      },
      {
        title: 'Tool errors per second by tool and code',
        unit: 'reqps',
        targets: [['sum by (tool, status) (rate(tsiot_tool_calls_total{status!="ok"}[RATE]))', '{{tool}}: {{status}}']],
      },
      {
        title: 'Share of tool calls failing',
        unit: 'percentunit',
        targets: [
          [
            'sum(rate(tsiot_tool_calls_total{status!="ok"}[RATE]) or vector(0)) / clamp_min(sum(rate(tsiot_tool_calls_total[RATE])), 1e-9)',
            'errors',
          ],
        ],
      },
    ],
  },
  {
    title: 'HTTP',
    panels: [
      {
        title: 'HTTP requests per second by route and status',
        unit: 'reqps',
        targets: [
          ['sum by (route, status) (rate(tsiot_http_request_duration_seconds_count[RATE]))', '{{route}} {{status}}'],
        ],
      },
      {
        title: 'HTTP latency p95 by route',
        unit: 's',
        targets: [
          [
            'histogram_quantile(0.95, sum by (le, route) (rate(tsiot_http_request_duration_seconds_bucket[RATE])))',
            '{{route}}',
          ],
        ],
      },
    ],
  },
  {
    title: 'Generation, validation and models',
    panels: [
      {
        title: 'Generated values per second by generator',
        unit: 'short',
        targets: [['sum by (generator) (rate(tsiot_generated_values_total[RATE]))', '{{generator}}']],
      },
      {
        title: 'Generation latency p95 by generator',
        unit: 's',
        targets: [
          [
            'histogram_quantile(0.95, sum by (le, generator) (rate(tsiot_generation_duration_seconds_bucket[RATE])))',
            '{{generator}}',
          ],
        ],
      },
      {
        title: 'Validator runs per second by result',
        unit: 'ops',
        targets: [['sum by (validator, result) (rate(tsiot_validation_total[RATE]))', '{{validator}} {{result}}']],
      },
      {
        title: 'Model fits by generator and status',
        unit: 'short',
        targets: [['sum by (generator, status) (tsiot_model_fits_total)', '{{generator}} {{status}}']],
      },
    ],
  },
  {
    title: 'Jobs',
    panels: [
      {
        title: 'Job queue depth by queue',
        unit: 'short',
        targets: [['sum by (queue) (tsiot_job_queue_depth)', '{{queue}}']],
      },
      {
        title: 'Jobs by state',
        unit: 'short',
        targets: [['sum by (state) (tsiot_jobs)', '{{state}}']],
      },
      {
        title: 'Job attempts per second by type and status',
        unit: 'ops',
        targets: [['sum by (type, status) (rate(tsiot_job_runs_total[RATE]))', '{{type}} {{status}}']],
      },
      {
        title: 'Job attempt duration p95 by type',
        unit: 's',
        targets: [
          [
            'histogram_quantile(0.95, sum by (le, type) (rate(tsiot_job_run_duration_seconds_bucket[RATE])))',
            '{{type}}',
          ],
        ],
      },
    ],
  },
  {
    title: 'Storage',
    panels: [
      {
        title: 'Storage latency p95 by backend and operation',
        unit: 's',
        targets: [
          [
            'histogram_quantile(0.95, sum by (le, backend, operation) (rate(tsiot_storage_operation_duration_seconds_bucket[RATE])))',
            '{{backend}} {{operation}}',
          ],
        ],
      },
      {
        title: 'Storage operations per second by backend and status',
        unit: 'ops',
        targets: [
          [
            'sum by (backend, status) (rate(tsiot_storage_operation_duration_seconds_count[RATE]))',
            '{{backend}} {{status}}',
          ],
        ],
      },
    ],
  },
  {
    title: 'Process',
    panels: [
      {
        title: 'CPU (cores)',
        unit: 'short',
        targets: [['sum by (instance) (rate(tsiot_process_cpu_seconds_total[RATE]))', '{{instance}}']],
      },
      {
        title: 'Resident memory and event-loop lag p99',
        unit: 'bytes',
        targets: [
          ['tsiot_process_resident_memory_bytes', 'rss {{instance}}'],
          ['tsiot_nodejs_eventloop_lag_p99_seconds', 'event-loop lag p99 {{instance}}'],
        ],
      },
    ],
  },
];

// Grafana's own variable syntax (the dashboard's datasource picker), not a JavaScript template
const datasource = { type: 'prometheus', uid: ['$', '{datasource}'].join('') };
const panels = [];
let id = 1;
let y = 0;
for (const row of rows) {
  panels.push({
    id: id++,
    type: 'row',
    title: row.title,
    collapsed: false,
    gridPos: { h: 1, w: 24, x: 0, y },
    panels: [],
  });
  y += 1;
  row.panels.forEach((p, i) => {
    panels.push({
      id: id++,
      type: 'timeseries',
      title: p.title,
      datasource,
      gridPos: { h: 8, w: 12, x: (i % 2) * 12, y: y + Math.floor(i / 2) * 8 },
      fieldConfig: { defaults: { unit: p.unit }, overrides: [] },
      options: { legend: { displayMode: 'list', placement: 'bottom' }, tooltip: { mode: 'multi' } },
      targets: p.targets.map(([expr, legendFormat], t) => ({
        refId: String.fromCharCode(65 + t),
        datasource,
        expr: rate(expr),
        legendFormat,
      })),
    });
  });
  y += Math.ceil(row.panels.length / 2) * 8;
}

const dashboard = {
  uid: 'tsiot-overview',
  title: 'tsiot',
  description: 'Tool calls, HTTP, generation, validation, jobs and storage of tsiot servers and workers.',
  tags: ['tsiot'],
  schemaVersion: 39,
  version: 1,
  editable: true,
  timezone: 'utc',
  refresh: '30s',
  time: { from: 'now-6h', to: 'now' },
  templating: {
    list: [{ name: 'datasource', label: 'Prometheus', type: 'datasource', query: 'prometheus', current: {} }],
  },
  annotations: { list: [] },
  panels,
};

process.stdout.write(`${JSON.stringify(dashboard, null, 2)}\n`);
