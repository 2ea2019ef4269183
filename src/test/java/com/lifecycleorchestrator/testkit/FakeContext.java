package com.lifecycleorchestrator.testkit;

import com.amazonaws.services.lambda.runtime.ClientContext;
import com.amazonaws.services.lambda.runtime.CognitoIdentity;
import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.LambdaLogger;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.UUID;

/** The invocation context Lambda passes the handler, with the remaining time a test chooses. */
public final class FakeContext implements Context {

  public static final String FUNCTION_NAME = "lifecycle-orchestrator";
  public static final String FUNCTION_ARN =
      "arn:aws:lambda:us-east-1:123456789012:function:" + FUNCTION_NAME + ":live";

  /** What the tests' contexts say; the function reads no memory size, so any would do. */
  private static final int TEST_MEMORY_MEGABYTES = 512;

  private final String requestId = UUID.randomUUID().toString();
  private final Duration remaining;
  private final int memoryMegabytes;

  public FakeContext(Duration remaining) {
    this(remaining, TEST_MEMORY_MEGABYTES);
  }

  /** A context of a function given this much memory, as Lambda tells it. */
  public FakeContext(Duration remaining, int memoryMegabytes) {
    this.remaining = remaining;
    this.memoryMegabytes = memoryMegabytes;
  }

  @Override
  public String getAwsRequestId() {
    return requestId;
  }

  @Override
  public String getLogGroupName() {
    return "/aws/lambda/" + FUNCTION_NAME;
  }

  @Override
  public String getLogStreamName() {
    return "2026/11/25/[$LATEST]0123456789abcdef";
  }

  @Override
  public String getFunctionName() {
    return FUNCTION_NAME;
  }

  @Override
  public String getFunctionVersion() {
    return "1";
  }

  @Override
  public String getInvokedFunctionArn() {
    return FUNCTION_ARN;
  }

  @Override
  public CognitoIdentity getIdentity() {
    return null;
  }

  @Override
  public ClientContext getClientContext() {
    return null;
  }

  @Override
  public int getRemainingTimeInMillis() {
    return (int) remaining.toMillis();
  }

  @Override
  public int getMemoryLimitInMB() {
    return memoryMegabytes;
  }

  @Override
  public LambdaLogger getLogger() {
    return new LambdaLogger() {
      @Override
      public void log(String message) {
        System.out.println(message);
      }

      @Override
      public void log(byte[] message) {
        System.out.println(new String(message, StandardCharsets.UTF_8));
      }
    };
  }
}
