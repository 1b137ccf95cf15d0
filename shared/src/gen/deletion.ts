import type * as grpc from '@grpc/grpc-js';
import type { EnumTypeDefinition, MessageTypeDefinition } from '@grpc/proto-loader';

import type { Timestamp as _google_protobuf_Timestamp, Timestamp__Output as _google_protobuf_Timestamp__Output } from './google/protobuf/Timestamp.js';
import type { DatasetSpec as _lethe_v1_DatasetSpec, DatasetSpec__Output as _lethe_v1_DatasetSpec__Output } from './lethe/v1/DatasetSpec.js';
import type { DeleteSamplesRequest as _lethe_v1_DeleteSamplesRequest, DeleteSamplesRequest__Output as _lethe_v1_DeleteSamplesRequest__Output } from './lethe/v1/DeleteSamplesRequest.js';
import type { Deletion as _lethe_v1_Deletion, Deletion__Output as _lethe_v1_Deletion__Output } from './lethe/v1/Deletion.js';
import type { DeletionReceipt as _lethe_v1_DeletionReceipt, DeletionReceipt__Output as _lethe_v1_DeletionReceipt__Output } from './lethe/v1/DeletionReceipt.js';
import type { DeletionServiceClient as _lethe_v1_DeletionServiceClient, DeletionServiceDefinition as _lethe_v1_DeletionServiceDefinition } from './lethe/v1/DeletionService.js';
import type { GetDeletionRequest as _lethe_v1_GetDeletionRequest, GetDeletionRequest__Output as _lethe_v1_GetDeletionRequest__Output } from './lethe/v1/GetDeletionRequest.js';
import type { GetReceiptKeyRequest as _lethe_v1_GetReceiptKeyRequest, GetReceiptKeyRequest__Output as _lethe_v1_GetReceiptKeyRequest__Output } from './lethe/v1/GetReceiptKeyRequest.js';
import type { ListDeletionsRequest as _lethe_v1_ListDeletionsRequest, ListDeletionsRequest__Output as _lethe_v1_ListDeletionsRequest__Output } from './lethe/v1/ListDeletionsRequest.js';
import type { ListDeletionsResponse as _lethe_v1_ListDeletionsResponse, ListDeletionsResponse__Output as _lethe_v1_ListDeletionsResponse__Output } from './lethe/v1/ListDeletionsResponse.js';
import type { ModelSpec as _lethe_v1_ModelSpec, ModelSpec__Output as _lethe_v1_ModelSpec__Output } from './lethe/v1/ModelSpec.js';
import type { OrderingStatus as _lethe_v1_OrderingStatus, OrderingStatus__Output as _lethe_v1_OrderingStatus__Output } from './lethe/v1/OrderingStatus.js';
import type { ReceiptKey as _lethe_v1_ReceiptKey, ReceiptKey__Output as _lethe_v1_ReceiptKey__Output } from './lethe/v1/ReceiptKey.js';
import type { SampleLocation as _lethe_v1_SampleLocation, SampleLocation__Output as _lethe_v1_SampleLocation__Output } from './lethe/v1/SampleLocation.js';
import type { ServingChoice as _lethe_v1_ServingChoice, ServingChoice__Output as _lethe_v1_ServingChoice__Output } from './lethe/v1/ServingChoice.js';
import type { ShardImpact as _lethe_v1_ShardImpact, ShardImpact__Output as _lethe_v1_ShardImpact__Output } from './lethe/v1/ShardImpact.js';
import type { ShardStatus as _lethe_v1_ShardStatus, ShardStatus__Output as _lethe_v1_ShardStatus__Output } from './lethe/v1/ShardStatus.js';
import type { SliceRef as _lethe_v1_SliceRef, SliceRef__Output as _lethe_v1_SliceRef__Output } from './lethe/v1/SliceRef.js';
import type { StageLocation as _lethe_v1_StageLocation, StageLocation__Output as _lethe_v1_StageLocation__Output } from './lethe/v1/StageLocation.js';
import type { StageRef as _lethe_v1_StageRef, StageRef__Output as _lethe_v1_StageRef__Output } from './lethe/v1/StageRef.js';
import type { StageStatus as _lethe_v1_StageStatus, StageStatus__Output as _lethe_v1_StageStatus__Output } from './lethe/v1/StageStatus.js';
import type { WhereIsRequest as _lethe_v1_WhereIsRequest, WhereIsRequest__Output as _lethe_v1_WhereIsRequest__Output } from './lethe/v1/WhereIsRequest.js';

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
      DatasetSpec: MessageTypeDefinition<_lethe_v1_DatasetSpec, _lethe_v1_DatasetSpec__Output>
      DeleteSamplesRequest: MessageTypeDefinition<_lethe_v1_DeleteSamplesRequest, _lethe_v1_DeleteSamplesRequest__Output>
      Deletion: MessageTypeDefinition<_lethe_v1_Deletion, _lethe_v1_Deletion__Output>
      DeletionReceipt: MessageTypeDefinition<_lethe_v1_DeletionReceipt, _lethe_v1_DeletionReceipt__Output>
      DeletionService: SubtypeConstructor<typeof grpc.Client, _lethe_v1_DeletionServiceClient> & { service: _lethe_v1_DeletionServiceDefinition }
      DeletionState: EnumTypeDefinition
      GetDeletionRequest: MessageTypeDefinition<_lethe_v1_GetDeletionRequest, _lethe_v1_GetDeletionRequest__Output>
      GetReceiptKeyRequest: MessageTypeDefinition<_lethe_v1_GetReceiptKeyRequest, _lethe_v1_GetReceiptKeyRequest__Output>
      ListDeletionsRequest: MessageTypeDefinition<_lethe_v1_ListDeletionsRequest, _lethe_v1_ListDeletionsRequest__Output>
      ListDeletionsResponse: MessageTypeDefinition<_lethe_v1_ListDeletionsResponse, _lethe_v1_ListDeletionsResponse__Output>
      ModelSpec: MessageTypeDefinition<_lethe_v1_ModelSpec, _lethe_v1_ModelSpec__Output>
      OrderingStatus: MessageTypeDefinition<_lethe_v1_OrderingStatus, _lethe_v1_OrderingStatus__Output>
      ReceiptKey: MessageTypeDefinition<_lethe_v1_ReceiptKey, _lethe_v1_ReceiptKey__Output>
      RunState: EnumTypeDefinition
      SampleLocation: MessageTypeDefinition<_lethe_v1_SampleLocation, _lethe_v1_SampleLocation__Output>
      SelectionMethod: EnumTypeDefinition
      ServingChoice: MessageTypeDefinition<_lethe_v1_ServingChoice, _lethe_v1_ServingChoice__Output>
      ShardImpact: MessageTypeDefinition<_lethe_v1_ShardImpact, _lethe_v1_ShardImpact__Output>
      ShardStatus: MessageTypeDefinition<_lethe_v1_ShardStatus, _lethe_v1_ShardStatus__Output>
      SliceRef: MessageTypeDefinition<_lethe_v1_SliceRef, _lethe_v1_SliceRef__Output>
      StageLocation: MessageTypeDefinition<_lethe_v1_StageLocation, _lethe_v1_StageLocation__Output>
      StageRef: MessageTypeDefinition<_lethe_v1_StageRef, _lethe_v1_StageRef__Output>
      StageState: EnumTypeDefinition
      StageStatus: MessageTypeDefinition<_lethe_v1_StageStatus, _lethe_v1_StageStatus__Output>
      TaskKind: EnumTypeDefinition
      WhereIsRequest: MessageTypeDefinition<_lethe_v1_WhereIsRequest, _lethe_v1_WhereIsRequest__Output>
    }
  }
}

