/**
 * One API call as the endpoint saw it once its caller was authenticated: who called what, with
 * which input, and how it ended. The protocol layer reports every such call, successful or not, to
 * an observer (the audit trail) before it answers the caller.
 */
export interface ApiCall {
  /** The X-Amz-Target prefix of the service: `TrentService`, `BaldrApiService`, ... */
  service: string;
  operation: string;
  ctx: ApiCaller;
  /**
   * The decoded input when it passed validation (blobs as Buffers, timestamps as epoch
   * milliseconds); otherwise the request body as parsed JSON, or undefined if it was not JSON.
   */
  input: unknown;
  /** The handler's result, before serialisation; absent when the call failed. */
  output?: unknown;
  /** The AWS error the caller was answered with; absent when the call succeeded. */
  error?: { type: string; message: string };
}

/** The caller of one request (the protocol layer's CallContext has this shape). */
export interface ApiCaller {
  requestId: string;
  accountId: string;
  region: string;
  principalArn: string;
  accessKeyId: string;
  sourceIp: string;
  userAgent: string;
  additionalEventData?: Record<string, unknown>;
}

export interface ApiCallObserver {
  /**
   * Called once per call, after it completed and before its answer is sent. When it returns a
   * promise the answer waits for it, so whatever the observer must make durable is durable before
   * the caller is told anything; a rejection turns the answer into the service's internal error.
   */
  observe(call: ApiCall): Promise<void> | undefined;
}
