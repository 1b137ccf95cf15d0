import type * as grpc from '@grpc/grpc-js';
import type { EnumTypeDefinition, MessageTypeDefinition } from '@grpc/proto-loader';

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
import type { Timestamp as _google_protobuf_Timestamp, Timestamp__Output as _google_protobuf_Timestamp__Output } from './google/protobuf/Timestamp.js';
import type { Status as _google_rpc_Status, Status__Output as _google_rpc_Status__Output } from './google/rpc/Status.js';
import type { BackboneStatus as _lethe_v1_BackboneStatus, BackboneStatus__Output as _lethe_v1_BackboneStatus__Output } from './lethe/v1/BackboneStatus.js';
import type { CreateRunProgress as _lethe_v1_CreateRunProgress, CreateRunProgress__Output as _lethe_v1_CreateRunProgress__Output } from './lethe/v1/CreateRunProgress.js';
import type { CreateRunRequest as _lethe_v1_CreateRunRequest, CreateRunRequest__Output as _lethe_v1_CreateRunRequest__Output } from './lethe/v1/CreateRunRequest.js';
import type { DatasetSpec as _lethe_v1_DatasetSpec, DatasetSpec__Output as _lethe_v1_DatasetSpec__Output } from './lethe/v1/DatasetSpec.js';
import type { DeleteRunRequest as _lethe_v1_DeleteRunRequest, DeleteRunRequest__Output as _lethe_v1_DeleteRunRequest__Output } from './lethe/v1/DeleteRunRequest.js';
import type { GetRunRequest as _lethe_v1_GetRunRequest, GetRunRequest__Output as _lethe_v1_GetRunRequest__Output } from './lethe/v1/GetRunRequest.js';
import type { ListRunsRequest as _lethe_v1_ListRunsRequest, ListRunsRequest__Output as _lethe_v1_ListRunsRequest__Output } from './lethe/v1/ListRunsRequest.js';
import type { ListRunsResponse as _lethe_v1_ListRunsResponse, ListRunsResponse__Output as _lethe_v1_ListRunsResponse__Output } from './lethe/v1/ListRunsResponse.js';
import type { LostDeletion as _lethe_v1_LostDeletion, LostDeletion__Output as _lethe_v1_LostDeletion__Output } from './lethe/v1/LostDeletion.js';
import type { ModelSpec as _lethe_v1_ModelSpec, ModelSpec__Output as _lethe_v1_ModelSpec__Output } from './lethe/v1/ModelSpec.js';
import type { OrderingStatus as _lethe_v1_OrderingStatus, OrderingStatus__Output as _lethe_v1_OrderingStatus__Output } from './lethe/v1/OrderingStatus.js';
import type { RetrainingPolicy as _lethe_v1_RetrainingPolicy, RetrainingPolicy__Output as _lethe_v1_RetrainingPolicy__Output } from './lethe/v1/RetrainingPolicy.js';
import type { RetryRunRequest as _lethe_v1_RetryRunRequest, RetryRunRequest__Output as _lethe_v1_RetryRunRequest__Output } from './lethe/v1/RetryRunRequest.js';
import type { Run as _lethe_v1_Run, Run__Output as _lethe_v1_Run__Output } from './lethe/v1/Run.js';
import type { RunServiceClient as _lethe_v1_RunServiceClient, RunServiceDefinition as _lethe_v1_RunServiceDefinition } from './lethe/v1/RunService.js';
import type { RunSpec as _lethe_v1_RunSpec, RunSpec__Output as _lethe_v1_RunSpec__Output } from './lethe/v1/RunSpec.js';
import type { ServingChoice as _lethe_v1_ServingChoice, ServingChoice__Output as _lethe_v1_ServingChoice__Output } from './lethe/v1/ServingChoice.js';
import type { ShardStatus as _lethe_v1_ShardStatus, ShardStatus__Output as _lethe_v1_ShardStatus__Output } from './lethe/v1/ShardStatus.js';
import type { SliceRef as _lethe_v1_SliceRef, SliceRef__Output as _lethe_v1_SliceRef__Output } from './lethe/v1/SliceRef.js';
import type { StageRef as _lethe_v1_StageRef, StageRef__Output as _lethe_v1_StageRef__Output } from './lethe/v1/StageRef.js';
import type { StageStatus as _lethe_v1_StageStatus, StageStatus__Output as _lethe_v1_StageStatus__Output } from './lethe/v1/StageStatus.js';
import type { UpdateRetrainingPolicyRequest as _lethe_v1_UpdateRetrainingPolicyRequest, UpdateRetrainingPolicyRequest__Output as _lethe_v1_UpdateRetrainingPolicyRequest__Output } from './lethe/v1/UpdateRetrainingPolicyRequest.js';
import type { UpdateTaskSilenceTimeoutRequest as _lethe_v1_UpdateTaskSilenceTimeoutRequest, UpdateTaskSilenceTimeoutRequest__Output as _lethe_v1_UpdateTaskSilenceTimeoutRequest__Output } from './lethe/v1/UpdateTaskSilenceTimeoutRequest.js';

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
      Timestamp: MessageTypeDefinition<_google_protobuf_Timestamp, _google_protobuf_Timestamp__Output>
    }
    rpc: {
      Status: MessageTypeDefinition<_google_rpc_Status, _google_rpc_Status__Output>
    }
  }
  lethe: {
    v1: {
      BackboneState: EnumTypeDefinition
      BackboneStatus: MessageTypeDefinition<_lethe_v1_BackboneStatus, _lethe_v1_BackboneStatus__Output>
      CreateRunProgress: MessageTypeDefinition<_lethe_v1_CreateRunProgress, _lethe_v1_CreateRunProgress__Output>
      CreateRunRequest: MessageTypeDefinition<_lethe_v1_CreateRunRequest, _lethe_v1_CreateRunRequest__Output>
      DatasetSpec: MessageTypeDefinition<_lethe_v1_DatasetSpec, _lethe_v1_DatasetSpec__Output>
      DeleteRunRequest: MessageTypeDefinition<_lethe_v1_DeleteRunRequest, _lethe_v1_DeleteRunRequest__Output>
      GetRunRequest: MessageTypeDefinition<_lethe_v1_GetRunRequest, _lethe_v1_GetRunRequest__Output>
      ListRunsRequest: MessageTypeDefinition<_lethe_v1_ListRunsRequest, _lethe_v1_ListRunsRequest__Output>
      ListRunsResponse: MessageTypeDefinition<_lethe_v1_ListRunsResponse, _lethe_v1_ListRunsResponse__Output>
      LostDeletion: MessageTypeDefinition<_lethe_v1_LostDeletion, _lethe_v1_LostDeletion__Output>
      ModelSpec: MessageTypeDefinition<_lethe_v1_ModelSpec, _lethe_v1_ModelSpec__Output>
      OrderingStatus: MessageTypeDefinition<_lethe_v1_OrderingStatus, _lethe_v1_OrderingStatus__Output>
      RetrainingPolicy: MessageTypeDefinition<_lethe_v1_RetrainingPolicy, _lethe_v1_RetrainingPolicy__Output>
      RetrainingPolicyKind: EnumTypeDefinition
      RetrainingScope: EnumTypeDefinition
      RetryRunRequest: MessageTypeDefinition<_lethe_v1_RetryRunRequest, _lethe_v1_RetryRunRequest__Output>
      Run: MessageTypeDefinition<_lethe_v1_Run, _lethe_v1_Run__Output>
      RunService: SubtypeConstructor<typeof grpc.Client, _lethe_v1_RunServiceClient> & { service: _lethe_v1_RunServiceDefinition }
      RunSpec: MessageTypeDefinition<_lethe_v1_RunSpec, _lethe_v1_RunSpec__Output>
      RunState: EnumTypeDefinition
      SelectionMethod: EnumTypeDefinition
      ServingChoice: MessageTypeDefinition<_lethe_v1_ServingChoice, _lethe_v1_ServingChoice__Output>
      ShardStatus: MessageTypeDefinition<_lethe_v1_ShardStatus, _lethe_v1_ShardStatus__Output>
      SliceRef: MessageTypeDefinition<_lethe_v1_SliceRef, _lethe_v1_SliceRef__Output>
      StageRef: MessageTypeDefinition<_lethe_v1_StageRef, _lethe_v1_StageRef__Output>
      StageState: EnumTypeDefinition
      StageStatus: MessageTypeDefinition<_lethe_v1_StageStatus, _lethe_v1_StageStatus__Output>
      TaskKind: EnumTypeDefinition
      UpdateRetrainingPolicyRequest: MessageTypeDefinition<_lethe_v1_UpdateRetrainingPolicyRequest, _lethe_v1_UpdateRetrainingPolicyRequest__Output>
      UpdateTaskSilenceTimeoutRequest: MessageTypeDefinition<_lethe_v1_UpdateTaskSilenceTimeoutRequest, _lethe_v1_UpdateTaskSilenceTimeoutRequest__Output>
    }
  }
}

