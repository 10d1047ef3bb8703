# provider_mirror.sh — sourced by the tests that run real OpenTofu: installs the built provider in a
# filesystem mirror under WORK (at the version in VERSION) and points tofu at it, offline, as users
# behind a firewall do (docs/install.md).
# Usage: provider_mirror WORK PROVIDER_BINARY ROOT
provider_mirror() {
  local work=$1 provider_bin=$2 root=$3 version mirror
  version=$(tr -d '[:space:]' < "$root/VERSION")
  mirror=$work/mirror/registry.opentofu.org/weirdata/weir/$version/linux_amd64
  mkdir -p "$mirror"
  cp "$provider_bin" "$mirror/terraform-provider-weir_v$version"
  cat > "$work/tofurc" <<RC
provider_installation {
  filesystem_mirror {
    path    = "$work/mirror"
    include = ["registry.opentofu.org/weirdata/weir"]
  }
  direct {
    exclude = ["registry.opentofu.org/weirdata/weir"]
  }
}
RC
  export TF_CLI_CONFIG_FILE=$work/tofurc TF_IN_AUTOMATION=1 CHECKPOINT_DISABLE=1
  unset TF_LOG
}
