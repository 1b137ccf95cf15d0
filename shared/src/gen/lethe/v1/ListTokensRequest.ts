// Original file: lethe/v1/admin.proto


export interface ListTokensRequest {
}

export interface ListTokensRequest__Output {
}
