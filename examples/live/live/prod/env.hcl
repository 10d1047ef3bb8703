# The prod environment's foundation: what the weir-agent-aws module reports for it (endpoint, CA,
# token parameter) and where its state lives. The WEIR_PROD_* variables let CI (and the e2e test)
# point at another agent without editing this file.
locals {
  environment = "prod"

  agent_endpoint    = get_env("WEIR_PROD_AGENT_ENDPOINT", "weir-agent.prod.data.internal:7443")
  agent_ca_file_env = "WEIR_PROD_AGENT_CA_FILE" # default: agent-ca.pem next to this file
  token_env         = "WEIR_PROD_TOKEN"
  token_parameter   = "/weir/prod/agent-token"

  state_bucket = get_env("WEIR_PROD_STATE_BUCKET", "acme-weir-tfstate-prod")
  state_region = "eu-central-1"
}
