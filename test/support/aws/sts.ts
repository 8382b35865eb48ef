// STS's awsQuery wire protocol (form-encoded request, XML answer): AssumeRole, the unsigned
// AssumeRoleWithWebIdentity that CI OIDC roles use, and GetCallerIdentity.
import { randomBytes } from "node:crypto";
import type { AcceptedCredentials, AwsErrorShape, AwsRequest, AwsResponse, AwsService } from "./server.js";

export interface AssumedRole {
  roleArn: string;
  roleSessionName: string;
  externalId: string | undefined;
  /** The key that asked (empty for web identity). */
  callerAccessKeyId: string;
  issuedAccessKeyId: string;
}

export interface StsState {
  /** Every role assumed, in order. */
  assumed: AssumedRole[];
  /** Role ARNs that refuse to be assumed (AccessDenied). */
  denied: Set<string>;
  /** Required external id per role ARN. */
  externalIds: Map<string, string>;
}

const xmlns = "https://sts.amazonaws.com/doc/2011-06-15/";

function escapeXml(text: string): string {
  return text.replace(/[<>&'"]/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * `accept` registers the credentials an AssumeRole issues, so the endpoint verifies later requests
 * signed with them (the endpoint's `acceptCredentials`).
 */
export function createStsService(
  accept: (accessKeyId: string, credentials: AcceptedCredentials) => void,
): AwsService & { state: StsState } {
  const state: StsState = { assumed: [], denied: new Set(), externalIds: new Map() };
  const formatError = ({ status, code, message, headers }: AwsErrorShape): AwsResponse => ({
    status,
    headers: { "content-type": "text/xml", ...headers },
    body: `<ErrorResponse xmlns="${xmlns}"><Error><Type>Sender</Type><Code>${code}</Code><Message>${escapeXml(message)}</Message></Error><RequestId>${randomBytes(8).toString("hex")}</RequestId></ErrorResponse>`,
  });
  const form = (request: AwsRequest) => new URLSearchParams(request.body);

  const issue = (operation: string, params: URLSearchParams, callerAccessKeyId: string): AwsResponse => {
    const roleArn = params.get("RoleArn") ?? "";
    const roleSessionName = params.get("RoleSessionName") ?? "";
    const externalId = params.get("ExternalId") ?? undefined;
    if (
      state.denied.has(roleArn) ||
      (state.externalIds.has(roleArn) && state.externalIds.get(roleArn) !== externalId)
    ) {
      return formatError({
        status: 403,
        code: "AccessDenied",
        message: `User is not authorized to perform: sts:AssumeRole on resource: ${roleArn}`,
      });
    }
    const issuedAccessKeyId = `ASIA${randomBytes(8).toString("hex").toUpperCase()}`;
    const secretAccessKey = randomBytes(20).toString("base64");
    const sessionToken = randomBytes(48).toString("base64");
    accept(issuedAccessKeyId, { secretAccessKey, sessionToken });
    state.assumed.push({ roleArn, roleSessionName, externalId, callerAccessKeyId, issuedAccessKeyId });
    const account = roleArn.split(":")[4] ?? "000000000000";
    const roleName = roleArn.split("/").pop() ?? "role";
    const expiration = new Date(Date.now() + 3_600_000).toISOString();
    const result = `${operation}Result`;
    return {
      headers: { "content-type": "text/xml" },
      body: `<${operation}Response xmlns="${xmlns}"><${result}><Credentials><AccessKeyId>${issuedAccessKeyId}</AccessKeyId><SecretAccessKey>${escapeXml(secretAccessKey)}</SecretAccessKey><SessionToken>${escapeXml(sessionToken)}</SessionToken><Expiration>${expiration}</Expiration></Credentials><AssumedRoleUser><AssumedRoleId>AROA0000000000000000:${escapeXml(roleSessionName)}</AssumedRoleId><Arn>arn:aws:sts::${account}:assumed-role/${escapeXml(roleName)}/${escapeXml(roleSessionName)}</Arn></AssumedRoleUser></${result}><ResponseMetadata><RequestId>${randomBytes(8).toString("hex")}</RequestId></ResponseMetadata></${operation}Response>`,
    };
  };

  return {
    signingName: "sts",
    state,
    formatError,
    operation(request) {
      const action = form(request).get("Action");
      return action === "AssumeRole" || action === "GetCallerIdentity" ? action : undefined;
    },
    unsignedOperation(request) {
      return form(request).get("Action") === "AssumeRoleWithWebIdentity"
        ? "AssumeRoleWithWebIdentity"
        : undefined;
    },
    handle(operation, request) {
      const params = form(request);
      if (operation === "GetCallerIdentity") {
        const role = state.assumed.find((r) => r.issuedAccessKeyId === request.accessKeyId);
        const arn = role
          ? `arn:aws:sts::${role.roleArn.split(":")[4]}:assumed-role/${role.roleArn.split("/").pop()}/${role.roleSessionName}`
          : `arn:aws:iam::000000000000:user/${request.accessKeyId}`;
        return {
          headers: { "content-type": "text/xml" },
          body: `<GetCallerIdentityResponse xmlns="${xmlns}"><GetCallerIdentityResult><Arn>${escapeXml(arn)}</Arn><UserId>${request.accessKeyId}</UserId><Account>${arn.split(":")[4]}</Account></GetCallerIdentityResult><ResponseMetadata><RequestId>0</RequestId></ResponseMetadata></GetCallerIdentityResponse>`,
        };
      }
      return issue(operation, params, request.accessKeyId);
    },
  };
}
