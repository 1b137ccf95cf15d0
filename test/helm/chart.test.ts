import { beforeAll, describe, expect, it } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse, parseAllDocuments, stringify } from 'yaml';
import { createRequire } from 'node:module';
import { BEGIN, END, generatedBlock } from '../../deploy/helm/values-table.js';
import { CoordinatorMetrics, type CoordinatorMetricsSources } from '../../coordinator/src/metrics/coordinator-metrics.js';
import { WorkerMetrics } from '../../worker/src/worker-metrics.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
/** kubernetes-models by path (its CommonJS build: a computed import would defeat the bundler's analysis). */
const require = createRequire(import.meta.url);
const CHART = join(ROOT, 'helm/lethe');
const VALUES = ['default', 'gpu', 'external', 'ha', 'keda'] as const;
type Manifest = { apiVersion: string; kind: string; metadata: { name: string; annotations?: Record<string, string> }; spec?: Record<string, unknown>; data?: Record<string, string> };

let helm = '';
let promtoolBin = '';
/** Runs promtool (Prometheus's rule checker and tester) in `cwd`; fails the test with its output unless it succeeds. */
function promtool(args: string[], cwd: string): void {
  if (promtoolBin === '') promtoolBin = execFileSync('bash', [join(ROOT, 'deploy/helm/fetch-promtool.sh')], { encoding: 'utf8' }).trim();
  const r = spawnSync(promtoolBin, args, { cwd, encoding: 'utf8' });
  expect(r.status, `promtool ${args.join(' ')}: ${r.stdout}${r.stderr}`).toBe(0);
}
const home = mkdtempSync(join(tmpdir(), 'lethe-helm-'));
const env = { ...process.env, HELM_CACHE_HOME: join(home, 'cache'), HELM_CONFIG_HOME: join(home, 'config'), HELM_DATA_HOME: join(home, 'data') };

function run(args: string[]): { status: number | null; out: string } {
  const r = spawnSync(helm, args, { cwd: CHART, env, encoding: 'utf8' });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}
const fileArgs = (v: (typeof VALUES)[number]): string[] => (v === 'default' ? [] : ['-f', `ci/${v}-values.yaml`]);

function render(v: (typeof VALUES)[number], extra: string[] = []): Manifest[] {
  const r = run(['template', 'rel', '.', '--namespace', 'ml', ...fileArgs(v), ...extra]);
  expect(r.status, r.out).toBe(0);
  return parseAllDocuments(r.out)
    .map((d) => d.toJS() as Manifest | null)
    .filter((m): m is Manifest => m !== null);
}
const find = (ms: Manifest[], kind: string, name: string): Manifest | undefined => ms.find((m) => m.kind === kind && m.metadata.name === name);
/** The value at a dotted path ("spec.template.spec.containers.0.args") of a parsed manifest. */
function dig(value: unknown, path: string): unknown {
  return path.split('.').reduce<unknown>((v, k) => (v !== null && typeof v === 'object' ? (v as Record<string, unknown>)[k] : undefined), value);
}
const pod = (m: Manifest | undefined, path: string): unknown => dig(m, `spec.template.spec.${path}`);

type PromTest = { tests: { input_series: { series: string; values: string }[] }[] };
/**
 * The promtool fixtures feed our release ("rel" in namespace "ml") beside a release "rel" of namespace "other"; each of
 * the latter's series is fed again as release "other" of namespace "ml", so every check also stands against a second
 * release in our namespace.
 */
function withAnotherRelease<T extends PromTest>(fixture: T): T {
  for (const t of fixture.tests) {
    const theirs = t.input_series.filter((s) => s.series.includes('namespace="other",release="rel"'));
    t.input_series.push(...theirs.map((s) => ({ ...s, series: s.series.replace('namespace="other",release="rel"', 'namespace="ml",release="other"') })));
  }
  return fixture;
}

/** Kubernetes kinds this chart renders → their kubernetes-models module (the operators' CRDs by their published schemas). */
const MODELS: Record<string, string> = {
  'v1/ConfigMap': 'v1/ConfigMap',
  'v1/Secret': 'v1/Secret',
  'v1/Service': 'v1/Service',
  'v1/ServiceAccount': 'v1/ServiceAccount',
  'apps/v1/Deployment': 'apps/v1/Deployment',
  'apps/v1/StatefulSet': 'apps/v1/StatefulSet',
  'policy/v1/PodDisruptionBudget': 'policy/v1/PodDisruptionBudget',
  'networking.k8s.io/v1/NetworkPolicy': 'networking.k8s.io/v1/NetworkPolicy',
  'autoscaling/v2/HorizontalPodAutoscaler': 'autoscaling/v2/HorizontalPodAutoscaler',
  'cert-manager.io/v1/Certificate': '@kubernetes-models/cert-manager/cert-manager.io/v1/Certificate',
  'cert-manager.io/v1/Issuer': '@kubernetes-models/cert-manager/cert-manager.io/v1/Issuer',
  'monitoring.coreos.com/v1/ServiceMonitor': '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/ServiceMonitor',
  'monitoring.coreos.com/v1/PrometheusRule': '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PrometheusRule',
  'keda.sh/v1alpha1/ScaledObject': '@kubernetes-models/keda/keda.sh/v1alpha1/ScaledObject',
};

describe('the Helm chart (helm 3.17: lint, template, Kubernetes schemas, rendered-manifest checks)', () => {
  beforeAll(() => {
    helm = execFileSync('bash', [join(ROOT, 'deploy/helm/fetch-helm.sh')], { encoding: 'utf8' }).trim();
  }, 120_000);

  it.each(VALUES)('lints strictly and renders manifests valid against the Kubernetes schemas (%s values)', async (v) => {
    const lint = run(['lint', '--strict', '.', ...fileArgs(v)]);
    expect(lint.status, lint.out).toBe(0);
    const ms = render(v);
    expect(ms.length).toBeGreaterThan(5);
    for (const m of ms) {
      const key = `${m.apiVersion}/${m.kind}`;
      const path = MODELS[key];
      expect(path, `no schema for ${key}`).toBeDefined();
      // The operators' models (cert-manager, prometheus-operator, KEDA) are ESM-only; kubernetes-models' CommonJS build is required.
      const mod = ((path as string).startsWith('@') ? await import(path as string) : require(`kubernetes-models/${path as string}`)) as Record<string, new (o: unknown) => { validate(): void }>;
      const Model = mod[m.kind] as new (o: unknown) => { validate(): void };
      expect(() => new Model(m).validate(), `${key} ${m.metadata.name}`).not.toThrow();
    }
  });

  it('runs ≥ 2 coordinators with native gRPC probes, a PDB, anti-affinity and a config checksum that rolls them', () => {
    const ms = render('default');
    const c = find(ms, 'Deployment', 'rel-lethe-coordinator');
    expect(dig(c, 'spec.replicas')).toBe(2);
    // kubelet's gRPC probes speak no TLS: they use the plaintext health-only port.
    for (const probe of ['readinessProbe', 'livenessProbe', 'startupProbe']) expect(pod(c, `containers.0.${probe}.grpc.port`)).toBe(50052);
    expect(pod(c, 'containers.0.args')).toEqual(['coordinator', '--listen', '0.0.0.0:50051', '--advertise', '$(POD_IP):50051', '--id', '$(POD_NAME)']);
    expect(pod(c, 'affinity.podAntiAffinity')).toBeDefined();
    expect(dig(find(ms, 'PodDisruptionBudget', 'rel-lethe-coordinator'), 'spec.minAvailable')).toBe(1);
    const cm = find(ms, 'ConfigMap', 'rel-lethe');
    expect(cm?.data?.['LETHE_ETCD_ENDPOINTS']).toBe('rel-lethe-etcd-0.rel-lethe-etcd.ml.svc:2379,rel-lethe-etcd-1.rel-lethe-etcd.ml.svc:2379,rel-lethe-etcd-2.rel-lethe-etcd.ml.svc:2379');
    expect(cm?.data?.['LETHE_NATS_SERVERS']).toBe('rel-lethe-nats.ml.svc:4222');
    expect(cm?.data?.['LETHE_COORDINATOR_TASK_SILENCE_TIMEOUT_S']).toBe('1800');
    const sum = dig(c, 'spec.template.metadata.annotations.checksum/config');
    expect(sum).toMatch(/^[0-9a-f]{64}$/);
    const changed = find(render('default', ['--set', 'logLevel=debug']), 'Deployment', 'rel-lethe-coordinator');
    expect(dig(changed, 'spec.template.metadata.annotations.checksum/config')).not.toBe(sum);
    expect(dig(find(render('ha'), 'Deployment', 'rel-lethe-coordinator'), 'spec.replicas')).toBe(3);
    // Workers reach the coordinators through their Service and drain within the grace period.
    const w = find(ms, 'Deployment', 'rel-lethe-worker-cpu');
    expect((pod(w, 'containers.0.args') as string[]).slice(0, 3)).toEqual(['worker', '--coordinator', 'rel-lethe-coordinator.ml.svc:50051']);
    expect(pod(w, 'terminationGracePeriodSeconds')).toBe(600);
    expect(pod(w, 'automountServiceAccountToken')).toBe(false);
  });

  it('is secure by default: TLS from cert-manager (a release CA), a worker pool identity, TLS env on every pod; plaintext only when asked', () => {
    const ms = render('default');
    const certs = ms.filter((m) => m.kind === 'Certificate');
    expect(certs.map((m) => m.metadata.name).sort()).toEqual(['rel-lethe-backing-client-tls', 'rel-lethe-ca', 'rel-lethe-coordinator-tls', 'rel-lethe-etcd-tls', 'rel-lethe-nats-tls', 'rel-lethe-worker-tls']);
    // The bundled etcd takes only clients (and peers) with a certificate of the CA; NATS only TLS and its user.
    const etcdArgs = pod(find(ms, 'StatefulSet', 'rel-lethe-etcd'), 'containers.0.args') as string[];
    expect(etcdArgs).toEqual(expect.arrayContaining(['--client-cert-auth', '--peer-client-cert-auth', '--listen-client-urls=https://0.0.0.0:2379']));
    expect(pod(find(ms, 'StatefulSet', 'rel-lethe-nats'), 'containers.0.args')).toEqual(['-c', '/etc/nats/nats.conf']);
    expect(find(ms, 'ConfigMap', 'rel-lethe-nats')?.data?.['nats.conf']).toMatch(/verify: true[\s\S]*authorization \{ user: lethe, password: \$LETHE_NATS_PASSWORD \}/);
    expect(find(ms, 'Secret', 'rel-lethe-nats-auth')).toBeDefined();
    expect(dig(find(ms, 'Certificate', 'rel-lethe-coordinator-tls'), 'spec.dnsNames')).toContain('rel-lethe-coordinator.ml.svc');
    const worker = find(ms, 'Certificate', 'rel-lethe-worker-tls');
    expect([dig(worker, 'spec.commonName'), dig(worker, 'spec.subject.organizations')]).toEqual(['rel-lethe-worker-*', ['worker']]);
    for (const name of ['rel-lethe-coordinator', 'rel-lethe-worker-cpu']) {
      const env = pod(find(ms, 'Deployment', name), 'containers.0.env') as { name: string; value?: string }[];
      expect(env.map((e) => e.name)).toEqual(expect.arrayContaining(['LETHE_TLS_CA_FILE', 'LETHE_TLS_CERT_FILE', 'LETHE_TLS_KEY_FILE']));
      expect(env.map((e) => e.name)).not.toContain('LETHE_INSECURE');
    }
    expect(pod(find(ms, 'Deployment', 'rel-lethe-coordinator'), 'volumes')).toContainEqual({ name: 'tls', secret: { secretName: 'rel-lethe-coordinator-tls', defaultMode: 0o400 } });
    // Workers verify the coordinator as its Service even when a follower sends them to the leader's pod IP.
    const workerEnv = pod(find(ms, 'Deployment', 'rel-lethe-worker-cpu'), 'containers.0.env') as { name: string; value?: string }[];
    expect(workerEnv.find((e) => e.name === 'LETHE_WORKER_TLS_SERVER_NAME')?.value).toBe('rel-lethe-coordinator.ml.svc');
    expect(dig(find(ms, 'Certificate', 'rel-lethe-coordinator-tls'), 'spec.dnsNames')).toContain('rel-lethe-coordinator.ml.svc');
    // Own Secrets instead of cert-manager; without either, rendering fails with the reason.
    const own = render('default', ['--set', 'security.certManager.enabled=false', '--set', 'security.tls.coordinatorSecret=c-tls', '--set', 'security.tls.workerSecret=w-tls', '--set', 'security.tokensSecret=tok', '--set', 'security.tls.etcdSecret=e', '--set', 'security.tls.natsSecret=n', '--set', 'security.tls.backingClientSecret=b']);
    expect(own.filter((m) => m.kind === 'Certificate')).toEqual([]);
    expect(pod(find(own, 'Deployment', 'rel-lethe-worker-cpu'), 'volumes')).toContainEqual({ name: 'tls', secret: { secretName: 'w-tls', defaultMode: 0o400 } });
    expect((pod(find(own, 'Deployment', 'rel-lethe-coordinator'), 'containers.0.env') as { name: string; value?: string }[]).find((e) => e.name === 'LETHE_AUTH_TOKENS_FILE')?.value).toBe('/etc/lethe/tokens/tokens.jsonl');
    const none = run(['template', 'rel', '.', '--set', 'security.certManager.enabled=false']);
    expect(none.status).not.toBe(0);
    expect(none.out).toMatch(/TLS needs certificates/);
    const plain = render('default', ['--set', 'security.insecure=true']);
    expect(JSON.stringify(pod(find(plain, 'Deployment', 'rel-lethe-worker-cpu'), 'containers.0.env'))).toMatch(/LETHE_INSECURE/);
  });

  it('mounts the receipt signing key from a Secret when one is named, read-only, and points the coordinator at it', () => {
    const plain = find(render('default'), 'Deployment', 'rel-lethe-coordinator');
    expect(JSON.stringify(pod(plain, 'containers.0.env'))).not.toMatch(/RECEIPT_KEY/);
    const ms = render('default', ['--set', 'coordinator.receiptKeySecret=lethe-receipts']);
    const c = find(ms, 'Deployment', 'rel-lethe-coordinator');
    const env = pod(c, 'containers.0.env') as { name: string; value?: string }[];
    expect(env.find((e) => e.name === 'LETHE_COORDINATOR_RECEIPT_KEY_FILE')?.value).toBe('/etc/lethe/receipt-key/key.pem');
    expect(pod(c, 'containers.0.volumeMounts')).toContainEqual({ name: 'receipt-key', mountPath: '/etc/lethe/receipt-key', readOnly: true });
    expect(pod(c, 'volumes')).toContainEqual({ name: 'receipt-key', secret: { secretName: 'lethe-receipts', defaultMode: 0o400, items: [{ key: 'key.pem', path: 'key.pem' }] } });
  });

  it('adds a GPU pool with nvidia.com/gpu limits, node selector and tolerations', () => {
    expect(find(render('default'), 'Deployment', 'rel-lethe-worker-gpu')).toBeUndefined();
    const gpu = find(render('gpu'), 'Deployment', 'rel-lethe-worker-gpu');
    expect((pod(gpu, 'containers.0.resources.limits') as Record<string, unknown>)['nvidia.com/gpu']).toBe(1);
    expect(pod(gpu, 'containers.0.image')).toBe('ghcr.io/lethe/lethe-gpu:0.1.0');
    expect(pod(gpu, 'nodeSelector')).toEqual({ 'nvidia.com/gpu.present': 'true' });
    expect(pod(gpu, 'tolerations.0.key')).toBe('nvidia.com/gpu');
    // Batched stage training: GPU workers take bigger groups than CPU workers.
    const argsOf = (d: Parameters<typeof pod>[0]): string[] => pod(d, 'containers.0.args') as string[];
    const capacity = (args: string[]): string | undefined => args[args.indexOf('--batch-capacity') + 1];
    expect(capacity(argsOf(gpu))).toBe('64');
    expect(capacity(argsOf(find(render('gpu'), 'Deployment', 'rel-lethe-worker-cpu')))).toBe('16');
    // The frozen-prefix cache: the CPU pool's (exact on wasm), not the GPU pool's.
    const cpuArgs = argsOf(find(render('gpu'), 'Deployment', 'rel-lethe-worker-cpu'));
    expect(cpuArgs[cpuArgs.indexOf('--frozen-cache-mib') + 1]).toBe('256');
    expect(argsOf(gpu)).not.toContain('--frozen-cache-mib');
  });

  it('bundles etcd (3 members, compaction, quota, PVCs) and NATS with JetStream, or points at external ones', () => {
    const ms = render('default');
    const etcd = find(ms, 'StatefulSet', 'rel-lethe-etcd');
    expect(dig(etcd, 'spec.replicas')).toBe(3);
    const args = pod(etcd, 'containers.0.args') as string[];
    expect(args).toContain('--auto-compaction-retention=1');
    expect(args).toContain('--quota-backend-bytes=2147483648');
    expect(dig(etcd, 'spec.volumeClaimTemplates.0.spec.resources.requests.storage')).toBe('8Gi');
    // JetStream: in the secure config file (its store on the volume), or by flag in plaintext.
    expect(find(ms, 'ConfigMap', 'rel-lethe-nats')?.data?.['nats.conf']).toContain('jetstream { store_dir: "/data" }');
    expect(pod(find(render('default', ['--set', 'security.insecure=true']), 'StatefulSet', 'rel-lethe-nats'), 'containers.0.args')).toContain('-js');
    const ext = render('external');
    expect(ext.filter((m) => m.kind === 'StatefulSet')).toEqual([]);
    expect(find(ext, 'ConfigMap', 'rel-lethe')?.data?.['LETHE_NATS_SERVERS']).toBe('nats.infra.svc:4222');
  });

  it('scales workers with an HPA on the retraining backlog or a KEDA ScaledObject on the job queue lag, and monitors', () => {
    const ha = render('ha');
    const hpa = find(ha, 'HorizontalPodAutoscaler', 'rel-lethe-worker-cpu');
    expect(dig(hpa, 'spec.metrics.0.external.metric.name')).toBe('lethe_retraining_backlog_stages');
    expect(dig(find(ha, 'Deployment', 'rel-lethe-worker-cpu'), 'spec.replicas')).toBeUndefined();
    const keda = find(render('keda'), 'ScaledObject', 'rel-lethe-worker-cpu');
    expect(dig(keda, 'spec.triggers.0')).toMatchObject({ type: 'nats-jetstream', metadata: { stream: 'LETHE_JOBS', consumer: 'workers' } });
    const rules = (dig(find(ha, 'PrometheusRule', 'rel-lethe'), 'spec.groups.0.rules') as { alert: string }[]).map((r) => r.alert);
    expect(rules).toEqual(['LetheNoLeader', 'LetheRetrainingBacklogGrowing', 'LetheNoWorkers', 'LetheShardsNotLive', 'LetheTrainingFailed', 'LetheDeletionsLost', 'LetheSchedulerStalled', 'LetheTaskSilent', 'LetheDeletionLatencyHigh']);
    expect(find(ha, 'ServiceMonitor', 'rel-lethe')).toBeDefined();
    const dash = find(ha, 'ConfigMap', 'rel-lethe-dashboard');
    expect((JSON.parse(dash?.data?.['lethe.json'] ?? '{}') as { title?: string }).title).toBe('Lethe');
  });

  it('fires each alert when, and only when, it should: promtool runs alerts.promtest.yaml over the rendered rules', () => {
    const groups = dig(find(render('ha'), 'PrometheusRule', 'rel-lethe'), 'spec.groups') as { name: string; rules: { alert: string; annotations?: unknown }[] }[];
    const dir = mkdtempSync(join(tmpdir(), 'lethe-alerts-'));
    // The rules as rendered (their annotations' templates included) must load; the unit tests compare the alerts'
    // labels, so the annotations' prose is left out of the rules they run.
    writeFileSync(join(dir, 'rendered.yaml'), stringify({ groups }));
    promtool(['check', 'rules', 'rendered.yaml'], dir);
    writeFileSync(join(dir, 'rules.yaml'), stringify({ groups: groups.map((g) => ({ ...g, rules: g.rules.map(({ annotations: _prose, ...rule }) => rule) })) }));
    const fixture = withAnotherRelease(parse(readFileSync(join(ROOT, 'test/helm/alerts.promtest.yaml'), 'utf8')) as PromTest);
    writeFileSync(join(dir, 'alerts.promtest.yaml'), stringify(fixture));
    promtool(['test', 'rules', 'alerts.promtest.yaml'], dir);
    // Every alert the chart installs is tested.
    const tested = new Set((parse(readFileSync(join(dir, 'alerts.promtest.yaml'), 'utf8')) as { tests: { alert_rule_test: { alertname: string }[] }[] }).tests.flatMap((t) => t.alert_rule_test.map((a) => a.alertname)));
    expect([...tested].sort()).toEqual(groups.flatMap((g) => g.rules.map((rule) => rule.alert)).sort());
  });

  it("graphs what each panel says, replicas counted once: promtool runs dashboard.promtest.yaml over the dashboard's and the Prometheus adapter's queries", () => {
    const dashboard = JSON.parse(readFileSync(join(CHART, 'dashboards/lethe.json'), 'utf8')) as { panels: { title: string; targets: { expr: string; refId: string }[] }[] };
    const queries = new Map(dashboard.panels.flatMap((p) => p.targets.map((t): [string, string] => [`${p.title} ${t.refId}`, t.expr.replaceAll('$namespace', 'ml').replaceAll('$release', 'rel')])));
    // The adapter's rule serves the metric the chart's HPA scales on, by the query tested here (as the adapter fills it in).
    const adapter = parse(readFileSync(join(ROOT, 'deploy/prometheus-adapter/values.yaml'), 'utf8')) as { rules: { external: { seriesQuery: string; name: { as: string }; metricsQuery: string }[] } };
    const [rule] = adapter.rules.external;
    expect(rule?.name.as).toBe(dig(find(render('ha'), 'HorizontalPodAutoscaler', 'rel-lethe-worker-cpu'), 'spec.metrics.0.external.metric.name'));
    const series = /^([a-z_]+)\{/.exec(rule?.seriesQuery ?? '')?.[1] ?? '';
    // The adapter's matchers: the HPA's namespace, and the labels its metric selector names.
    const selected = dig(find(render('ha'), 'HorizontalPodAutoscaler', 'rel-lethe-worker-cpu'), 'spec.metrics.0.external.metric.selector.matchLabels') as Record<string, string>;
    const matchers = [['namespace', 'ml'], ...Object.entries(selected)].map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(',');
    const adapterQuery = (rule?.metricsQuery ?? '').replace('<<.Series>>', series).replace('<<.LabelMatchers>>', matchers);
    const fixture = withAnotherRelease(parse(readFileSync(join(ROOT, 'test/helm/dashboard.promtest.yaml'), 'utf8')) as PromTest & { tests: { promql_expr_test: { panel?: string; refId?: string; adapter?: boolean; expr?: string }[] }[] });
    const tested = new Set<string>();
    for (const t of fixture.tests) {
      t.promql_expr_test = t.promql_expr_test.map(({ panel, refId, adapter: isAdapter, ...check }) => {
        if (isAdapter === true) return { expr: adapterQuery, ...check };
        const key = `${panel} ${refId}`;
        const expr = queries.get(key);
        if (expr === undefined) throw new Error(`dashboard.promtest.yaml tests "${key}": the dashboard has no such panel query`);
        tested.add(key);
        return { expr, ...check };
      });
    }
    const dir = mkdtempSync(join(tmpdir(), 'lethe-dashboard-'));
    writeFileSync(join(dir, 'dashboard.promtest.yaml'), stringify(fixture));
    promtool(['test', 'rules', 'dashboard.promtest.yaml'], dir);
    expect([...queries.keys()].filter((k) => !tested.has(k))).toEqual([]);
  });

  it('reads one release: the ServiceMonitor labels each series with its release, and every selector of the alerts, the dashboard and the HPA names it', () => {
    const ha = render('ha');
    expect(dig(find(ha, 'ServiceMonitor', 'rel-lethe'), 'spec.endpoints.0.relabelings')).toContainEqual({ action: 'replace', targetLabel: 'release', replacement: 'rel' });
    expect(dig(find(ha, 'HorizontalPodAutoscaler', 'rel-lethe-worker-cpu'), 'spec.metrics.0.external.metric.selector.matchLabels')).toEqual({ release: 'rel' });
    const rules = (dig(find(ha, 'PrometheusRule', 'rel-lethe'), 'spec.groups.0.rules') as { expr: string }[]).map((r) => r.expr);
    const { panels } = JSON.parse(readFileSync(join(CHART, 'dashboards/lethe.json'), 'utf8')) as { panels: { targets: { expr: string }[] }[] };
    const selectors = (exprs: string[]): string[] => exprs.flatMap((e) => [...e.matchAll(/\blethe_[a-z_]+(\{[^}]*\})?/g)].map((m) => `${m[0]}`));
    const ruleSelectors = selectors(rules);
    const panelSelectors = selectors(panels.flatMap((p) => p.targets.map((t) => t.expr)));
    expect(ruleSelectors.length).toBeGreaterThan(10);
    expect(panelSelectors.length).toBeGreaterThan(15);
    expect(ruleSelectors.filter((s) => !/\{namespace="ml", release="rel"[,}]/.test(s))).toEqual([]);
    expect(panelSelectors.filter((s) => !/\{namespace="\$namespace",release="\$release"[,}]/.test(s))).toEqual([]);
  });

  it('names only metrics Lethe serves, in its alerts, dashboard, HPA and adapter rule (the promtool tests use the same names)', () => {
    const served = new Set([
      ...new CoordinatorMetrics({} as CoordinatorMetricsSources).registry.getMetricsAsArray().map((m) => m.name),
      ...new WorkerMetrics(() => ({ stage: 0, job: 0, free: 0, draining: false })).registry.getMetricsAsArray().map((m) => m.name),
    ]);
    const ha = render('ha');
    const texts = [
      JSON.stringify(dig(find(ha, 'PrometheusRule', 'rel-lethe'), 'spec.groups')),
      readFileSync(join(CHART, 'dashboards/lethe.json'), 'utf8'),
      JSON.stringify(dig(find(ha, 'HorizontalPodAutoscaler', 'rel-lethe-worker-cpu'), 'spec.metrics')),
      readFileSync(join(ROOT, 'deploy/prometheus-adapter/values.yaml'), 'utf8'),
      readFileSync(join(ROOT, 'test/helm/alerts.promtest.yaml'), 'utf8'),
      readFileSync(join(ROOT, 'test/helm/dashboard.promtest.yaml'), 'utf8'),
    ];
    // A histogram's series are its name plus _bucket, _count or _sum.
    const named = new Set(texts.flatMap((t) => [...t.matchAll(/\blethe_[a-z_]+/g)].map((m) => m[0].replace(/_(bucket|count|sum)$/, ''))));
    expect(named.size).toBeGreaterThan(10);
    expect([...named].filter((n) => !served.has(n))).toEqual([]);
  });

  it('lays the dashboard out on Grafana\'s 24-column grid without overlaps, each panel on the chosen data source', () => {
    type Panel = { title: string; gridPos: { x: number; y: number; w: number; h: number }; datasource?: { uid?: string }; targets: { refId: string }[] };
    const { panels } = JSON.parse(readFileSync(join(CHART, 'dashboards/lethe.json'), 'utf8')) as { panels: Panel[] };
    const cells = new Map<string, string>();
    for (const p of panels) {
      const { x, y, w, h } = p.gridPos;
      expect(w > 0 && h > 0 && x >= 0 && y >= 0 && x + w <= 24, `${p.title}: ${JSON.stringify(p.gridPos)}`).toBe(true);
      for (let i = x; i < x + w; i++) {
        for (let j = y; j < y + h; j++) {
          expect(cells.get(`${i},${j}`), `${p.title} overlaps`).toBeUndefined();
          cells.set(`${i},${j}`, p.title);
        }
      }
      expect(p.datasource?.uid).toBe('${datasource}');
      expect(new Set(p.targets.map((t) => t.refId)).size).toBe(p.targets.length);
    }
  });

  it('rejects bad values through the schema', () => {
    for (const [set, why] of [
      ['coordinator.replicas=0', /coordinator.replicas/],
      ['workers.iamge=x', /iamge/],
      ['workers.autoscaling.mode=sometimes', /autoscaling.mode/],
      ['etcd.replicas=2', /etcd.replicas/],
      ['workers.gpu.gpusPerWorker=0', /gpusPerWorker/],
      ['workers.batchCapacity=0', /batchCapacity/],
      ['workers.frozenCacheMiB=-1', /frozenCacheMiB/],
      ['coordinator.receiptKeySecret=Not_A_Name', /receiptKeySecret/],
    ] as const) {
      const r = run(['template', 'rel', '.', '--set', set]);
      expect(r.status, set).not.toBe(0);
      expect(r.out).toMatch(why);
    }
    const noEndpoints = run(['template', 'rel', '.', '--set', 'etcd.bundled=false']);
    expect(noEndpoints.status).not.toBe(0);
    expect(noEndpoints.out).toMatch(/etcd.endpoints is required/);
  });

  it('documents every value: the README table is the one generated from the schema', () => {
    const readme = readFileSync(join(CHART, 'README.md'), 'utf8');
    expect(readme.slice(readme.indexOf(BEGIN), readme.indexOf(END) + END.length)).toBe(generatedBlock());
  });
});
