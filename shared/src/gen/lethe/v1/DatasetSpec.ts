// Original file: lethe/v1/common.proto

import type { TaskKind as _lethe_v1_TaskKind, TaskKind__Output as _lethe_v1_TaskKind__Output } from '../../lethe/v1/TaskKind.js';

export interface DatasetSpec {
  'builtin'?: (string);
  'uri'?: (string);
  'idColumn'?: (string);
  'labelColumn'?: (string);
  'publicFraction'?: (number | string);
  'testFraction'?: (number | string);
  'stride'?: (number);
  'samples'?: (number);
  'features'?: (number);
  'classes'?: (number);
  'task'?: (_lethe_v1_TaskKind);
  'sha256'?: (string);
  'source'?: "builtin"|"uri";
  '_publicFraction'?: "publicFraction";
  '_testFraction'?: "testFraction";
  '_stride'?: "stride";
  '_samples'?: "samples";
  '_features'?: "features";
  '_classes'?: "classes";
}

export interface DatasetSpec__Output {
  'builtin'?: (string);
  'uri'?: (string);
  'idColumn': (string);
  'labelColumn': (string);
  'publicFraction'?: (number);
  'testFraction'?: (number);
  'stride'?: (number);
  'samples'?: (number);
  'features'?: (number);
  'classes'?: (number);
  'task': (_lethe_v1_TaskKind__Output);
  'sha256': (string);
  'source'?: "builtin"|"uri";
  '_publicFraction'?: "publicFraction";
  '_testFraction'?: "testFraction";
  '_stride'?: "stride";
  '_samples'?: "samples";
  '_features'?: "features";
  '_classes'?: "classes";
}
