// Original file: lethe/v1/worker.proto


export interface Drain {
  'reason'?: (string);
  'lifted'?: (boolean);
}

export interface Drain__Output {
  'reason': (string);
  'lifted': (boolean);
}
