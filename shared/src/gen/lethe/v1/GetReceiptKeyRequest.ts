// Original file: lethe/v1/deletion.proto


export interface GetReceiptKeyRequest {
}

export interface GetReceiptKeyRequest__Output {
}
