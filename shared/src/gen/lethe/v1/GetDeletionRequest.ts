// Original file: lethe/v1/deletion.proto


export interface GetDeletionRequest {
  'name'?: (string);
}

export interface GetDeletionRequest__Output {
  'name': (string);
}
