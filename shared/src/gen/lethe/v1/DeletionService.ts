// Original file: lethe/v1/deletion.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { DeleteSamplesRequest as _lethe_v1_DeleteSamplesRequest, DeleteSamplesRequest__Output as _lethe_v1_DeleteSamplesRequest__Output } from '../../lethe/v1/DeleteSamplesRequest.js';
import type { Deletion as _lethe_v1_Deletion, Deletion__Output as _lethe_v1_Deletion__Output } from '../../lethe/v1/Deletion.js';
import type { DeletionReceipt as _lethe_v1_DeletionReceipt, DeletionReceipt__Output as _lethe_v1_DeletionReceipt__Output } from '../../lethe/v1/DeletionReceipt.js';
import type { GetDeletionRequest as _lethe_v1_GetDeletionRequest, GetDeletionRequest__Output as _lethe_v1_GetDeletionRequest__Output } from '../../lethe/v1/GetDeletionRequest.js';
import type { GetReceiptKeyRequest as _lethe_v1_GetReceiptKeyRequest, GetReceiptKeyRequest__Output as _lethe_v1_GetReceiptKeyRequest__Output } from '../../lethe/v1/GetReceiptKeyRequest.js';
import type { ListDeletionsRequest as _lethe_v1_ListDeletionsRequest, ListDeletionsRequest__Output as _lethe_v1_ListDeletionsRequest__Output } from '../../lethe/v1/ListDeletionsRequest.js';
import type { ListDeletionsResponse as _lethe_v1_ListDeletionsResponse, ListDeletionsResponse__Output as _lethe_v1_ListDeletionsResponse__Output } from '../../lethe/v1/ListDeletionsResponse.js';
import type { ReceiptKey as _lethe_v1_ReceiptKey, ReceiptKey__Output as _lethe_v1_ReceiptKey__Output } from '../../lethe/v1/ReceiptKey.js';
import type { SampleLocation as _lethe_v1_SampleLocation, SampleLocation__Output as _lethe_v1_SampleLocation__Output } from '../../lethe/v1/SampleLocation.js';
import type { WhereIsRequest as _lethe_v1_WhereIsRequest, WhereIsRequest__Output as _lethe_v1_WhereIsRequest__Output } from '../../lethe/v1/WhereIsRequest.js';

export interface DeletionServiceClient extends grpc.Client {
  DeleteSamples(argument: _lethe_v1_DeleteSamplesRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_lethe_v1_DeletionReceipt__Output>): grpc.ClientUnaryCall;
  DeleteSamples(argument: _lethe_v1_DeleteSamplesRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_lethe_v1_DeletionReceipt__Output>): grpc.ClientUnaryCall;
  DeleteSamples(argument: _lethe_v1_DeleteSamplesRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_lethe_v1_DeletionReceipt__Output>): grpc.ClientUnaryCall;
  DeleteSamples(argument: _lethe_v1_DeleteSamplesRequest, callback: grpc.requestCallback<_lethe_v1_DeletionReceipt__Output>): grpc.ClientUnaryCall;
  deleteSamples(argument: _lethe_v1_DeleteSamplesRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_lethe_v1_DeletionReceipt__Output>): grpc.ClientUnaryCall;
  deleteSamples(argument: _lethe_v1_DeleteSamplesRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_lethe_v1_DeletionReceipt__Output>): grpc.ClientUnaryCall;
  deleteSamples(argument: _lethe_v1_DeleteSamplesRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_lethe_v1_DeletionReceipt__Output>): grpc.ClientUnaryCall;
  deleteSamples(argument: _lethe_v1_DeleteSamplesRequest, callback: grpc.requestCallback<_lethe_v1_DeletionReceipt__Output>): grpc.ClientUnaryCall;
  
  GetDeletion(argument: _lethe_v1_GetDeletionRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_lethe_v1_Deletion__Output>): grpc.ClientUnaryCall;
  GetDeletion(argument: _lethe_v1_GetDeletionRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_lethe_v1_Deletion__Output>): grpc.ClientUnaryCall;
  GetDeletion(argument: _lethe_v1_GetDeletionRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_lethe_v1_Deletion__Output>): grpc.ClientUnaryCall;
  GetDeletion(argument: _lethe_v1_GetDeletionRequest, callback: grpc.requestCallback<_lethe_v1_Deletion__Output>): grpc.ClientUnaryCall;
  getDeletion(argument: _lethe_v1_GetDeletionRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_lethe_v1_Deletion__Output>): grpc.ClientUnaryCall;
  getDeletion(argument: _lethe_v1_GetDeletionRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_lethe_v1_Deletion__Output>): grpc.ClientUnaryCall;
  getDeletion(argument: _lethe_v1_GetDeletionRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_lethe_v1_Deletion__Output>): grpc.ClientUnaryCall;
  getDeletion(argument: _lethe_v1_GetDeletionRequest, callback: grpc.requestCallback<_lethe_v1_Deletion__Output>): grpc.ClientUnaryCall;
  
  GetReceiptKey(argument: _lethe_v1_GetReceiptKeyRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_lethe_v1_ReceiptKey__Output>): grpc.ClientUnaryCall;
  GetReceiptKey(argument: _lethe_v1_GetReceiptKeyRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_lethe_v1_ReceiptKey__Output>): grpc.ClientUnaryCall;
  GetReceiptKey(argument: _lethe_v1_GetReceiptKeyRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_lethe_v1_ReceiptKey__Output>): grpc.ClientUnaryCall;
  GetReceiptKey(argument: _lethe_v1_GetReceiptKeyRequest, callback: grpc.requestCallback<_lethe_v1_ReceiptKey__Output>): grpc.ClientUnaryCall;
  getReceiptKey(argument: _lethe_v1_GetReceiptKeyRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_lethe_v1_ReceiptKey__Output>): grpc.ClientUnaryCall;
  getReceiptKey(argument: _lethe_v1_GetReceiptKeyRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_lethe_v1_ReceiptKey__Output>): grpc.ClientUnaryCall;
  getReceiptKey(argument: _lethe_v1_GetReceiptKeyRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_lethe_v1_ReceiptKey__Output>): grpc.ClientUnaryCall;
  getReceiptKey(argument: _lethe_v1_GetReceiptKeyRequest, callback: grpc.requestCallback<_lethe_v1_ReceiptKey__Output>): grpc.ClientUnaryCall;
  
  ListDeletions(argument: _lethe_v1_ListDeletionsRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_lethe_v1_ListDeletionsResponse__Output>): grpc.ClientUnaryCall;
  ListDeletions(argument: _lethe_v1_ListDeletionsRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_lethe_v1_ListDeletionsResponse__Output>): grpc.ClientUnaryCall;
  ListDeletions(argument: _lethe_v1_ListDeletionsRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_lethe_v1_ListDeletionsResponse__Output>): grpc.ClientUnaryCall;
  ListDeletions(argument: _lethe_v1_ListDeletionsRequest, callback: grpc.requestCallback<_lethe_v1_ListDeletionsResponse__Output>): grpc.ClientUnaryCall;
  listDeletions(argument: _lethe_v1_ListDeletionsRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_lethe_v1_ListDeletionsResponse__Output>): grpc.ClientUnaryCall;
  listDeletions(argument: _lethe_v1_ListDeletionsRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_lethe_v1_ListDeletionsResponse__Output>): grpc.ClientUnaryCall;
  listDeletions(argument: _lethe_v1_ListDeletionsRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_lethe_v1_ListDeletionsResponse__Output>): grpc.ClientUnaryCall;
  listDeletions(argument: _lethe_v1_ListDeletionsRequest, callback: grpc.requestCallback<_lethe_v1_ListDeletionsResponse__Output>): grpc.ClientUnaryCall;
  
  WhereIs(argument: _lethe_v1_WhereIsRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_lethe_v1_SampleLocation__Output>): grpc.ClientUnaryCall;
  WhereIs(argument: _lethe_v1_WhereIsRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_lethe_v1_SampleLocation__Output>): grpc.ClientUnaryCall;
  WhereIs(argument: _lethe_v1_WhereIsRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_lethe_v1_SampleLocation__Output>): grpc.ClientUnaryCall;
  WhereIs(argument: _lethe_v1_WhereIsRequest, callback: grpc.requestCallback<_lethe_v1_SampleLocation__Output>): grpc.ClientUnaryCall;
  whereIs(argument: _lethe_v1_WhereIsRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_lethe_v1_SampleLocation__Output>): grpc.ClientUnaryCall;
  whereIs(argument: _lethe_v1_WhereIsRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_lethe_v1_SampleLocation__Output>): grpc.ClientUnaryCall;
  whereIs(argument: _lethe_v1_WhereIsRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_lethe_v1_SampleLocation__Output>): grpc.ClientUnaryCall;
  whereIs(argument: _lethe_v1_WhereIsRequest, callback: grpc.requestCallback<_lethe_v1_SampleLocation__Output>): grpc.ClientUnaryCall;
  
}

export interface DeletionServiceHandlers extends grpc.UntypedServiceImplementation {
  DeleteSamples: grpc.handleUnaryCall<_lethe_v1_DeleteSamplesRequest__Output, _lethe_v1_DeletionReceipt>;
  
  GetDeletion: grpc.handleUnaryCall<_lethe_v1_GetDeletionRequest__Output, _lethe_v1_Deletion>;
  
  GetReceiptKey: grpc.handleUnaryCall<_lethe_v1_GetReceiptKeyRequest__Output, _lethe_v1_ReceiptKey>;
  
  ListDeletions: grpc.handleUnaryCall<_lethe_v1_ListDeletionsRequest__Output, _lethe_v1_ListDeletionsResponse>;
  
  WhereIs: grpc.handleUnaryCall<_lethe_v1_WhereIsRequest__Output, _lethe_v1_SampleLocation>;
  
}

export interface DeletionServiceDefinition extends grpc.ServiceDefinition {
  DeleteSamples: MethodDefinition<_lethe_v1_DeleteSamplesRequest, _lethe_v1_DeletionReceipt, _lethe_v1_DeleteSamplesRequest__Output, _lethe_v1_DeletionReceipt__Output>
  GetDeletion: MethodDefinition<_lethe_v1_GetDeletionRequest, _lethe_v1_Deletion, _lethe_v1_GetDeletionRequest__Output, _lethe_v1_Deletion__Output>
  GetReceiptKey: MethodDefinition<_lethe_v1_GetReceiptKeyRequest, _lethe_v1_ReceiptKey, _lethe_v1_GetReceiptKeyRequest__Output, _lethe_v1_ReceiptKey__Output>
  ListDeletions: MethodDefinition<_lethe_v1_ListDeletionsRequest, _lethe_v1_ListDeletionsResponse, _lethe_v1_ListDeletionsRequest__Output, _lethe_v1_ListDeletionsResponse__Output>
  WhereIs: MethodDefinition<_lethe_v1_WhereIsRequest, _lethe_v1_SampleLocation, _lethe_v1_WhereIsRequest__Output, _lethe_v1_SampleLocation__Output>
}
