package com.lifecycleorchestrator.core;

/**
 * A call to AWS that did not succeed, in the terms the orchestration decides on. Each carries the
 * service's own error code and message for the log.
 */
public abstract sealed class ServiceFailure extends RuntimeException {

  private final String code;

  private ServiceFailure(String code, String message, Throwable cause) {
    super(code + ": " + message, cause);
    this.code = code;
  }

  /** The service's error code, such as {@code ThrottlingException} or {@code ValidationError}. */
  public String code() {
    return code;
  }

  /** Throttling, a server error or a lost connection that outlasted the SDK's retries: try later. */
  public static final class Transient extends ServiceFailure {
    public Transient(String code, String message, Throwable cause) {
      super(code, message, cause);
    }
  }

  /**
   * The account's rate for the call is spent, even after the SDK's retries: try later, and slower,
   * since every other invocation of the function meets the same limit.
   */
  public static final class Throttled extends ServiceFailure {
    public Throttled(String code, String message, Throwable cause) {
      super(code, message, cause);
    }
  }

  /** The request can never succeed as it is: a missing document, refused parameters, no permission. */
  public static final class Rejected extends ServiceFailure {
    public Rejected(String code, String message, Throwable cause) {
      super(code, message, cause);
    }
  }

  /** SSM runs and queues as many executions as the account allows; a start may succeed later. */
  public static final class ExecutionLimitReached extends ServiceFailure {
    public ExecutionLimitReached(String code, String message, Throwable cause) {
      super(code, message, cause);
    }
  }

  /** SSM refuses a client token it has seen: an earlier delivery started the execution. */
  public static final class ClientTokenReused extends ServiceFailure {
    public ClientTokenReused(String code, String message, Throwable cause) {
      super(code, message, cause);
    }
  }

  /** SSM does not know the execution id, which can happen for a moment after the start. */
  public static final class ExecutionNotFound extends ServiceFailure {
    public ExecutionNotFound(String code, String message, Throwable cause) {
      super(code, message, cause);
    }
  }
}
