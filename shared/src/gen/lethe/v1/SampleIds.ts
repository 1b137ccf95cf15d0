// Original file: lethe/v1/jobs.proto


export interface SampleIds {
  'ids'?: (string)[];
}

export interface SampleIds__Output {
  'ids': (string)[];
}
