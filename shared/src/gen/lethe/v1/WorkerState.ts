// Original file: lethe/v1/admin.proto

export const WorkerState = {
  WORKER_STATE_UNSPECIFIED: 'WORKER_STATE_UNSPECIFIED',
  WORKER_STATE_IDLE: 'WORKER_STATE_IDLE',
  WORKER_STATE_BUSY: 'WORKER_STATE_BUSY',
  WORKER_STATE_DRAINING: 'WORKER_STATE_DRAINING',
  WORKER_STATE_LOST: 'WORKER_STATE_LOST',
} as const;

export type WorkerState =
  | 'WORKER_STATE_UNSPECIFIED'
  | 0
  | 'WORKER_STATE_IDLE'
  | 1
  | 'WORKER_STATE_BUSY'
  | 2
  | 'WORKER_STATE_DRAINING'
  | 3
  | 'WORKER_STATE_LOST'
  | 4

export type WorkerState__Output = typeof WorkerState[keyof typeof WorkerState]
