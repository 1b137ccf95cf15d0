// Original file: lethe/v1/deletion.proto

export const DeletionState = {
  DELETION_STATE_UNSPECIFIED: 'DELETION_STATE_UNSPECIFIED',
  DELETION_STATE_ACKNOWLEDGED: 'DELETION_STATE_ACKNOWLEDGED',
  DELETION_STATE_RETRAINED: 'DELETION_STATE_RETRAINED',
  DELETION_STATE_PURGED: 'DELETION_STATE_PURGED',
} as const;

export type DeletionState =
  | 'DELETION_STATE_UNSPECIFIED'
  | 0
  | 'DELETION_STATE_ACKNOWLEDGED'
  | 1
  | 'DELETION_STATE_RETRAINED'
  | 2
  | 'DELETION_STATE_PURGED'
  | 3

export type DeletionState__Output = typeof DeletionState[keyof typeof DeletionState]
