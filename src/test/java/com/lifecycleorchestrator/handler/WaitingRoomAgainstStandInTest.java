package com.lifecycleorchestrator.handler;

import static com.lifecycleorchestrator.testkit.TerminateSample.DOCUMENT;
import static com.lifecycleorchestrator.testkit.TerminateSample.HELD_SINCE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.lifecycleorchestrator.standin.AwsStandIn;
import com.lifecycleorchestrator.standin.StandInLambda;
import com.lifecycleorchestrator.standin.StandInSqs;
import com.lifecycleorchestrator.testkit.FakeContext;
import com.lifecycleorchestrator.testkit.VirtualClock;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The waiting room's failures, through the function's real SQS client against the stand-in's queue
 * and event source mapping: however an invocation from the queue fails, its message comes back
 * well within the hook's heartbeat timeout (3,600 s), and, after the redrive policy's three
 * receives, rests in the dead-letter queue for a person.
 */
class WaitingRoomAgainstStandInTest {

  private static final String QUEUE = "waiting-room";
  private static final String QUEUE_ARN = "arn:aws:sqs:" + AwsStandIn.REGION + ":" + AwsStandIn.ACCOUNT + ":" + QUEUE;
  private static final Duration HEARTBEAT_TIMEOUT = Duration.ofHours(1);
  /** template.yaml's WaitingRoomQueue: VisibilityTimeout 5400, RedrivePolicy maxReceiveCount 5. */
  private static final Duration VISIBILITY_TIMEOUT = Duration.ofSeconds(5400);
  private static final int MAX_RECEIVE_COUNT = 5;

  private final VirtualClock clock = new VirtualClock(HELD_SINCE.plusSeconds(2));
  private final AwsStandIn standIn = AwsStandIn.start(clock);
  private final StandInSqs sqs = standIn.sqs().queue(QUEUE, VISIBILITY_TIMEOUT, MAX_RECEIVE_COUNT);
  private final LifecycleHandler handler = LocalFunction.against(standIn, Map.of(
      "AWS_REGION", AwsStandIn.REGION,
      "AUTOMATION_DOCUMENT_NAME", DOCUMENT,
      "HEARTBEAT_TIMEOUT_SECONDS", String.valueOf(HEARTBEAT_TIMEOUT.toSeconds()),
      "WAITING_ROOM_QUEUE_URL", sqs.queueUrl(QUEUE)), clock);

  @AfterEach
  void stopStandIn() {
    standIn.close();
  }

  /**
   * "Handling errors for an SQS event source in Lambda" (partial batch responses) and "Amazon SQS
   * visibility timeout" (ChangeMessageVisibility): the function names the failed message and makes
   * it visible again a minute per receive later, instead of after the queue's 5400 s.
   */
  @Test
  void aFailedContinuationComesBackAMinuteThenTwoLaterAndRestsInTheDeadLetterQueueWithinTheHook() throws IOException {
    StandInSqs.Message message = sqs.send(QUEUE, notAContinuation());
    Instant firstReceive = clock.now();

    for (int receive = 1; receive <= MAX_RECEIVE_COUNT; receive++) {
      List<StandInSqs.Invocation> invocations = sqs.pollOnce(QUEUE, QUEUE_ARN, this::invoke);

      assertEquals(1, invocations.size());
      assertEquals(message.id(), invocations.get(0).response().orElseThrow()
          .path("batchItemFailures").path(0).path("itemIdentifier").asText());
      Duration comesBackIn = Duration.between(clock.now(), sqs.messages(QUEUE).get(0).visibleAt());
      assertEquals(LifecycleHandler.REDELIVERY_STEP.multipliedBy(receive), comesBackIn);
      clock.advance(comesBackIn.minusSeconds(1));
      assertEquals(List.of(), sqs.pollOnce(QUEUE, QUEUE_ARN, this::invoke), "visible before its time");
      clock.advance(Duration.ofSeconds(1));
    }
    assertEquals(List.of(), sqs.pollOnce(QUEUE, QUEUE_ARN, this::invoke));

    assertEquals(List.of(message.id()), sqs.deadLetters(QUEUE).stream().map(StandInSqs.Message::id).toList());
    assertEquals(MAX_RECEIVE_COUNT, standIn.calls("ChangeMessageVisibility").size());
    assertTrue(Duration.between(firstReceive, clock.now()).compareTo(HEARTBEAT_TIMEOUT) < 0);
  }

  /**
   * "Using Lambda with Amazon SQS": a message whose invocation failed outright (it died, or timed
   * out) comes back when the queue's visibility timeout ends: 5400 s, six times the function's timeout
   * ("Creating and configuring an Amazon SQS event source mapping"). That outlives the hook's
   * default hour; the reconciler keeps the action alive meanwhile (ReconcilerTest).
   */
  @Test
  void aContinuationWhoseInvocationDiedComesBackWhenTheVisibilityTimeoutEnds() throws IOException {
    sqs.send(QUEUE, notAContinuation());
    StandInLambda.Target dies = payload -> {
      throw new IllegalStateException("the invocation ran out of time");
    };

    assertTrue(sqs.pollOnce(QUEUE, QUEUE_ARN, dies).get(0).error().isPresent());
    clock.advance(VISIBILITY_TIMEOUT.minusSeconds(1));
    assertEquals(List.of(), sqs.pollOnce(QUEUE, QUEUE_ARN, this::invoke));
    clock.advance(Duration.ofSeconds(1));

    assertEquals(2, sqs.pollOnce(QUEUE, QUEUE_ARN, this::invoke).get(0).receiveCount());
  }

  /** A body the function refuses: Auto Scaling's own event, where a continuation belongs. */
  private static String notAContinuation() throws IOException {
    return Files.readString(Path.of("events", "terminate.json"), StandardCharsets.UTF_8);
  }

  private byte[] invoke(byte[] payload) throws IOException {
    ByteArrayOutputStream output = new ByteArrayOutputStream();
    handler.handleRequest(new ByteArrayInputStream(payload), output, new FakeContext(Duration.ofMinutes(15)));
    return output.toByteArray();
  }
}
