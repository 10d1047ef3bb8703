terraform {
  required_version = ">= 1.9"

  required_providers {
    weir = {
      source = "weirdata/weir"
    }
  }
}
