// Original file: lethe/v1/worker.proto


export interface SamplesDeleted {
  'run'?: (string);
  'shard'?: (number);
  'slice'?: (number);
  'sampleIds'?: (string)[];
}

export interface SamplesDeleted__Output {
  'run': (string);
  'shard': (number);
  'slice': (number);
  'sampleIds': (string)[];
}
