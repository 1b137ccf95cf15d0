// Original file: lethe/v1/runs.proto

export const RetrainingScope = {
  RETRAINING_SCOPE_UNSPECIFIED: 'RETRAINING_SCOPE_UNSPECIFIED',
  RETRAINING_SCOPE_ALL: 'RETRAINING_SCOPE_ALL',
  RETRAINING_SCOPE_DEEPEST: 'RETRAINING_SCOPE_DEEPEST',
} as const;

export type RetrainingScope =
  | 'RETRAINING_SCOPE_UNSPECIFIED'
  | 0
  | 'RETRAINING_SCOPE_ALL'
  | 1
  | 'RETRAINING_SCOPE_DEEPEST'
  | 2

export type RetrainingScope__Output = typeof RetrainingScope[keyof typeof RetrainingScope]
