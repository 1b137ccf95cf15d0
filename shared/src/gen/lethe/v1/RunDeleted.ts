// Original file: lethe/v1/worker.proto


export interface RunDeleted {
  'run'?: (string);
}

export interface RunDeleted__Output {
  'run': (string);
}
