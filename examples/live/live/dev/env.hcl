# The dev environment's foundation: what the weir-agent-aws module reports for it (endpoint, CA,
# token parameter) and where its state lives. The WEIR_DEV_* variables let CI (and the e2e test)
# point at another agent without editing this file.
locals {
  environment = "dev"

  agent_endpoint    = get_env("WEIR_DEV_AGENT_ENDPOINT", "weir-agent.dev.data.internal:7443")
  agent_ca_file_env = "WEIR_DEV_AGENT_CA_FILE" # default: agent-ca.pem next to this file
  token_env         = "WEIR_DEV_TOKEN"
  token_parameter   = "/weir/dev/agent-token"

  state_bucket = get_env("WEIR_DEV_STATE_BUCKET", "acme-weir-tfstate-dev")
  state_region = "eu-central-1"
}
