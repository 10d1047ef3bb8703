//go:build tools

// Package tools pins the Terragrunt CLI that the stacks e2e test (tests/live) builds.
package tools

import _ "github.com/gruntwork-io/terragrunt"
