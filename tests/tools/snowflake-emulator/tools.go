//go:build tools

// Package tools pins the Snowflake emulator that the loader's integration tests run against.
package tools

import _ "github.com/nnnkkk7/snowflake-emulator/cmd/server"
