// Original file: lethe/v1/common.proto


export interface DatasetSpec {
  'builtin'?: (string);
  'uri'?: (string);
  'idColumn'?: (string);
  'labelColumn'?: (string);
  'publicFraction'?: (number | string);
  'source'?: "builtin"|"uri";
}

export interface DatasetSpec__Output {
  'builtin'?: (string);
  'uri'?: (string);
  'idColumn': (string);
  'labelColumn': (string);
  'publicFraction': (number);
  'source'?: "builtin"|"uri";
}
