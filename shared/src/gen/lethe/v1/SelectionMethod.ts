// Original file: lethe/v1/common.proto

export const SelectionMethod = {
  SELECTION_METHOD_UNSPECIFIED: 'SELECTION_METHOD_UNSPECIFIED',
  SELECTION_METHOD_CYCLIC: 'SELECTION_METHOD_CYCLIC',
  SELECTION_METHOD_BMS: 'SELECTION_METHOD_BMS',
} as const;

export type SelectionMethod =
  | 'SELECTION_METHOD_UNSPECIFIED'
  | 0
  | 'SELECTION_METHOD_CYCLIC'
  | 1
  | 'SELECTION_METHOD_BMS'
  | 2

export type SelectionMethod__Output = typeof SelectionMethod[keyof typeof SelectionMethod]
