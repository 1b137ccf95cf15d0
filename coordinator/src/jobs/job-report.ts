import { gapTo } from '../../../shared/src/ml/unlearning/gap.js';

/** One finished job as reports see it. */
export interface ReportRow {
  readonly job: string;
  readonly method: string;
  readonly model: string;
  /** Jobs with the same model and forget set compare with each other (and with that set's Retrain job). */
  readonly scenario: string;
  readonly ua: number;
  readonly ra: number;
  readonly ta: number;
  readonly mia: number;
  readonly seconds: number;
  readonly samplePasses: number;
}

export interface ReportLine extends ReportRow {
  /** Mean absolute difference to Retrain's UA, RA, TA and MIA; null without a Retrain job of the scenario. */
  readonly avgGap: number | null;
  /** RTE relative to Retrain's (seconds). */
  readonly rteRatio: number | null;
}

/** A forget set's identity: the class, or the digest of its id list with the count. */
export function scenarioKey(model: string, forget: { classLabel?: number; list?: string }, count: number): string {
  if (forget.classLabel !== undefined) return `${model} class ${forget.classLabel}`;
  return `${model} ${count} ids ${(forget.list ?? '').slice(0, 8)}`;
}

/** Every row with its gap to the Retrain job of the same scenario (the latest one when there are several). */
export function withGaps(rows: readonly ReportRow[]): ReportLine[] {
  const retrain = new Map<string, ReportRow>();
  for (const r of rows) if (r.method === 'retrain') retrain.set(r.scenario, r);
  return rows.map((r) => {
    const ref = retrain.get(r.scenario);
    return { ...r, avgGap: ref === undefined ? null : gapTo(ref, r).avg, rteRatio: ref === undefined || ref.seconds === 0 ? null : r.seconds / ref.seconds };
  });
}
