package com.lifecycleorchestrator.adapters;

import com.lifecycleorchestrator.core.Continuation;
import com.lifecycleorchestrator.core.Continuations;
import java.util.function.Function;
import java.util.function.Supplier;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.lambda.LambdaClient;
import software.amazon.awssdk.services.lambda.model.InvocationType;

/**
 * Hands a lifecycle action over by invoking the function itself, asynchronously, with the
 * continuation event: Lambda queues the event, answers at once, and retries a failed invocation of
 * it like any other.
 */
public final class LambdaContinuations implements Continuations {

  private final Supplier<LambdaClient> lambda;
  private final String functionArn;
  private final Function<Continuation, byte[]> encoding;

  /**
   * @param lambda the Lambda client, asked for only when an action is handed over
   * @param functionArn the ARN this invocation was invoked by, alias included, so the continuation
   *     runs the same published version
   * @param encoding the continuation event's JSON form
   */
  public LambdaContinuations(Supplier<LambdaClient> lambda, String functionArn, Function<Continuation, byte[]> encoding) {
    this.lambda = lambda;
    this.functionArn = functionArn;
    this.encoding = encoding;
  }

  @Override
  public void handOver(Continuation continuation) {
    byte[] payload = encoding.apply(continuation);
    try {
      lambda.get().invoke(request -> request
          .functionName(functionArn)
          .invocationType(InvocationType.EVENT)
          .payload(SdkBytes.fromByteArray(payload)));
    } catch (SdkException e) {
      throw ServiceFailures.classify(e);
    }
  }
}
