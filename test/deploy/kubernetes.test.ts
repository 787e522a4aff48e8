import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Deployment } from 'kubernetes-models/apps/v1';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2';
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import { ConfigMap, Secret, Service } from 'kubernetes-models/v1';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { buildCli } from '../../src/cli/program.js';
import { CONFIG_ENV, loadConfig } from '../../src/core/config.js';
import { TRACING_ENV } from '../../src/engines/telemetry/tracing.js';
import { createHttpApp } from '../../src/http/app.js';
import { metricsAccess } from '../../src/http/metrics-route.js';
import { tools } from '../../tools/index.js';
import { repoRoot } from '../helpers/cli.js';
import { makeEngines, type TestEngines } from '../helpers/engines.js';

/**
 * The manifests in deploy/kubernetes validate against the Kubernetes schemas
 * and name only settings, commands, ports, paths and probes the server has.
 * What the server reads comes from the code (CONFIG_ENV, the CLI, the HTTP
 * app), never from a list kept here.
 */

const dir = join(repoRoot, 'deploy/kubernetes');
/** Plain parsed YAML. */
type Manifest = Record<string, any>;

const MODELS: Record<string, new (data: Manifest) => { validate(): void }> = {
  'apps/v1/Deployment': Deployment,
  'autoscaling/v2/HorizontalPodAutoscaler': HorizontalPodAutoscaler,
  'networking.k8s.io/v1/NetworkPolicy': NetworkPolicy,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget,
  'v1/ConfigMap': ConfigMap,
  'v1/Secret': Secret,
  'v1/Service': Service,
};

function load(file: string): Manifest[] {
  const docs = parseAllDocuments(readFileSync(join(dir, file), 'utf8'));
  for (const d of docs) if (d.errors.length) throw new Error(`${file}: ${d.errors[0]!.message}`);
  return docs.map((d) => d.toJS() as Manifest).filter(Boolean);
}

const files = readdirSync(dir).filter((f) => f.endsWith('.yaml'));
const kustomization = load('kustomization.yaml')[0]!;
const applied = (kustomization.resources as string[]).flatMap(load);
const secret = load('secret.example.yaml')[0]!;
const all = [...applied, secret];
const byKind = (kind: string) => applied.filter((m) => m.kind === kind);
const named = (kind: string, name: string) => {
  const found = all.find((m) => m.kind === kind && m.metadata.name === name);
  if (!found) throw new Error(`no ${kind} named ${name}`);
  return found;
};
const deployments = byKind('Deployment');
const server = named('Deployment', 'tsiot-server');
const worker = named('Deployment', 'tsiot-worker');
const configMap = named('ConfigMap', 'tsiot-config');

/** The environment a container sees: its ConfigMaps (envFrom) and its env entries (Secret values from the example). */
function environmentOf(deployment: Manifest): Record<string, string> {
  const env: Record<string, string> = {};
  for (const c of deployment.spec.template.spec.containers) {
    for (const from of c.envFrom ?? []) Object.assign(env, named('ConfigMap', from.configMapRef.name).data);
    for (const e of c.env ?? []) {
      const ref = e.valueFrom?.secretKeyRef;
      env[e.name] = ref ? named('Secret', ref.name).stringData[ref.key] : e.value;
    }
  }
  return env;
}

let engines: TestEngines;
beforeAll(async () => {
  engines = await makeEngines();
});
afterAll(async () => {
  await engines?.close();
});

describe('deploy/kubernetes', () => {
  it('lists every manifest in the kustomization (the Secret is an example the operator creates)', () => {
    expect([...(kustomization.resources as string[]), 'kustomization.yaml', 'secret.example.yaml'].sort()).toEqual(
      [...files].sort(),
    );
    expect(deployments.map((d) => d.metadata.name).sort()).toEqual(['tsiot-server', 'tsiot-worker']);
    for (const kind of ['Service', 'HorizontalPodAutoscaler', 'PodDisruptionBudget', 'NetworkPolicy', 'ConfigMap'])
      expect(byKind(kind).length, kind).toBeGreaterThan(0);
  });

  it('validates against the Kubernetes schemas', () => {
    for (const m of all) {
      const Model = MODELS[`${m.apiVersion}/${m.kind}`];
      expect(Model, `${m.apiVersion} ${m.kind} has a schema here`).toBeDefined();
      expect(() => new Model!(m).validate(), `${m.kind} ${m.metadata.name}`).not.toThrow();
    }
    // and the schemas do catch a mistake
    const broken = structuredClone(server);
    broken.spec.template.spec.containers[0].ports[0].containerPort = 'eighty';
    expect(() => new Deployment(broken).validate()).toThrow();
  });

  it('sets only environment variables the configuration reads, with values it accepts', () => {
    const known = new Set<string>([...CONFIG_ENV.map((e) => e.name), ...TRACING_ENV]);
    for (const d of deployments) {
      const env = environmentOf(d);
      for (const name of Object.keys(env))
        expect(known, `${d.metadata.name}: ${name} is read by the server`).toContain(name);
      expect(() => loadConfig({}, env)).not.toThrow();
    }
    for (const name of Object.keys(configMap.data)) expect(known).toContain(name);
    for (const name of Object.keys(secret.stringData)) expect(known).toContain(name);
  });

  it('runs commands and flags the CLI has', () => {
    const cli = buildCli();
    for (const d of deployments) {
      const [node, script, command, ...flags] = d.spec.template.spec.containers[0].args as string[];
      expect([node, script]).toEqual(['node', 'dist/src/cli/main.js']);
      const sub = cli.commands.find((c) => c.name() === command);
      expect(sub, `tsiot ${command} exists`).toBeDefined();
      for (const flag of flags.filter((f) => f.startsWith('--')))
        expect(
          sub!.options.map((o) => o.long),
          `tsiot ${command} ${flag}`,
        ).toContain(flag);
    }
    expect(server.spec.template.spec.containers[0].args[2]).toBe('serve');
    expect(worker.spec.template.spec.containers[0].args[2]).toBe('worker');
  });

  it('exposes the port the server listens on, mounts its data folder, and every name it refers to exists', () => {
    const config = loadConfig({}, environmentOf(server));
    const container = server.spec.template.spec.containers[0];
    const http = container.ports.find((p: Manifest) => p.name === 'http');
    expect(http.containerPort).toBe(config.http.port);
    expect(config.http.host).toBe('0.0.0.0');
    for (const d of deployments) {
      const c = d.spec.template.spec.containers[0];
      expect(c.volumeMounts.map((v: Manifest) => v.mountPath)).toContain(loadConfig({}, environmentOf(d)).dataDir);
      expect(d.spec.template.spec.securityContext.runAsNonRoot).toBe(true);
      // the server's own shutdown grace ends before the kubelet's
      expect(loadConfig({}, environmentOf(d)).shutdownGraceMs).toBeLessThan(
        d.spec.template.spec.terminationGracePeriodSeconds * 1000,
      );
      expect(d.spec.selector.matchLabels).toEqual(
        Object.fromEntries(
          Object.keys(d.spec.selector.matchLabels).map((k) => [k, d.spec.template.metadata.labels[k]]),
        ),
      );
    }
    const service = named('Service', 'tsiot');
    expect(service.spec.ports[0].targetPort).toBe('http');
    expect(service.spec.selector).toEqual(server.spec.selector.matchLabels);
    for (const hpa of byKind('HorizontalPodAutoscaler')) named('Deployment', hpa.spec.scaleTargetRef.name);
    for (const pdb of byKind('PodDisruptionBudget'))
      expect(deployments.some((d) => matches(pdb.spec.selector.matchLabels, d.spec.template.metadata.labels))).toBe(
        true,
      );
    const ingress = named('NetworkPolicy', 'tsiot-server');
    expect(matches(ingress.spec.podSelector.matchLabels, server.spec.template.metadata.labels)).toBe(true);
    expect(ingress.spec.ingress[0].ports[0].port).toBe(config.http.port);
    const annotations = server.spec.template.metadata.annotations;
    expect(Number(annotations['prometheus.io/port'])).toBe(config.http.port);
  });

  it('probes and scrapes paths the server answers, reached by the pod address', async () => {
    const config = loadConfig({}, environmentOf(server));
    const app = createHttpApp({
      engines,
      tools,
      version: 'test',
      logger: engines.logger,
      allowedHosts: config.http.allowedHosts,
      metricsAccess: metricsAccess(config.metrics.open, config.http.host),
    });
    const container = server.spec.template.spec.containers[0];
    const probes = ['startupProbe', 'livenessProbe', 'readinessProbe'].map((p) => container[p].httpGet);
    const scrape = server.spec.template.metadata.annotations['prometheus.io/path'];
    for (const path of [...probes.map((p: Manifest) => p.path), scrape]) {
      const res = await app.request(path, { headers: { Host: `10.4.0.17:${config.http.port}` } });
      expect(res.status, `GET ${path}`).toBe(200);
    }
    for (const p of probes) expect(p.port).toBe('http');
    // and the Service name clients use passes the Host check
    const res = await app.request('/v1/tools', { headers: { Host: 'tsiot.tsiot.svc' } });
    expect(res.status).toBe(200);
  });
});

describe('Dockerfile settings', () => {
  it('sets only environment variables the configuration reads', () => {
    const text = readFileSync(join(repoRoot, 'Dockerfile'), 'utf8').replace(/\\\n/g, ' ');
    const names = [...text.matchAll(/^ENV\s+(.*)$/gm)].flatMap((m) =>
      [...m[1]!.matchAll(/([A-Z_][A-Z0-9_]*)=/g)].map((n) => n[1]!),
    );
    expect(names.length).toBeGreaterThan(0);
    const known = new Set<string>(CONFIG_ENV.map((e) => e.name));
    for (const name of names) expect(known, `${name} is read by the server`).toContain(name);
  });
});

function matches(selector: Record<string, string>, labels: Record<string, string>): boolean {
  return Object.entries(selector).every(([k, v]) => labels[k] === v);
}
