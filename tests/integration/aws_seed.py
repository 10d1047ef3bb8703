# Seeds the moto server for the AWS secret tests: an instance role allowed to read secrets, whose
# temporary credentials (an STS session, as EC2 hands out) the instance metadata mock serves; an IAM
# user key for the wrong-signature check; a JSON secret, a plain secret, a SecureString parameter
# and a KMS key for sealing stored secrets. Prints the values the harness exports.
import json
import sys

import boto3

endpoint, region = sys.argv[1], sys.argv[2]
session = boto3.session.Session(aws_access_key_id="seed", aws_secret_access_key="seed", region_name=region)
iam = session.client("iam", endpoint_url=endpoint)
iam.create_user(UserName="weir-agent")
key = iam.create_access_key(UserName="weir-agent")["AccessKey"]
read_secrets = json.dumps({
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": ["secretsmanager:GetSecretValue", "ssm:GetParameter",
                                                "kms:GenerateDataKey", "kms:Decrypt"],
                   "Resource": "*"}]})
iam.put_user_policy(UserName="weir-agent", PolicyName="read-secrets", PolicyDocument=read_secrets)
role = iam.create_role(RoleName="weir-agent-instance", AssumeRolePolicyDocument=json.dumps({
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]}))
iam.put_role_policy(RoleName="weir-agent-instance", PolicyName="read-secrets", PolicyDocument=read_secrets)
session_credentials = session.client("sts", endpoint_url=endpoint).assume_role(
    RoleArn=role["Role"]["Arn"], RoleSessionName="i-0123456789abcdef0")["Credentials"]
secrets = session.client("secretsmanager", endpoint_url=endpoint)
arn = secrets.create_secret(Name="weir/payments", SecretString=json.dumps({"password": "pg-pass-\u00e9\"quoted\""}))["ARN"]
secrets.create_secret(Name="weir/plain", SecretString="plain-value")
session.client("ssm", endpoint_url=endpoint).put_parameter(Name="/weir/snowflake-token", Value="sf-token-123",
                                                           Type="SecureString")
kms_key = session.client("kms", endpoint_url=endpoint).create_key(Description="weir secrets at rest")["KeyMetadata"]
print(json.dumps({"kms_key_arn": kms_key["Arn"], "access_key_id": key["AccessKeyId"], "secret_access_key": key["SecretAccessKey"], "arn": arn,
                  "role_key_id": session_credentials["AccessKeyId"],
                  "role_secret_key": session_credentials["SecretAccessKey"],
                  "role_token": session_credentials["SessionToken"]}))
