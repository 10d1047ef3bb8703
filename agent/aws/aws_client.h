/* aws_client.h — the agent's AWS credentials, region and JSON-protocol calls (Secrets Manager,
 * SSM), signed with SigV4. Credentials come from the standard environment variables, else from the
 * EC2 instance profile through IMDSv2; they are cached until five minutes before they expire.
 * AWS_EC2_METADATA_SERVICE_ENDPOINT, AWS_ENDPOINT_URL and AWS_ENDPOINT_URL_<SERVICE> override the
 * endpoints, as in the AWS SDKs. */
#ifndef WEIR_AWS_CLIENT_H
#define WEIR_AWS_CLIENT_H

#include <stddef.h>

#include "aws_sigv4.h"
#include "buf.h"
#include "status.h"

weir_status_t aws_credentials_get(aws_credentials_t *out, weir_err_t *err) WEIR_MUSTCHECK;
/* AWS_REGION or AWS_DEFAULT_REGION, else the instance's region from IMDSv2. */
weir_status_t aws_region_get(char *out, size_t size, weir_err_t *err) WEIR_MUSTCHECK;
/* The endpoint for `service` ("secretsmanager", "ssm", "s3") in `region`, without a trailing '/'. */
void aws_endpoint(const char *service, const char *region, char *out, size_t size);

/* POSTs `body` to an AWS JSON 1.1 API (X-Amz-Target `target`) and returns the response body in
 * `response`. A non-2xx answer is an error carrying AWS's __type and message. */
weir_status_t aws_json_call(const char *service, const char *region, const char *target, const char *body,
                            weir_buf_t *response, weir_err_t *err) WEIR_MUSTCHECK;

/* The <Code> of an AWS XML error body ("SignatureDoesNotMatch", "AccessDenied"…) into `out`, ""
 * when there is none. S3 answers errors in XML, and so do the JSON APIs for signature refusals. */
void aws_xml_error_code(weir_buf_t *body, char *out, size_t size);

#endif
