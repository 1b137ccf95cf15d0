import type * as grpc from '@grpc/grpc-js';
import type { EnumTypeDefinition, MessageTypeDefinition } from '@grpc/proto-loader';

import type { Timestamp as _google_protobuf_Timestamp, Timestamp__Output as _google_protobuf_Timestamp__Output } from './google/protobuf/Timestamp.js';
import type { AdminServiceClient as _lethe_v1_AdminServiceClient, AdminServiceDefinition as _lethe_v1_AdminServiceDefinition } from './lethe/v1/AdminService.js';
import type { CreateTokenRequest as _lethe_v1_CreateTokenRequest, CreateTokenRequest__Output as _lethe_v1_CreateTokenRequest__Output } from './lethe/v1/CreateTokenRequest.js';
import type { CreatedToken as _lethe_v1_CreatedToken, CreatedToken__Output as _lethe_v1_CreatedToken__Output } from './lethe/v1/CreatedToken.js';
import type { DrainWorkerRequest as _lethe_v1_DrainWorkerRequest, DrainWorkerRequest__Output as _lethe_v1_DrainWorkerRequest__Output } from './lethe/v1/DrainWorkerRequest.js';
import type { ListTokensRequest as _lethe_v1_ListTokensRequest, ListTokensRequest__Output as _lethe_v1_ListTokensRequest__Output } from './lethe/v1/ListTokensRequest.js';
import type { ListTokensResponse as _lethe_v1_ListTokensResponse, ListTokensResponse__Output as _lethe_v1_ListTokensResponse__Output } from './lethe/v1/ListTokensResponse.js';
import type { ListWorkersRequest as _lethe_v1_ListWorkersRequest, ListWorkersRequest__Output as _lethe_v1_ListWorkersRequest__Output } from './lethe/v1/ListWorkersRequest.js';
import type { ListWorkersResponse as _lethe_v1_ListWorkersResponse, ListWorkersResponse__Output as _lethe_v1_ListWorkersResponse__Output } from './lethe/v1/ListWorkersResponse.js';
import type { RevokeTokenRequest as _lethe_v1_RevokeTokenRequest, RevokeTokenRequest__Output as _lethe_v1_RevokeTokenRequest__Output } from './lethe/v1/RevokeTokenRequest.js';
import type { TokenInfo as _lethe_v1_TokenInfo, TokenInfo__Output as _lethe_v1_TokenInfo__Output } from './lethe/v1/TokenInfo.js';
import type { UndrainWorkerRequest as _lethe_v1_UndrainWorkerRequest, UndrainWorkerRequest__Output as _lethe_v1_UndrainWorkerRequest__Output } from './lethe/v1/UndrainWorkerRequest.js';
import type { WorkerInfo as _lethe_v1_WorkerInfo, WorkerInfo__Output as _lethe_v1_WorkerInfo__Output } from './lethe/v1/WorkerInfo.js';
import type { WorkerTask as _lethe_v1_WorkerTask, WorkerTask__Output as _lethe_v1_WorkerTask__Output } from './lethe/v1/WorkerTask.js';

type SubtypeConstructor<Constructor extends new (...args: any) => any, Subtype> = {
  new(...args: ConstructorParameters<Constructor>): Subtype;
};

export interface ProtoGrpcType {
  google: {
    protobuf: {
      Timestamp: MessageTypeDefinition<_google_protobuf_Timestamp, _google_protobuf_Timestamp__Output>
    }
  }
  lethe: {
    v1: {
      AdminService: SubtypeConstructor<typeof grpc.Client, _lethe_v1_AdminServiceClient> & { service: _lethe_v1_AdminServiceDefinition }
      CreateTokenRequest: MessageTypeDefinition<_lethe_v1_CreateTokenRequest, _lethe_v1_CreateTokenRequest__Output>
      CreatedToken: MessageTypeDefinition<_lethe_v1_CreatedToken, _lethe_v1_CreatedToken__Output>
      DrainWorkerRequest: MessageTypeDefinition<_lethe_v1_DrainWorkerRequest, _lethe_v1_DrainWorkerRequest__Output>
      ListTokensRequest: MessageTypeDefinition<_lethe_v1_ListTokensRequest, _lethe_v1_ListTokensRequest__Output>
      ListTokensResponse: MessageTypeDefinition<_lethe_v1_ListTokensResponse, _lethe_v1_ListTokensResponse__Output>
      ListWorkersRequest: MessageTypeDefinition<_lethe_v1_ListWorkersRequest, _lethe_v1_ListWorkersRequest__Output>
      ListWorkersResponse: MessageTypeDefinition<_lethe_v1_ListWorkersResponse, _lethe_v1_ListWorkersResponse__Output>
      RevokeTokenRequest: MessageTypeDefinition<_lethe_v1_RevokeTokenRequest, _lethe_v1_RevokeTokenRequest__Output>
      TokenInfo: MessageTypeDefinition<_lethe_v1_TokenInfo, _lethe_v1_TokenInfo__Output>
      UndrainWorkerRequest: MessageTypeDefinition<_lethe_v1_UndrainWorkerRequest, _lethe_v1_UndrainWorkerRequest__Output>
      WorkerInfo: MessageTypeDefinition<_lethe_v1_WorkerInfo, _lethe_v1_WorkerInfo__Output>
      WorkerState: EnumTypeDefinition
      WorkerTask: MessageTypeDefinition<_lethe_v1_WorkerTask, _lethe_v1_WorkerTask__Output>
    }
  }
}

