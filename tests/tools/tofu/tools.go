//go:build tools

// Package tools pins the OpenTofu CLI that the e2e tests and benchmarks build.
package tools

import _ "github.com/opentofu/opentofu/cmd/tofu"
