// Original file: lethe/v1/deletion.proto


export interface ListDeletionsRequest {
  'run'?: (string);
  'pageSize'?: (number);
  'pageToken'?: (string);
  'maxStalenessMs'?: (number);
}

export interface ListDeletionsRequest__Output {
  'run': (string);
  'pageSize': (number);
  'pageToken': (string);
  'maxStalenessMs': (number);
}
