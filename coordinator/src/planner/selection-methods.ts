/** Sequence selection methods a plan can use (a module of its own: the CLI lists them without loading the planner). */
export const SELECTION_METHODS = ['cyclic', 'bms'] as const;
export type SelectionMethod = (typeof SELECTION_METHODS)[number];
