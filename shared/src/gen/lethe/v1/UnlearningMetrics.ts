// Original file: lethe/v1/jobs.proto

import type { Long } from '@grpc/proto-loader';

export interface UnlearningMetrics {
  'unlearningAccuracy'?: (number | string);
  'retainAccuracy'?: (number | string);
  'testAccuracy'?: (number | string);
  'miaEfficacy'?: (number | string);
  'seconds'?: (number | string);
  'forgetMse'?: (number | string);
  'retainMse'?: (number | string);
  'testMse'?: (number | string);
  'samplePasses'?: (number | string | Long);
  'miaShadowAccuracy'?: (number | string);
  'forgetMae'?: (number | string);
  'retainMae'?: (number | string);
  'testMae'?: (number | string);
}

export interface UnlearningMetrics__Output {
  'unlearningAccuracy': (number);
  'retainAccuracy': (number);
  'testAccuracy': (number);
  'miaEfficacy': (number);
  'seconds': (number);
  'forgetMse': (number);
  'retainMse': (number);
  'testMse': (number);
  'samplePasses': (string);
  'miaShadowAccuracy': (number);
  'forgetMae': (number);
  'retainMae': (number);
  'testMae': (number);
}
