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
import type { ListValue as _google_protobuf_ListValue, ListValue__Output as _google_protobuf_ListValue__Output } from './google/protobuf/ListValue.js';
import type { Struct as _google_protobuf_Struct, Struct__Output as _google_protobuf_Struct__Output } from './google/protobuf/Struct.js';
import type { Timestamp as _google_protobuf_Timestamp, Timestamp__Output as _google_protobuf_Timestamp__Output } from './google/protobuf/Timestamp.js';
import type { Value as _google_protobuf_Value, Value__Output as _google_protobuf_Value__Output } from './google/protobuf/Value.js';
import type { Status as _google_rpc_Status, Status__Output as _google_rpc_Status__Output } from './google/rpc/Status.js';
import type { CancelUnlearningJobRequest as _lethe_v1_CancelUnlearningJobRequest, CancelUnlearningJobRequest__Output as _lethe_v1_CancelUnlearningJobRequest__Output } from './lethe/v1/CancelUnlearningJobRequest.js';
import type { ForgetSet as _lethe_v1_ForgetSet, ForgetSet__Output as _lethe_v1_ForgetSet__Output } from './lethe/v1/ForgetSet.js';
import type { GetUnlearningJobRequest as _lethe_v1_GetUnlearningJobRequest, GetUnlearningJobRequest__Output as _lethe_v1_GetUnlearningJobRequest__Output } from './lethe/v1/GetUnlearningJobRequest.js';
import type { ListUnlearningJobsRequest as _lethe_v1_ListUnlearningJobsRequest, ListUnlearningJobsRequest__Output as _lethe_v1_ListUnlearningJobsRequest__Output } from './lethe/v1/ListUnlearningJobsRequest.js';
import type { ListUnlearningJobsResponse as _lethe_v1_ListUnlearningJobsResponse, ListUnlearningJobsResponse__Output as _lethe_v1_ListUnlearningJobsResponse__Output } from './lethe/v1/ListUnlearningJobsResponse.js';
import type { SampleIds as _lethe_v1_SampleIds, SampleIds__Output as _lethe_v1_SampleIds__Output } from './lethe/v1/SampleIds.js';
import type { SubmitUnlearningJobRequest as _lethe_v1_SubmitUnlearningJobRequest, SubmitUnlearningJobRequest__Output as _lethe_v1_SubmitUnlearningJobRequest__Output } from './lethe/v1/SubmitUnlearningJobRequest.js';
import type { UnlearningJob as _lethe_v1_UnlearningJob, UnlearningJob__Output as _lethe_v1_UnlearningJob__Output } from './lethe/v1/UnlearningJob.js';
import type { UnlearningJobProgress as _lethe_v1_UnlearningJobProgress, UnlearningJobProgress__Output as _lethe_v1_UnlearningJobProgress__Output } from './lethe/v1/UnlearningJobProgress.js';
import type { UnlearningJobServiceClient as _lethe_v1_UnlearningJobServiceClient, UnlearningJobServiceDefinition as _lethe_v1_UnlearningJobServiceDefinition } from './lethe/v1/UnlearningJobService.js';
import type { UnlearningMetrics as _lethe_v1_UnlearningMetrics, UnlearningMetrics__Output as _lethe_v1_UnlearningMetrics__Output } from './lethe/v1/UnlearningMetrics.js';

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
      ListValue: MessageTypeDefinition<_google_protobuf_ListValue, _google_protobuf_ListValue__Output>
      NullValue: EnumTypeDefinition
      Struct: MessageTypeDefinition<_google_protobuf_Struct, _google_protobuf_Struct__Output>
      Timestamp: MessageTypeDefinition<_google_protobuf_Timestamp, _google_protobuf_Timestamp__Output>
      Value: MessageTypeDefinition<_google_protobuf_Value, _google_protobuf_Value__Output>
    }
    rpc: {
      Status: MessageTypeDefinition<_google_rpc_Status, _google_rpc_Status__Output>
    }
  }
  lethe: {
    v1: {
      CancelUnlearningJobRequest: MessageTypeDefinition<_lethe_v1_CancelUnlearningJobRequest, _lethe_v1_CancelUnlearningJobRequest__Output>
      ForgetSet: MessageTypeDefinition<_lethe_v1_ForgetSet, _lethe_v1_ForgetSet__Output>
      GetUnlearningJobRequest: MessageTypeDefinition<_lethe_v1_GetUnlearningJobRequest, _lethe_v1_GetUnlearningJobRequest__Output>
      JobState: EnumTypeDefinition
      ListUnlearningJobsRequest: MessageTypeDefinition<_lethe_v1_ListUnlearningJobsRequest, _lethe_v1_ListUnlearningJobsRequest__Output>
      ListUnlearningJobsResponse: MessageTypeDefinition<_lethe_v1_ListUnlearningJobsResponse, _lethe_v1_ListUnlearningJobsResponse__Output>
      SampleIds: MessageTypeDefinition<_lethe_v1_SampleIds, _lethe_v1_SampleIds__Output>
      SubmitUnlearningJobRequest: MessageTypeDefinition<_lethe_v1_SubmitUnlearningJobRequest, _lethe_v1_SubmitUnlearningJobRequest__Output>
      UnlearningJob: MessageTypeDefinition<_lethe_v1_UnlearningJob, _lethe_v1_UnlearningJob__Output>
      UnlearningJobProgress: MessageTypeDefinition<_lethe_v1_UnlearningJobProgress, _lethe_v1_UnlearningJobProgress__Output>
      UnlearningJobService: SubtypeConstructor<typeof grpc.Client, _lethe_v1_UnlearningJobServiceClient> & { service: _lethe_v1_UnlearningJobServiceDefinition }
      UnlearningMethod: EnumTypeDefinition
      UnlearningMetrics: MessageTypeDefinition<_lethe_v1_UnlearningMetrics, _lethe_v1_UnlearningMetrics__Output>
    }
  }
}

