// SPDX-License-Identifier: Apache-2.0
// TensorFlow's status codes as error classes. native/status.cc builds every TensorFlow error through the
// factory installed here, so callers can branch on the class or on `.code`.

/** The TF_Code names, by number. */
export const CODE_NAMES = [
  'OK',
  'CANCELLED',
  'UNKNOWN',
  'INVALID_ARGUMENT',
  'DEADLINE_EXCEEDED',
  'NOT_FOUND',
  'ALREADY_EXISTS',
  'PERMISSION_DENIED',
  'RESOURCE_EXHAUSTED',
  'FAILED_PRECONDITION',
  'ABORTED',
  'OUT_OF_RANGE',
  'UNIMPLEMENTED',
  'INTERNAL',
  'UNAVAILABLE',
  'DATA_LOSS',
  'UNAUTHENTICATED',
] as const;

export type ErrorCode = Exclude<(typeof CODE_NAMES)[number], 'OK'>;

/** An error reported by TensorFlow, with its status code. */
export class TFError extends Error {
  /** The status code's name, e.g. `'INVALID_ARGUMENT'`. */
  readonly code: ErrorCode;
  /** The status code's number (`TF_Code`). */
  readonly codeNumber: number;

  constructor(message: string, code: ErrorCode = 'UNKNOWN') {
    super(message);
    this.name = new.target.name;
    this.code = code;
    this.codeNumber = CODE_NAMES.indexOf(code);
  }
}

function codeClass(code: ErrorCode, name: string) {
  const cls = class extends TFError {
    constructor(message: string) {
      super(message, code);
    }
  };
  Object.defineProperty(cls, 'name', { value: name });
  return cls;
}

export const CancelledError = codeClass('CANCELLED', 'CancelledError');
export const UnknownError = codeClass('UNKNOWN', 'UnknownError');
export const InvalidArgumentError = codeClass('INVALID_ARGUMENT', 'InvalidArgumentError');
export const DeadlineExceededError = codeClass('DEADLINE_EXCEEDED', 'DeadlineExceededError');
export const NotFoundError = codeClass('NOT_FOUND', 'NotFoundError');
export const AlreadyExistsError = codeClass('ALREADY_EXISTS', 'AlreadyExistsError');
export const PermissionDeniedError = codeClass('PERMISSION_DENIED', 'PermissionDeniedError');
export const ResourceExhaustedError = codeClass('RESOURCE_EXHAUSTED', 'ResourceExhaustedError');
export const FailedPreconditionError = codeClass('FAILED_PRECONDITION', 'FailedPreconditionError');
export const AbortedError = codeClass('ABORTED', 'AbortedError');
export const OutOfRangeError = codeClass('OUT_OF_RANGE', 'OutOfRangeError');
export const UnimplementedError = codeClass('UNIMPLEMENTED', 'UnimplementedError');
export const InternalError = codeClass('INTERNAL', 'InternalError');
export const UnavailableError = codeClass('UNAVAILABLE', 'UnavailableError');
export const DataLossError = codeClass('DATA_LOSS', 'DataLossError');
export const UnauthenticatedError = codeClass('UNAUTHENTICATED', 'UnauthenticatedError');

export type CancelledError = InstanceType<typeof CancelledError>;
export type UnknownError = InstanceType<typeof UnknownError>;
export type InvalidArgumentError = InstanceType<typeof InvalidArgumentError>;
export type DeadlineExceededError = InstanceType<typeof DeadlineExceededError>;
export type NotFoundError = InstanceType<typeof NotFoundError>;
export type AlreadyExistsError = InstanceType<typeof AlreadyExistsError>;
export type PermissionDeniedError = InstanceType<typeof PermissionDeniedError>;
export type ResourceExhaustedError = InstanceType<typeof ResourceExhaustedError>;
export type FailedPreconditionError = InstanceType<typeof FailedPreconditionError>;
export type AbortedError = InstanceType<typeof AbortedError>;
export type OutOfRangeError = InstanceType<typeof OutOfRangeError>;
export type UnimplementedError = InstanceType<typeof UnimplementedError>;
export type InternalError = InstanceType<typeof InternalError>;
export type UnavailableError = InstanceType<typeof UnavailableError>;
export type DataLossError = InstanceType<typeof DataLossError>;
export type UnauthenticatedError = InstanceType<typeof UnauthenticatedError>;

const CLASSES: Record<ErrorCode, new (message: string) => TFError> = {
  CANCELLED: CancelledError,
  UNKNOWN: UnknownError,
  INVALID_ARGUMENT: InvalidArgumentError,
  DEADLINE_EXCEEDED: DeadlineExceededError,
  NOT_FOUND: NotFoundError,
  ALREADY_EXISTS: AlreadyExistsError,
  PERMISSION_DENIED: PermissionDeniedError,
  RESOURCE_EXHAUSTED: ResourceExhaustedError,
  FAILED_PRECONDITION: FailedPreconditionError,
  ABORTED: AbortedError,
  OUT_OF_RANGE: OutOfRangeError,
  UNIMPLEMENTED: UnimplementedError,
  INTERNAL: InternalError,
  UNAVAILABLE: UnavailableError,
  DATA_LOSS: DataLossError,
  UNAUTHENTICATED: UnauthenticatedError,
};

/** The error for a TensorFlow status (the factory native/status.cc calls). */
export function errorForCode(code: string, message: string): TFError {
  const cls = CLASSES[code as ErrorCode] ?? UnknownError;
  return new cls(message);
}

/**
 * Gives an error made where no JS was on the stack (a native completion) the stack of the promise reaction
 * handling it: V8 appends the async functions awaiting that promise ("at async …"), which name the caller's
 * code without capturing a stack before every call.
 */
export function withAsyncStack(err: unknown): unknown {
  if (err instanceof Error) {
    const holder: { stack?: string } = {};
    Error.captureStackTrace(holder);
    const frames = (holder.stack ?? '').split('\n').slice(1).filter((line) => !line.includes('node:internal/'));
    err.stack = `${err.name}: ${err.message}\n${frames.join('\n')}`;
  }
  return err;
}

/**
 * Re-throws `err` with the caller's stack when it came back from work done off the JS thread, whose own
 * stack says nothing useful.
 */
export function withCallerStack(err: unknown, caller: Error): unknown {
  if (err instanceof Error && caller.stack) {
    const frames = caller.stack.split('\n').slice(1).join('\n');
    err.stack = `${err.name}: ${err.message}\n${frames}`;
  }
  return err;
}
