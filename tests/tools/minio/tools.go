//go:build tools

// Package tools pins the MinIO server the S3 stage tests upload to (SigV4, SSE-KMS).
package tools

import _ "github.com/minio/minio"
