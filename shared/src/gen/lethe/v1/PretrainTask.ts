// Original file: lethe/v1/worker.proto


export interface PretrainTask {
  'run'?: (string);
  'runSpecJson'?: (string);
}

export interface PretrainTask__Output {
  'run': (string);
  'runSpecJson': (string);
}
