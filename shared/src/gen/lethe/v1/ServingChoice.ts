// Original file: lethe/v1/common.proto


export interface ServingChoice {
  'shard'?: (number);
  'live'?: (boolean);
  'ordering'?: (number);
  'depth'?: (number);
}

export interface ServingChoice__Output {
  'shard': (number);
  'live': (boolean);
  'ordering': (number);
  'depth': (number);
}
