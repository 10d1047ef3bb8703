//go:build tools

// Package tools pins the EC2 instance metadata mock (IMDSv2) the AWS credential tests run against.
package tools

import _ "github.com/aws/amazon-ec2-metadata-mock/cmd/ec2-metadata-mock"
