# Renders what the agent host needs from the module's inputs: the instance role's policy, the
# user data (boot script, AWS helper, settings) and /etc/weir/agent.env. Built-in functions only.
locals {
  arn_prefix = "arn:${var.partition}"
  ssm_path   = "/weir/${var.environment}/"

  token_parameter = "${local.ssm_path}agent/token"
  ca_parameter    = "${local.ssm_path}agent/ca.pem"
  mount           = "/var/lib/weir"

  secrets_path_arn = "${local.arn_prefix}:secretsmanager:${var.region}:${var.account_id}:secret:weir/${var.environment}/*"
  parameter_arn    = "${local.arn_prefix}:ssm:${var.region}:${var.account_id}:parameter"
  log_group_arn    = "${local.arn_prefix}:logs:${var.region}:${var.account_id}:log-group:${var.log_group_name}"
  stage_objects    = "${local.arn_prefix}:s3:::${var.stage_bucket}/${var.stage_prefix}*"

  package_from_s3 = startswith(var.package_source, "s3://")
  package_object  = local.package_from_s3 ? "${local.arn_prefix}:s3:::${trimprefix(var.package_source, "s3://")}" : ""

  # One statement per purpose, so a test can remove any one and see exactly its calls refused.
  statements = concat([
    {
      Sid      = "ReadAgentSecrets"
      Effect   = "Allow"
      Action   = ["secretsmanager:GetSecretValue"]
      Resource = concat([local.secrets_path_arn], var.secret_arns)
    },
    {
      Sid      = "ReadAgentParameters"
      Effect   = "Allow"
      Action   = ["ssm:GetParameter"]
      Resource = ["${local.parameter_arn}${local.ssm_path}*"]
    },
    {
      Sid      = "PublishAgentCa"
      Effect   = "Allow"
      Action   = ["ssm:PutParameter"]
      Resource = ["${local.parameter_arn}${local.ca_parameter}"]
    },
    {
      Sid      = "UseAgentKey"
      Effect   = "Allow"
      Action   = ["kms:Decrypt", "kms:GenerateDataKey"]
      Resource = [var.kms_key_arn]
    },
    {
      # Attaching a volume encrypted with this key makes EC2 create a grant on the caller's behalf.
      Sid       = "AttachEncryptedVolume"
      Effect    = "Allow"
      Action    = ["kms:CreateGrant"]
      Resource  = [var.kms_key_arn]
      Condition = { Bool = { "kms:GrantIsForAWSResource" = "true" } }
    },
    {
      Sid      = "WriteStage"
      Effect   = "Allow"
      Action   = ["s3:PutObject"]
      Resource = [local.stage_objects]
    },
    ], local.package_from_s3 ? [
    {
      Sid      = "ReadAgentPackage"
      Effect   = "Allow"
      Action   = ["s3:GetObject"]
      Resource = [local.package_object]
    },
    ] : [], [
    {
      Sid      = "WriteAgentLogs"
      Effect   = "Allow"
      Action   = ["logs:CreateLogStream", "logs:PutLogEvents"]
      Resource = ["${local.log_group_arn}:*"] # the group (as CloudWatch Logs writes it, with :*) and its streams
    },
    {
      Sid       = "PutWeirMetrics"
      Effect    = "Allow"
      Action    = ["cloudwatch:PutMetricData"]
      Resource  = ["*"] # PutMetricData has no resource type; the namespace condition is the limit
      Condition = { StringEquals = { "cloudwatch:namespace" = var.metric_namespace } }
    },
    {
      # The boot script attaches the data volume to the new instance; only instances and the
      # volume tagged with this agent's name qualify.
      Sid    = "AttachDataVolume"
      Effect = "Allow"
      Action = ["ec2:AttachVolume"]
      Resource = [
        "${local.arn_prefix}:ec2:${var.region}:${var.account_id}:volume/${var.data_volume_id}",
        "${local.arn_prefix}:ec2:${var.region}:${var.account_id}:instance/*",
      ]
      Condition = { StringEquals = { "aws:ResourceTag/weir:agent" = var.name } }
    },
    {
      Sid      = "DescribeDataVolume"
      Effect   = "Allow"
      Action   = ["ec2:DescribeVolumes"]
      Resource = ["*"] # Describe* calls support no resource-level permissions
    },
    {
      # Session Manager (shell without SSH): the channel actions of AmazonSSMManagedInstanceCore,
      # without its ssm:GetParameter(s) on every parameter in the account.
      Sid    = "SessionManager"
      Effect = "Allow"
      Action = [
        "ssm:UpdateInstanceInformation",
        "ssmmessages:CreateControlChannel",
        "ssmmessages:CreateDataChannel",
        "ssmmessages:OpenControlChannel",
        "ssmmessages:OpenDataChannel",
      ]
      Resource = ["*"]
    },
  ])

  # The key's own policy: the account administers it (IAM policies then grant use, as above), and
  # CloudWatch Logs may encrypt this agent's log group with it.
  key_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid       = "AccountAdministers"
        Effect    = "Allow"
        Principal = { AWS = "${local.arn_prefix}:iam::${var.account_id}:root" }
        Action    = "kms:*"
        Resource  = "*"
      },
      {
        Sid       = "LogsEncryptAgentLogGroup"
        Effect    = "Allow"
        Principal = { Service = "logs.${var.region}.amazonaws.com" }
        Action    = ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"]
        Resource  = "*"
        Condition = { ArnEquals = { "kms:EncryptionContext:aws:logs:arn" = local.log_group_arn } }
      },
    ]
  })

  instance_policy = jsonencode({ Version = "2012-10-17", Statement = local.statements })

  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = "ec2.amazonaws.com" }
      Action    = "sts:AssumeRole"
    }]
  })

  agent_environment = merge({
    WEIR_LISTEN       = "0.0.0.0:${var.listen_port}"
    WEIR_DATA_DIR     = local.mount
    WEIR_STAGE_DIR    = "${local.mount}/stage"
    WEIR_TLS_CERT     = "${local.mount}/tls/cert.pem"
    WEIR_TLS_KEY      = "${local.mount}/tls/key.pem"
    WEIR_TOKEN_FILE   = "/etc/weir/token"
    WEIR_KMS_KEY_ID   = var.kms_key_arn
    WEIR_METRICS_ADDR = "127.0.0.1:${var.metrics_port}"
    WEIR_WORKERS      = tostring(var.workers)
    WEIR_LOG_LEVEL    = var.log_level
    AWS_REGION        = var.region
  }, var.extra_environment)

  # systemd EnvironmentFile syntax: KEY=value, values double-quoted with \ and " escaped.
  agent_env = join("", [for k in sort(keys(local.agent_environment)) :
  format("%s=\"%s\"\n", k, replace(replace(local.agent_environment[k], "\\", "\\\\"), "\"", "\\\""))])

  push_env = join("", [for k, v in {
    WEIR_NAME             = var.name
    WEIR_LOG_GROUP        = var.log_group_name
    WEIR_METRIC_NAMESPACE = var.metric_namespace
    WEIR_METRICS_URL      = "http://127.0.0.1:${var.metrics_port}/metrics"
    AWS_REGION            = var.region
  } : "${k}=\"${v}\"\n"])

  # Sourced by bash: single-quoted values, with embedded single quotes closed and reopened.
  boot_conf = join("", [for k, v in {
    WEIR_NAME            = var.name
    WEIR_VOLUME_ID       = var.data_volume_id
    WEIR_DEVICE          = var.data_volume_device
    WEIR_MOUNT           = local.mount
    WEIR_PACKAGE         = var.package_source
    WEIR_PACKAGE_SHA256  = var.package_sha256
    WEIR_TOKEN_PARAMETER = local.token_parameter
    WEIR_CA_PARAMETER    = local.ca_parameter
    WEIR_TLS_NAMES       = join(" ", var.tls_names)
    AWS_REGION           = var.region
  } : "${k}='${replace(v, "'", "'\\''")}'\n"])

  user_data = templatefile("${path.module}/user-data.sh.tftpl", {
    name              = var.name
    environment       = var.environment
    boot_script_b64gz = base64gzip(file("${path.module}/files/weir-boot.sh"))
    aws_helper_b64gz  = base64gzip(file("${path.module}/files/weir-aws.py"))
    boot_conf_b64     = base64encode(local.boot_conf)
    agent_env_b64     = base64encode(local.agent_env)
    push_env_b64      = base64encode(local.push_env)
  })
}
