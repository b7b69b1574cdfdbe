/**
 * Base of every error that reaches a client. The subclass name is the wire `__type`,
 * so each AWS error name is exactly one class. Status is 400 unless the class says otherwise.
 */
export class AwsError extends Error {
  readonly status: number = 400;

  constructor(message: string) {
    super(message);
  }

  get type(): string {
    return this.constructor.name;
  }
}

/** Server-side faults: clients retry these, so raising one must have no side effects. */
export class AwsServerError extends AwsError {
  override readonly status: number = 500;
}
