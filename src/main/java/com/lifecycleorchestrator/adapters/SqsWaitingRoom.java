package com.lifecycleorchestrator.adapters;

import com.lifecycleorchestrator.core.Continuation;
import com.lifecycleorchestrator.core.WaitingRoom;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.function.Function;
import java.util.function.Supplier;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.sqs.SqsClient;

/**
 * The waiting room as an SQS queue that invokes the function: a continuation sent with a delivery
 * delay comes back as an invocation when the delay is over, costing no Lambda concurrency meanwhile.
 */
public final class SqsWaitingRoom implements WaitingRoom {

  /** SQS delays a message's delivery by 15 minutes at most. */
  static final Duration LONGEST_DELAY = Duration.ofMinutes(15);

  /** SQS keeps a message invisible for 12 hours at most. */
  static final Duration LONGEST_VISIBILITY = Duration.ofHours(12);

  private final Supplier<SqsClient> sqs;
  private final String queueUrl;
  private final Function<Continuation, byte[]> encoding;

  /** @param sqs the SQS client, asked for only when an action is parked */
  public SqsWaitingRoom(Supplier<SqsClient> sqs, String queueUrl, Function<Continuation, byte[]> encoding) {
    this.sqs = sqs;
    this.queueUrl = queueUrl;
    this.encoding = encoding;
  }

  @Override
  public Duration longestDelay() {
    return LONGEST_DELAY;
  }

  @Override
  public void park(Continuation continuation, Duration delay) {
    String body = new String(encoding.apply(continuation), StandardCharsets.UTF_8);
    int seconds = seconds(delay, LONGEST_DELAY);
    try {
      sqs.get().sendMessage(request -> request.queueUrl(queueUrl).messageBody(body).delaySeconds(seconds));
    } catch (SdkException e) {
      throw ServiceFailures.classify(e);
    }
  }

  /** The message becomes visible again after the delay ("Amazon SQS visibility timeout": ChangeMessageVisibility). */
  @Override
  public void redeliverAfter(String receipt, Duration delay) {
    int seconds = seconds(delay, LONGEST_VISIBILITY);
    try {
      sqs.get().changeMessageVisibility(request -> request.queueUrl(queueUrl).receiptHandle(receipt)
          .visibilityTimeout(seconds));
    } catch (SdkException e) {
      throw ServiceFailures.classify(e);
    }
  }

  private static int seconds(Duration delay, Duration longest) {
    return (int) Math.max(0, Math.min(longest.toSeconds(), delay.toSeconds()));
  }
}
