import type * as grpc from '@grpc/grpc-js';
import type { MessageTypeDefinition } from '@grpc/proto-loader';

import type { CancelOperationRequest as _google_longrunning_CancelOperationRequest, CancelOperationRequest__Output as _google_longrunning_CancelOperationRequest__Output } from './google/longrunning/CancelOperationRequest.js';
import type { DeleteOperationRequest as _google_longrunning_DeleteOperationRequest, DeleteOperationRequest__Output as _google_longrunning_DeleteOperationRequest__Output } from './google/longrunning/DeleteOperationRequest.js';
import type { GetOperationRequest as _google_longrunning_GetOperationRequest, GetOperationRequest__Output as _google_longrunning_GetOperationRequest__Output } from './google/longrunning/GetOperationRequest.js';
import type { ListOperationsRequest as _google_longrunning_ListOperationsRequest, ListOperationsRequest__Output as _google_longrunning_ListOperationsRequest__Output } from './google/longrunning/ListOperationsRequest.js';
import type { ListOperationsResponse as _google_longrunning_ListOperationsResponse, ListOperationsResponse__Output as _google_longrunning_ListOperationsResponse__Output } from './google/longrunning/ListOperationsResponse.js';
import type { Operation as _google_longrunning_Operation, Operation__Output as _google_longrunning_Operation__Output } from './google/longrunning/Operation.js';
import type { OperationInfo as _google_longrunning_OperationInfo, OperationInfo__Output as _google_longrunning_OperationInfo__Output } from './google/longrunning/OperationInfo.js';
import type { OperationsClient as _google_longrunning_OperationsClient, OperationsDefinition as _google_longrunning_OperationsDefinition } from './google/longrunning/Operations.js';
import type { WaitOperationRequest as _google_longrunning_WaitOperationRequest, WaitOperationRequest__Output as _google_longrunning_WaitOperationRequest__Output } from './google/longrunning/WaitOperationRequest.js';
import type { Any as _google_protobuf_Any, Any__Output as _google_protobuf_Any__Output } from './google/protobuf/Any.js';
import type { Duration as _google_protobuf_Duration, Duration__Output as _google_protobuf_Duration__Output } from './google/protobuf/Duration.js';
import type { Empty as _google_protobuf_Empty, Empty__Output as _google_protobuf_Empty__Output } from './google/protobuf/Empty.js';
import type { Status as _google_rpc_Status, Status__Output as _google_rpc_Status__Output } from './google/rpc/Status.js';

type SubtypeConstructor<Constructor extends new (...args: any) => any, Subtype> = {
  new(...args: ConstructorParameters<Constructor>): Subtype;
};

export interface ProtoGrpcType {
  google: {
    longrunning: {
      CancelOperationRequest: MessageTypeDefinition<_google_longrunning_CancelOperationRequest, _google_longrunning_CancelOperationRequest__Output>
      DeleteOperationRequest: MessageTypeDefinition<_google_longrunning_DeleteOperationRequest, _google_longrunning_DeleteOperationRequest__Output>
      GetOperationRequest: MessageTypeDefinition<_google_longrunning_GetOperationRequest, _google_longrunning_GetOperationRequest__Output>
      ListOperationsRequest: MessageTypeDefinition<_google_longrunning_ListOperationsRequest, _google_longrunning_ListOperationsRequest__Output>
      ListOperationsResponse: MessageTypeDefinition<_google_longrunning_ListOperationsResponse, _google_longrunning_ListOperationsResponse__Output>
      Operation: MessageTypeDefinition<_google_longrunning_Operation, _google_longrunning_Operation__Output>
      OperationInfo: MessageTypeDefinition<_google_longrunning_OperationInfo, _google_longrunning_OperationInfo__Output>
      Operations: SubtypeConstructor<typeof grpc.Client, _google_longrunning_OperationsClient> & { service: _google_longrunning_OperationsDefinition }
      WaitOperationRequest: MessageTypeDefinition<_google_longrunning_WaitOperationRequest, _google_longrunning_WaitOperationRequest__Output>
    }
    protobuf: {
      Any: MessageTypeDefinition<_google_protobuf_Any, _google_protobuf_Any__Output>
      Duration: MessageTypeDefinition<_google_protobuf_Duration, _google_protobuf_Duration__Output>
      Empty: MessageTypeDefinition<_google_protobuf_Empty, _google_protobuf_Empty__Output>
    }
    rpc: {
      Status: MessageTypeDefinition<_google_rpc_Status, _google_rpc_Status__Output>
    }
  }
}

