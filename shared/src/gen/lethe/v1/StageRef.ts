// Original file: lethe/v1/common.proto


export interface StageRef {
  'shard'?: (number);
  'ordering'?: (number);
  'stage'?: (number);
}

export interface StageRef__Output {
  'shard': (number);
  'ordering': (number);
  'stage': (number);
}
