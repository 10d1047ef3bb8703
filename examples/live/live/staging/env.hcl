# The staging environment's foundation: what the weir-agent-aws module reports for it (endpoint, CA,
# token parameter) and where its state lives. The WEIR_STAGING_* variables let CI (and the e2e test)
# point at another agent without editing this file.
locals {
  environment = "staging"

  agent_endpoint    = get_env("WEIR_STAGING_AGENT_ENDPOINT", "weir-agent.staging.data.internal:7443")
  agent_ca_file_env = "WEIR_STAGING_AGENT_CA_FILE" # default: agent-ca.pem next to this file
  token_env         = "WEIR_STAGING_TOKEN"
  token_parameter   = "/weir/staging/agent-token"

  state_bucket = get_env("WEIR_STAGING_STATE_BUCKET", "acme-weir-tfstate-staging")
  state_region = "eu-central-1"
}
