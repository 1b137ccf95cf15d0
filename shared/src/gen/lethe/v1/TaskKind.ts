// Original file: lethe/v1/common.proto

export const TaskKind = {
  TASK_KIND_UNSPECIFIED: 'TASK_KIND_UNSPECIFIED',
  TASK_KIND_CLASSIFICATION: 'TASK_KIND_CLASSIFICATION',
  TASK_KIND_REGRESSION: 'TASK_KIND_REGRESSION',
} as const;

export type TaskKind =
  | 'TASK_KIND_UNSPECIFIED'
  | 0
  | 'TASK_KIND_CLASSIFICATION'
  | 1
  | 'TASK_KIND_REGRESSION'
  | 2

export type TaskKind__Output = typeof TaskKind[keyof typeof TaskKind]
