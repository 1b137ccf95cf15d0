// Original file: lethe/v1/jobs.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { CancelUnlearningJobRequest as _lethe_v1_CancelUnlearningJobRequest, CancelUnlearningJobRequest__Output as _lethe_v1_CancelUnlearningJobRequest__Output } from '../../lethe/v1/CancelUnlearningJobRequest.js';
import type { GetUnlearningJobRequest as _lethe_v1_GetUnlearningJobRequest, GetUnlearningJobRequest__Output as _lethe_v1_GetUnlearningJobRequest__Output } from '../../lethe/v1/GetUnlearningJobRequest.js';
import type { ListUnlearningJobsRequest as _lethe_v1_ListUnlearningJobsRequest, ListUnlearningJobsRequest__Output as _lethe_v1_ListUnlearningJobsRequest__Output } from '../../lethe/v1/ListUnlearningJobsRequest.js';
import type { ListUnlearningJobsResponse as _lethe_v1_ListUnlearningJobsResponse, ListUnlearningJobsResponse__Output as _lethe_v1_ListUnlearningJobsResponse__Output } from '../../lethe/v1/ListUnlearningJobsResponse.js';
import type { Operation as _google_longrunning_Operation, Operation__Output as _google_longrunning_Operation__Output } from '../../google/longrunning/Operation.js';
import type { SubmitUnlearningJobRequest as _lethe_v1_SubmitUnlearningJobRequest, SubmitUnlearningJobRequest__Output as _lethe_v1_SubmitUnlearningJobRequest__Output } from '../../lethe/v1/SubmitUnlearningJobRequest.js';
import type { UnlearningJob as _lethe_v1_UnlearningJob, UnlearningJob__Output as _lethe_v1_UnlearningJob__Output } from '../../lethe/v1/UnlearningJob.js';

export interface UnlearningJobServiceClient extends grpc.Client {
  CancelUnlearningJob(argument: _lethe_v1_CancelUnlearningJobRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_lethe_v1_UnlearningJob__Output>): grpc.ClientUnaryCall;
  CancelUnlearningJob(argument: _lethe_v1_CancelUnlearningJobRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_lethe_v1_UnlearningJob__Output>): grpc.ClientUnaryCall;
  CancelUnlearningJob(argument: _lethe_v1_CancelUnlearningJobRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_lethe_v1_UnlearningJob__Output>): grpc.ClientUnaryCall;
  CancelUnlearningJob(argument: _lethe_v1_CancelUnlearningJobRequest, callback: grpc.requestCallback<_lethe_v1_UnlearningJob__Output>): grpc.ClientUnaryCall;
  cancelUnlearningJob(argument: _lethe_v1_CancelUnlearningJobRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_lethe_v1_UnlearningJob__Output>): grpc.ClientUnaryCall;
  cancelUnlearningJob(argument: _lethe_v1_CancelUnlearningJobRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_lethe_v1_UnlearningJob__Output>): grpc.ClientUnaryCall;
  cancelUnlearningJob(argument: _lethe_v1_CancelUnlearningJobRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_lethe_v1_UnlearningJob__Output>): grpc.ClientUnaryCall;
  cancelUnlearningJob(argument: _lethe_v1_CancelUnlearningJobRequest, callback: grpc.requestCallback<_lethe_v1_UnlearningJob__Output>): grpc.ClientUnaryCall;
  
  GetUnlearningJob(argument: _lethe_v1_GetUnlearningJobRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_lethe_v1_UnlearningJob__Output>): grpc.ClientUnaryCall;
  GetUnlearningJob(argument: _lethe_v1_GetUnlearningJobRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_lethe_v1_UnlearningJob__Output>): grpc.ClientUnaryCall;
  GetUnlearningJob(argument: _lethe_v1_GetUnlearningJobRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_lethe_v1_UnlearningJob__Output>): grpc.ClientUnaryCall;
  GetUnlearningJob(argument: _lethe_v1_GetUnlearningJobRequest, callback: grpc.requestCallback<_lethe_v1_UnlearningJob__Output>): grpc.ClientUnaryCall;
  getUnlearningJob(argument: _lethe_v1_GetUnlearningJobRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_lethe_v1_UnlearningJob__Output>): grpc.ClientUnaryCall;
  getUnlearningJob(argument: _lethe_v1_GetUnlearningJobRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_lethe_v1_UnlearningJob__Output>): grpc.ClientUnaryCall;
  getUnlearningJob(argument: _lethe_v1_GetUnlearningJobRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_lethe_v1_UnlearningJob__Output>): grpc.ClientUnaryCall;
  getUnlearningJob(argument: _lethe_v1_GetUnlearningJobRequest, callback: grpc.requestCallback<_lethe_v1_UnlearningJob__Output>): grpc.ClientUnaryCall;
  
  ListUnlearningJobs(argument: _lethe_v1_ListUnlearningJobsRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_lethe_v1_ListUnlearningJobsResponse__Output>): grpc.ClientUnaryCall;
  ListUnlearningJobs(argument: _lethe_v1_ListUnlearningJobsRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_lethe_v1_ListUnlearningJobsResponse__Output>): grpc.ClientUnaryCall;
  ListUnlearningJobs(argument: _lethe_v1_ListUnlearningJobsRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_lethe_v1_ListUnlearningJobsResponse__Output>): grpc.ClientUnaryCall;
  ListUnlearningJobs(argument: _lethe_v1_ListUnlearningJobsRequest, callback: grpc.requestCallback<_lethe_v1_ListUnlearningJobsResponse__Output>): grpc.ClientUnaryCall;
  listUnlearningJobs(argument: _lethe_v1_ListUnlearningJobsRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_lethe_v1_ListUnlearningJobsResponse__Output>): grpc.ClientUnaryCall;
  listUnlearningJobs(argument: _lethe_v1_ListUnlearningJobsRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_lethe_v1_ListUnlearningJobsResponse__Output>): grpc.ClientUnaryCall;
  listUnlearningJobs(argument: _lethe_v1_ListUnlearningJobsRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_lethe_v1_ListUnlearningJobsResponse__Output>): grpc.ClientUnaryCall;
  listUnlearningJobs(argument: _lethe_v1_ListUnlearningJobsRequest, callback: grpc.requestCallback<_lethe_v1_ListUnlearningJobsResponse__Output>): grpc.ClientUnaryCall;
  
  SubmitUnlearningJob(argument: _lethe_v1_SubmitUnlearningJobRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_google_longrunning_Operation__Output>): grpc.ClientUnaryCall;
  SubmitUnlearningJob(argument: _lethe_v1_SubmitUnlearningJobRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_google_longrunning_Operation__Output>): grpc.ClientUnaryCall;
  SubmitUnlearningJob(argument: _lethe_v1_SubmitUnlearningJobRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_google_longrunning_Operation__Output>): grpc.ClientUnaryCall;
  SubmitUnlearningJob(argument: _lethe_v1_SubmitUnlearningJobRequest, callback: grpc.requestCallback<_google_longrunning_Operation__Output>): grpc.ClientUnaryCall;
  submitUnlearningJob(argument: _lethe_v1_SubmitUnlearningJobRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_google_longrunning_Operation__Output>): grpc.ClientUnaryCall;
  submitUnlearningJob(argument: _lethe_v1_SubmitUnlearningJobRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_google_longrunning_Operation__Output>): grpc.ClientUnaryCall;
  submitUnlearningJob(argument: _lethe_v1_SubmitUnlearningJobRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_google_longrunning_Operation__Output>): grpc.ClientUnaryCall;
  submitUnlearningJob(argument: _lethe_v1_SubmitUnlearningJobRequest, callback: grpc.requestCallback<_google_longrunning_Operation__Output>): grpc.ClientUnaryCall;
  
}

export interface UnlearningJobServiceHandlers extends grpc.UntypedServiceImplementation {
  CancelUnlearningJob: grpc.handleUnaryCall<_lethe_v1_CancelUnlearningJobRequest__Output, _lethe_v1_UnlearningJob>;
  
  GetUnlearningJob: grpc.handleUnaryCall<_lethe_v1_GetUnlearningJobRequest__Output, _lethe_v1_UnlearningJob>;
  
  ListUnlearningJobs: grpc.handleUnaryCall<_lethe_v1_ListUnlearningJobsRequest__Output, _lethe_v1_ListUnlearningJobsResponse>;
  
  SubmitUnlearningJob: grpc.handleUnaryCall<_lethe_v1_SubmitUnlearningJobRequest__Output, _google_longrunning_Operation>;
  
}

export interface UnlearningJobServiceDefinition extends grpc.ServiceDefinition {
  CancelUnlearningJob: MethodDefinition<_lethe_v1_CancelUnlearningJobRequest, _lethe_v1_UnlearningJob, _lethe_v1_CancelUnlearningJobRequest__Output, _lethe_v1_UnlearningJob__Output>
  GetUnlearningJob: MethodDefinition<_lethe_v1_GetUnlearningJobRequest, _lethe_v1_UnlearningJob, _lethe_v1_GetUnlearningJobRequest__Output, _lethe_v1_UnlearningJob__Output>
  ListUnlearningJobs: MethodDefinition<_lethe_v1_ListUnlearningJobsRequest, _lethe_v1_ListUnlearningJobsResponse, _lethe_v1_ListUnlearningJobsRequest__Output, _lethe_v1_ListUnlearningJobsResponse__Output>
  SubmitUnlearningJob: MethodDefinition<_lethe_v1_SubmitUnlearningJobRequest, _google_longrunning_Operation, _lethe_v1_SubmitUnlearningJobRequest__Output, _google_longrunning_Operation__Output>
}
