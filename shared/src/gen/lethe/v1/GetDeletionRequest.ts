// Original file: lethe/v1/deletion.proto


export interface GetDeletionRequest {
  'name'?: (string);
  'maxStalenessMs'?: (number);
}

export interface GetDeletionRequest__Output {
  'name': (string);
  'maxStalenessMs': (number);
}
