package com.lifecycleorchestrator.lambdaruntime;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestStreamHandler;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/**
 * A function for {@link LocalRuntimeApiTest}: answers with the ARN and request id Lambda's context
 * gives it and the event it got, and fails on the event {@code "fail"}; {@link Unbuildable} cannot
 * even be constructed, which Lambda reports as an init error, and {@link Exiting} ends the JVM in
 * its init, as a crash in a before-checkpoint hook does. It needs nothing but
 * {@code aws-lambda-java-core}, which the runtime's own class path holds.
 */
public final class EchoFunction implements RequestStreamHandler {

  @Override
  public void handleRequest(InputStream input, OutputStream output, Context context) throws IOException {
    String event = new String(input.readAllBytes(), StandardCharsets.UTF_8);
    if (event.equals("\"fail\"")) {
      throw new IllegalStateException("failing as asked");
    }
    output.write((context.getInvokedFunctionArn() + " " + context.getAwsRequestId() + " " + event)
        .getBytes(StandardCharsets.UTF_8));
  }

  /** A handler whose constructor fails, as one does whose settings are wrong. */
  public static final class Unbuildable implements RequestStreamHandler {
    public Unbuildable() {
      throw new IllegalStateException("cannot be built");
    }

    @Override
    public void handleRequest(InputStream input, OutputStream output, Context context) {
      throw new AssertionError("never built, never called");
    }
  }

  /** A handler whose construction ends the JVM without a word to the Runtime API. */
  public static final class Exiting implements RequestStreamHandler {
    public static final int EXIT_CODE = 3;

    public Exiting() {
      Runtime.getRuntime().halt(EXIT_CODE);
    }

    @Override
    public void handleRequest(InputStream input, OutputStream output, Context context) {
      throw new AssertionError("never built, never called");
    }
  }
}
