package com.lifecycleorchestrator.standin;

/**
 * An error answered in the calling service's own terms: the error code a client matches on, the
 * message a person reads, the HTTP status, and whether the caller (Sender) or the service
 * (Receiver) is at fault, which Auto Scaling's error documents carry.
 */
public final class ServiceError extends RuntimeException {

  private final String code;
  private final int status;
  private final boolean senderFault;

  ServiceError(String code, String message, int status, boolean senderFault) {
    super(message, null, false, false);
    this.code = code;
    this.status = status;
    this.senderFault = senderFault;
  }

  /** The caller's request cannot succeed as it is: HTTP 400, as every SSM and Auto Scaling error we mirror. */
  static ServiceError sender(String code, String message) {
    return new ServiceError(code, message, 400, true);
  }

  public String code() {
    return code;
  }

  public int status() {
    return status;
  }

  public boolean senderFault() {
    return senderFault;
  }
}
