// Original file: lethe/v1/deletion.proto


export interface ShardImpact {
  'shard'?: (number);
  'taintedSlices'?: (number)[];
  'newlyTaintedSlices'?: (number)[];
}

export interface ShardImpact__Output {
  'shard': (number);
  'taintedSlices': (number)[];
  'newlyTaintedSlices': (number)[];
}
