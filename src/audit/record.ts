import { createHash } from 'node:crypto';
import type { ApiCall } from '../core/api-call.js';
import type { ServiceEvent } from '../core/events.js';
import { cut as cutText, Cuts, RECORD_LIMITS } from './bounds.js';
import { requestParameters, responseElements, withoutSecrets, type AuditModel } from './redaction.js';
import type { AuditedService } from './sources.js';

// CloudTrail's record of one event, member for member and in CloudTrail's order, as the KMS
// Developer Guide's CloudTrail examples show it (eventVersion 1.08).

export const EVENT_VERSION = '1.08';
export const AWS_INTERNAL = 'AWS Internal';
export const KMS_KEY_TYPE = 'AWS::KMS::Key';

export type UserIdentity =
  | { type: string; principalId: string; arn: string; accountId: string; accessKeyId: string; userName?: string }
  | { accountId: string; invokedBy: string };

export interface RecordResource {
  accountId: string;
  type: string;
  ARN: string;
}

export interface CloudTrailRecord {
  eventVersion: string;
  userIdentity: UserIdentity;
  eventTime: string;
  eventSource: string;
  eventName: string;
  awsRegion: string;
  sourceIPAddress: string;
  userAgent: string;
  errorCode?: string;
  errorMessage?: string;
  requestParameters: Record<string, unknown> | null;
  responseElements: Record<string, unknown> | null;
  additionalEventData?: Record<string, unknown>;
  requestID?: string;
  eventID: string;
  readOnly: boolean;
  resources?: RecordResource[];
  eventType: 'AwsApiCall' | 'AwsServiceEvent';
  managementEvent: true;
  recipientAccountId: string;
  serviceEventDetails?: Record<string, unknown>;
  eventCategory: 'Management';
}

/** The columns LookupEvents filters on, taken from a record when it is written. */
export interface RecordIndex {
  /** Milliseconds since the epoch, service clock. */
  eventTime: number;
  accountId: string;
  region: string;
  eventId: string;
  eventName: string;
  eventSource: string;
  readOnly: boolean;
  username?: string;
  accessKeyId?: string;
  resources: Array<{ type: string; name: string }>;
}

let lastSecond = NaN;
let lastTime = '';

/** `2021-12-10T14:23:51Z`: CloudTrail's eventTime has whole seconds. */
export function cloudTrailTime(ms: number): string {
  const second = Math.floor(ms / 1000);
  if (second !== lastSecond) {
    lastTime = new Date(second * 1000).toISOString().replace('.000Z', 'Z');
    lastSecond = second;
  }
  return lastTime;
}

const q = JSON.stringify;

/**
 * The record of an API call, as the text to append (what the chain digest covers). `time` is when
 * the call completed, on the service clock. This runs on the path of every call, so the text is
 * put together from pieces rather than by building an object and serialising it: the members and
 * their order are those of CloudTrailRecord, and the result is the same JSON. What the caller
 * sent is kept within RECORD_LIMITS, and `additionalEventData.truncated` says what was cut.
 */
export function apiCallText(call: ApiCall, service: AuditedService, model: AuditModel | undefined, time: number, eventId: string): string {
  const { ctx } = call;
  const readOnly = service.readOnly(call.operation);
  const data = ctx.additionalEventData;
  const cuts: Truncated = {};
  let parts: CallParts;
  try {
    parts = callParts(call, service, model, readOnly, cuts);
  } catch {
    // Whatever a caller sends, its call is recorded: without its parameters if they cannot be.
    for (const k of Object.keys(cuts)) delete cuts[k];
    parts = { requestParameters: 'null', responseElements: 'null', arns: undefined };
    cuts.requestParameters = { omitted: true };
  }

  let text =
    `{"eventVersion":"${EVENT_VERSION}","userIdentity":${callerIdentity(ctx.principalArn, ctx.accountId, ctx.accessKeyId).json},` +
    `"eventTime":"${cloudTrailTime(time)}","eventSource":${q(service.eventSource)},"eventName":${q(call.operation)},` +
    `"awsRegion":${q(ctx.region)},"sourceIPAddress":${q(sourceIp(ctx.sourceIp))},"userAgent":${q(bounded(ctx.userAgent, 'userAgent', cuts))}`;
  if (call.error) text += `,"errorCode":${q(call.error.type)},"errorMessage":${q(bounded(call.error.message, 'errorMessage', cuts))}`;
  text += `,"requestParameters":${parts.requestParameters},"responseElements":${parts.responseElements}`;
  const withData = data !== undefined && Object.keys(data).length > 0;
  const cut = Object.keys(cuts).length > 0;
  if (withData || cut) text += `,"additionalEventData":${q(cut ? { ...(withData ? withoutSecrets(data) : {}), truncated: cuts } : withoutSecrets(data!))}`;
  text += `,"requestID":${q(ctx.requestId)},"eventID":${q(eventId)},"readOnly":${readOnly}`;
  const arns = parts.arns;
  if (arns && arns.length > 0) {
    const account = q(ctx.accountId);
    text += `,"resources":[${arns.map((arn) => `{"accountId":${account},"type":"${KMS_KEY_TYPE}","ARN":${q(arn)}}`).join(',')}]`;
  }
  return text + `,"eventType":"AwsApiCall","managementEvent":true,"recipientAccountId":${q(ctx.accountId)},"eventCategory":"Management"}`;
}

/** What a record says it cut, by record field (`additionalEventData.truncated`, docs/audit.md). */
type Truncated = Record<string, unknown>;

/** The parts of a record that come from what the caller sent, as JSON text. */
interface CallParts {
  requestParameters: string;
  responseElements: string;
  arns: string[] | undefined;
}

function callParts(call: ApiCall, service: AuditedService, model: AuditModel | undefined, readOnly: boolean, truncated: Truncated): CallParts {
  const failed = call.error !== undefined;
  const requestCuts = new Cuts();
  let request = q(requestParameters(model, call.operation, call.input, { cuts: requestCuts, failed }));
  if (request.length > (failed ? RECORD_LIMITS.failedParameters : RECORD_LIMITS.parameters)) {
    request = 'null';
    requestCuts.omit();
  }
  if (requestCuts.any) truncated.requestParameters = requestCuts;
  // CloudTrail shows no response for reads and cryptographic calls: it would hold the data read,
  // or plaintexts and ciphertexts.
  let response = 'null';
  if (!failed && !readOnly) {
    const responseCuts = new Cuts();
    response = q(responseElements(call.output, responseCuts));
    if (response.length > RECORD_LIMITS.responseElements) {
      response = 'null';
      responseCuts.omit();
    }
    if (responseCuts.any) truncated.responseElements = responseCuts;
  }
  return { requestParameters: request, responseElements: response, arns: service.keyArns?.(call) };
}

/** A string the caller chose (its user agent, an error message quoting its input), cut to RECORD_LIMITS.string. */
function bounded(text: string, field: string, truncated: Truncated): string {
  if (text.length <= RECORD_LIMITS.string) return text;
  truncated[field] = { length: text.length };
  return cutText(text, RECORD_LIMITS.string);
}

/** The record of an API call as an object (what apiCallText writes). */
export function apiCallRecord(call: ApiCall, service: AuditedService, model: AuditModel | undefined, time: number, eventId: string): CloudTrailRecord {
  return JSON.parse(apiCallText(call, service, model, time, eventId)) as CloudTrailRecord;
}

/** The record of something the service did on its own (a key deleted at the end of its waiting period, a rotation). */
export function serviceEventRecord(event: ServiceEvent, eventId: string): CloudTrailRecord {
  const record: CloudTrailRecord = {
    eventVersion: EVENT_VERSION,
    userIdentity: { accountId: event.accountId, invokedBy: AWS_INTERNAL },
    eventTime: cloudTrailTime(event.eventTime),
    eventSource: event.eventSource,
    eventName: event.eventName,
    awsRegion: event.region,
    sourceIPAddress: AWS_INTERNAL,
    userAgent: AWS_INTERNAL,
    requestParameters: event.requestParameters ? withoutSecrets(event.requestParameters) : null,
    responseElements: event.responseElements ? withoutSecrets(event.responseElements) : null,
    eventID: eventId,
    readOnly: event.readOnly ?? false,
    eventType: 'AwsServiceEvent',
    managementEvent: true,
    recipientAccountId: event.accountId,
    eventCategory: 'Management',
  };
  if (event.errorCode !== undefined) record.errorCode = event.errorCode;
  if (event.errorMessage !== undefined) record.errorMessage = event.errorMessage;
  if (event.additionalEventData && Object.keys(event.additionalEventData).length > 0) {
    record.additionalEventData = withoutSecrets(event.additionalEventData);
  }
  if (event.resources && event.resources.length > 0) record.resources = event.resources.map((r) => ({ ...r }));
  if (event.serviceEventDetails) record.serviceEventDetails = withoutSecrets(event.serviceEventDetails);
  return ordered(record);
}

const ORDER: ReadonlyArray<keyof CloudTrailRecord> = [
  'eventVersion',
  'userIdentity',
  'eventTime',
  'eventSource',
  'eventName',
  'awsRegion',
  'sourceIPAddress',
  'userAgent',
  'errorCode',
  'errorMessage',
  'requestParameters',
  'responseElements',
  'additionalEventData',
  'requestID',
  'eventID',
  'readOnly',
  'resources',
  'eventType',
  'managementEvent',
  'recipientAccountId',
  'serviceEventDetails',
  'eventCategory',
];

/** The same record with its members in CloudTrail's order (JSON text keeps insertion order). */
function ordered(r: Partial<CloudTrailRecord>): CloudTrailRecord {
  const out: Record<string, unknown> = {};
  for (const k of ORDER) if (r[k] !== undefined) out[k] = r[k];
  return out as unknown as CloudTrailRecord;
}

/** The searchable columns of a record's text, as the indexer and verification derive them. */
export function indexOfText(text: string): RecordIndex {
  const record = JSON.parse(text) as CloudTrailRecord;
  return indexOf(record, Date.parse(record.eventTime));
}

/**
 * The columns LookupEvents filters on. `eventTimeMs` is the record's eventTime (whole seconds):
 * StartTime and EndTime then include exactly the events whose eventTime a client sees within them.
 */
export function indexOf(record: CloudTrailRecord, eventTimeMs: number): RecordIndex {
  const identity = record.userIdentity;
  const caller = 'arn' in identity ? identity : undefined;
  const index: RecordIndex = {
    eventTime: eventTimeMs,
    accountId: record.recipientAccountId,
    region: record.awsRegion,
    eventId: record.eventID,
    eventName: record.eventName,
    eventSource: record.eventSource,
    readOnly: record.readOnly,
    resources: (record.resources ?? []).map((r) => ({ type: r.type, name: r.ARN })),
  };
  const username = caller ? usernameOf(caller) : undefined;
  if (username !== undefined) index.username = username;
  if (caller?.accessKeyId) index.accessKeyId = caller.accessKeyId;
  return index;
}

const ROOT = /^arn:aws[\w-]*:iam::(\d{12}):root$/;
const USER = /^arn:aws[\w-]*:iam::(\d{12}):user\/(?:.*\/)?([^/]+)$/;
const ASSUMED_ROLE = /^arn:aws[\w-]*:sts::(\d{12}):assumed-role\/([^/]+)\/(.+)$/;

interface Caller {
  identity: UserIdentity;
  /** The identity as JSON, serialised once per principal. */
  json: string;
  username: string | undefined;
}

/** By access key id: an access key belongs to one principal (checked, in case it ever changes). */
const callers = new Map<string, Caller & { identity: { arn: string; accountId: string } }>();

/** CloudTrail's userIdentity for a signed caller: root, an IAM user, or an assumed role. */
export function callerIdentity(principalArn: string, accountId: string, accessKeyId: string): Caller {
  const cached = callers.get(accessKeyId);
  if (cached && cached.identity.arn === principalArn && cached.identity.accountId === accountId) return cached;
  let identity: UserIdentity & { arn: string; type: string };
  let m: RegExpExecArray | null;
  if (ROOT.test(principalArn)) {
    identity = { type: 'Root', principalId: accountId, arn: principalArn, accountId, accessKeyId };
  } else if ((m = USER.exec(principalArn))) {
    identity = { type: 'IAMUser', principalId: uniqueId('AIDA', principalArn), arn: principalArn, accountId, accessKeyId, userName: m[2]! };
  } else if ((m = ASSUMED_ROLE.exec(principalArn))) {
    const roleArn = `arn:aws:iam::${m[1]}:role/${m[2]}`;
    identity = { type: 'AssumedRole', principalId: `${uniqueId('AROA', roleArn)}:${m[3]}`, arn: principalArn, accountId, accessKeyId };
  } else {
    identity = { type: 'Unknown', principalId: principalArn, arn: principalArn, accountId, accessKeyId };
  }
  const caller = { identity, json: JSON.stringify(identity), username: usernameOf(identity) };
  if (callers.size < 10_000 || callers.has(accessKeyId)) callers.set(accessKeyId, caller);
  return caller;
}

/** LookupEvents' Username: `root`, the IAM user's name, or the role session's name. */
function usernameOf(identity: { type: string; arn: string; userName?: string }): string | undefined {
  if (identity.type === 'Root') return 'root';
  if (identity.userName) return identity.userName;
  const m = ASSUMED_ROLE.exec(identity.arn);
  return m ? m[3] : undefined;
}

/**
 * IAM's unique ids (`AIDA…` users, `AROA…` roles) are 21 characters; Keywarden has no IAM, so it
 * derives a stable one from the ARN.
 */
function uniqueId(prefix: string, arn: string): string {
  const digest = createHash('sha256').update(arn).digest();
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let id = prefix;
  for (let i = 0; i < 17; i++) id += alphabet[digest[i]! % 32];
  return id;
}

/** An IPv4 caller on a dual-stack socket shows as `::ffff:127.0.0.1`; CloudTrail shows the IPv4 address. */
function sourceIp(address: string): string {
  return address.startsWith('::ffff:') ? address.slice(7) : address;
}
