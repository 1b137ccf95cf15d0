// Original file: lethe/v1/admin.proto


export interface ListWorkersRequest {
}

export interface ListWorkersRequest__Output {
}
