import { escapeHtml as esc, svg } from './html.js';
import type { ReportLine } from '../../coordinator/src/jobs/job-report.js';

type Figures = Pick<ReportLine, 'method' | 'ua' | 'ra' | 'ta' | 'mia' | 'seconds' | 'samplePasses' | 'avgGap'>;

type Suite = { ua: number; ra: number; ta: number; mia: number };
interface RegressionRow {
  forgetTestMae: number;
  retainTestMae: number;
  wasserstein: number;
  ain: number | null;
  mia: number;
}

export interface UnlearnReport {
  readonly scenarios: readonly { dataset: string; kind: string; forgetCount: number; original: { ua: number; ra: number; ta: number; mia: number; miaShadowAccuracy: number }; methods: readonly Figures[] }[];
  readonly iauGr: { alpha: number } & Record<'plain' | 'restricted', { original: Suite; iau: Figures; retrain: Figures }>;
  readonly regression: readonly { dataset: string; cohort: string; forgetCount: number; original: RegressionRow; methods: readonly (RegressionRow & { method: string; seconds: number; samplePasses: number })[] }[];
  readonly parallel: { sequentialSeconds: number; parallelSeconds: number; ratio: number } | null;
  readonly backend: string;
  readonly epochs: number;
  readonly quick: boolean;
}


/** One HTML page: per scenario a metric chart and a table; then avg. gap against RTE; then parallelism. */
export async function htmlReport(r: UnlearnReport): Promise<string> {
  const parts: string[] = [];
  for (const s of r.scenarios) {
    const values = s.methods.flatMap((m) => (['ua', 'ra', 'ta', 'mia'] as const).map((k) => ({ method: m.method, metric: k.toUpperCase(), value: m[k] })));
    const chart = await svg({
      $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
      title: `${s.dataset}, ${s.kind} forgetting: metrics per method (%)`,
      data: { values },
      mark: 'bar',
      encoding: {
        x: { field: 'method', type: 'nominal', title: null },
        xOffset: { field: 'metric' },
        y: { field: 'value', type: 'quantitative', title: '%', scale: { domain: [0, 100] } },
        color: { field: 'metric', type: 'nominal' },
      },
      width: 520,
      height: 220,
    });
    const gap = await svg({
      $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
      title: `${s.dataset}, ${s.kind}: avg. gap to Retrain against run time`,
      data: { values: s.methods.filter((m) => m.avgGap !== null).map((m) => ({ method: m.method, seconds: Math.max(m.seconds, 1e-3), gap: m.avgGap })) },
      layer: [
        { mark: { type: 'point', filled: true, size: 80 }, encoding: { x: { field: 'seconds', type: 'quantitative', scale: { type: 'log' }, title: 'RTE (s, log)' }, y: { field: 'gap', type: 'quantitative', title: 'avg. gap (points)' } } },
        { mark: { type: 'text', dx: 8, align: 'left' }, encoding: { x: { field: 'seconds', type: 'quantitative', scale: { type: 'log' } }, y: { field: 'gap', type: 'quantitative' }, text: { field: 'method' } } },
      ],
      width: 420,
      height: 220,
    });
    const rows = s.methods
      .map((m) => `<tr><td>${esc(m.method)}</td>${[m.ua, m.ra, m.ta, m.mia].map((x) => `<td>${x.toFixed(1)}</td>`).join('')}<td>${m.seconds.toFixed(2)}</td><td>${m.samplePasses}</td><td>${m.avgGap === null ? '' : m.avgGap.toFixed(2)}</td></tr>`)
      .join('\n');
    const o = s.original;
    parts.push(`<h2>${esc(s.dataset)}, ${esc(s.kind)} forgetting (${s.forgetCount} samples)</h2>
<p>Original model: UA ${o.ua.toFixed(1)}, RA ${o.ra.toFixed(1)}, TA ${o.ta.toFixed(1)}, MIA ${o.mia.toFixed(1)}; the attack's accuracy on its own shadow data ${o.miaShadowAccuracy.toFixed(1)} %${o.miaShadowAccuracy < 60 ? ' (below 60 %: the attack barely separates members from test samples, so MIA figures here are inconclusive)' : ''}.</p>
${chart}
${gap}
<table><thead><tr><th>method</th><th>UA</th><th>RA</th><th>TA</th><th>MIA</th><th>RTE s</th><th>sample-passes</th><th>avg. gap</th></tr></thead><tbody>
${rows}
</tbody></table>`);
  }
  const g = r.iauGr;
  const suiteCells = (m: Suite): string => [m.ua, m.ra, m.ta, m.mia].map((x) => `<td>${x.toFixed(1)}</td>`).join('');
  parts.push(`<h2>IAU on a gradient-restricted original (MNIST, random forgetting)</h2>
<p>IAU's claim: training the original with the gradient-restriction penalty (α = ${g.alpha}) makes its one unlearning step a better approximation. Each IAU job is compared with the Retrain job of its own original.</p>
<table><thead><tr><th>original</th><th>model</th><th>UA</th><th>RA</th><th>TA</th><th>MIA</th><th>avg. gap to its Retrain</th></tr></thead><tbody>
${(['plain', 'restricted'] as const)
  .map((k) => `<tr><td>${k}</td><td>original</td>${suiteCells(g[k].original)}<td></td></tr><tr><td>${k}</td><td>iau</td>${suiteCells(g[k].iau)}<td>${g[k].iau.avgGap?.toFixed(2) ?? ''}</td></tr><tr><td>${k}</td><td>retrain</td>${suiteCells(g[k].retrain)}<td>0</td></tr>`)
  .join('\n')}
</tbody></table>`);
  for (const s of r.regression) {
    const rows = [{ method: 'original', ...s.original, seconds: Number.NaN, samplePasses: Number.NaN }, ...s.methods];
    const chart = await svg({
      $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
      title: `${s.dataset}: forget-cohort error and distance to Retrain`,
      data: { values: rows.flatMap((m) => [{ method: m.method, measure: 'forget-test MAE', value: m.forgetTestMae }, { method: m.method, measure: 'retain-test MAE', value: m.retainTestMae }, { method: m.method, measure: 'W to Retrain', value: m.wasserstein }]) },
      mark: 'bar',
      encoding: { x: { field: 'method', type: 'nominal', title: null }, xOffset: { field: 'measure' }, y: { field: 'value', type: 'quantitative', title: 'target standard deviations' }, color: { field: 'measure', type: 'nominal' } },
      width: 420,
      height: 220,
    });
    parts.push(`<h2>${esc(s.dataset)}: forget the ${esc(s.cohort)} (${s.forgetCount} samples)</h2>
<p>Deep Regression Unlearning's read-outs, errors in units of the target's standard deviation: cohort MAE on the test split, the Wasserstein distance of the forget-set predictions to Retrain's (lower is closer), the loss-feature MIA (% of D_f called non-members; compare with Retrain), the Anamnesis Index (relearn steps to the original's forget loss, relative to Retrain's; ≈ 1 ideal, ≪ 1 the cohort comes back fast).</p>
${chart}
<table><thead><tr><th>model</th><th>forget-test MAE</th><th>retain-test MAE</th><th>W</th><th>MIA</th><th>AIN</th><th>RTE s</th><th>sample-passes</th></tr></thead><tbody>
${rows.map((m) => `<tr><td>${esc(m.method)}</td><td>${m.forgetTestMae.toFixed(3)}</td><td>${m.retainTestMae.toFixed(3)}</td><td>${m.wasserstein.toFixed(3)}</td><td>${m.mia.toFixed(1)}</td><td>${m.method === 'retrain' || m.method === 'original' ? '' : m.ain === null ? '– (Retrain did not relearn within 10 epochs)' : m.ain.toFixed(2)}</td><td>${Number.isNaN(m.seconds) ? '' : m.seconds.toFixed(2)}</td><td>${Number.isNaN(m.samplePasses) ? '' : m.samplePasses}</td></tr>`).join('\n')}
</tbody></table>`);
  }
  const p = r.parallel;
  return `<!doctype html><html><head><meta charset="utf-8"><title>Lethe: approximate unlearning benchmark</title>
<style>body{font-family:sans-serif;max-width:1000px;margin:2em auto}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:2px 8px;text-align:right}td:first-child{text-align:left}</style></head><body>
<h1>Approximate unlearning: methods as jobs</h1>
<p>Every method ran as a job through the coordinator, the work queue and the workers (backend ${esc(r.backend)}; the original's recipe ${r.epochs} epochs; ${r.quick ? 'quick' : 'full'} run). UA = 100 − forget accuracy, RA = retain accuracy, TA = test accuracy (without the forgotten class in class-wise forgetting), MIA = share of the forget set a confidence-feature RBF SVC (C = 3) calls non-members, RTE = the method's own seconds, avg. gap = mean |difference| to Retrain over UA, RA, TA, MIA. Defaults only: nothing is tuned per scenario.</p>
${parts.join('\n')}
${p === null ? '' : `<h2>Parallelism</h2><p>Four FT jobs one after another: ${p.sequentialSeconds.toFixed(1)} s; all four at once on two single-slot workers: ${p.parallelSeconds.toFixed(1)} s (ratio ${p.ratio.toFixed(2)}).</p>`}
</body></html>
`;
}
