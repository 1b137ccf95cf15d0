// Original file: lethe/v1/runs.proto


export interface ListRunsRequest {
  'pageSize'?: (number);
  'pageToken'?: (string);
  'maxStalenessMs'?: (number);
}

export interface ListRunsRequest__Output {
  'pageSize': (number);
  'pageToken': (string);
  'maxStalenessMs': (number);
}
