package com.lifecycleorchestrator.adapters;

import com.lifecycleorchestrator.core.ServiceFailure;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.SdkException;

/** Turns what the SDK throws, once its retries are spent, into the failures the core decides on. */
public final class ServiceFailures {

  private ServiceFailures() {}

  /** A failure the caller did not map to something more specific: throttled, transient or a rejection. */
  public static ServiceFailure classify(SdkException e) {
    if (e instanceof AwsServiceException service) {
      String code = codeOf(service);
      String message = messageOf(service);
      if (service.isThrottlingException()) {
        return new ServiceFailure.Throttled(code, message, e);
      }
      if (service.statusCode() >= 500 || service.retryable()) {
        return new ServiceFailure.Transient(code, message, e);
      }
      return new ServiceFailure.Rejected(code, message, e);
    }
    return new ServiceFailure.Transient(e.getClass().getSimpleName(), String.valueOf(e.getMessage()), e);
  }

  static String codeOf(AwsServiceException e) {
    return e.awsErrorDetails() != null && e.awsErrorDetails().errorCode() != null
        ? e.awsErrorDetails().errorCode()
        : "HTTP" + e.statusCode();
  }

  static String messageOf(AwsServiceException e) {
    return e.awsErrorDetails() != null && e.awsErrorDetails().errorMessage() != null
        ? e.awsErrorDetails().errorMessage()
        : String.valueOf(e.getMessage());
  }
}
