# Provider-free on purpose: everything here is built-in functions only, so tests evaluate it with
# real OpenTofu where the AWS provider cannot be installed.
terraform {
  required_version = ">= 1.8.0"
}
