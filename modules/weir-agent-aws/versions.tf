terraform {
  required_version = ">= 1.11.0" # ephemeral variables and write-only attributes (the token)

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 6.0"
    }
  }
}
