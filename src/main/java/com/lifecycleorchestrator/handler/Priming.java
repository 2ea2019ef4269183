package com.lifecycleorchestrator.handler;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.lifecycleorchestrator.adapters.SdkPriming;
import com.lifecycleorchestrator.core.Outcome;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * The work of a first invocation, done before it: the sample events read, a report written, and
 * (through {@link SdkPriming}, which answers locally) the AWS calls made once. Before a SnapStart
 * snapshot {@link SnapStartPriming} runs it; on demand, {@link #startedAlongsideOnDemandInit} runs it
 * alongside the init. No field of this class is built when it is loaded: its work happens on the
 * thread that calls it.
 */
final class Priming {

  private static final String TERMINATE = """
      {"version": "0", "id": "00000000-0000-0000-0000-000000000000",
       "detail-type": "EC2 Instance-terminate Lifecycle Action", "source": "aws.autoscaling",
       "account": "000000000000", "time": "2026-01-01T00:00:00Z", "region": "us-east-1", "resources": [],
       "detail": {"LifecycleActionToken": "00000000-0000-0000-0000-000000000000", "AutoScalingGroupName": "priming",
         "LifecycleHookName": "priming", "EC2InstanceId": "i-00000000000000000",
         "LifecycleTransition": "autoscaling:EC2_INSTANCE_TERMINATING"}}""";
  private static final String CONTINUATION = """
      {"version": "1", "id": "00000000-0000-0000-0000-000000000000", "source": "lifecycle-orchestrator",
       "detail-type": "Lifecycle Action Continuation", "time": "2026-01-01T00:00:00Z",
       "detail": {"LifecycleActionToken": "00000000-0000-0000-0000-000000000000", "AutoScalingGroupName": "priming",
         "LifecycleHookName": "priming", "EC2InstanceId": "i-00000000000000000",
         "LifecycleTransition": "autoscaling:EC2_INSTANCE_TERMINATING",
         "LifecycleActionHeldSince": "2026-01-01T00:00:00Z",
         "AutomationExecutionId": "00000000-0000-0000-0000-000000000000",
         "LastHeartbeat": "2026-01-01T00:00:00Z", "HookDeadline": "2026-01-03T00:00:00Z",
         "HandOvers": 1, "CapacityWaits": 0}}""";

  private Priming() {}

  /**
   * On demand (AWS_LAMBDA_INITIALIZATION_TYPE {@code on-demand}), the first invocation follows the
   * init at once, and its first calls would load the SDK's classes while the instance waits. This
   * starts that work, for the calls every lifecycle action makes, on a thread of its own, so that it
   * runs alongside the init's own (Log4j's and Jackson's set-up, the clients' build) rather than
   * after it; the init is to wait for it ({@link Thread#join}) before it ends, because Lambda gives
   * an on-demand init a whole vCPU and an invocation only its memory's share ("Utilize
   * initialization phase", in AWS's guide "Effectively running Java on Serverless"). Nothing is
   * started under SnapStart, whose priming runs before the snapshot, nor outside Lambda.
   */
  static Optional<Thread> startedAlongsideOnDemandInit() {
    String region = System.getenv("AWS_REGION");
    if (!"on-demand".equals(System.getenv("AWS_LAMBDA_INITIALIZATION_TYPE")) || region == null) {
      return Optional.empty();
    }
    Thread priming = new Thread(() -> {
      readTheSamplesAndWriteAReport();
      SdkPriming.primeLifecycleCalls(region);
    }, "priming");
    priming.setDaemon(true);
    priming.start();
    return Optional.of(priming);
  }

  /** Reads a sample terminate event and a continuation as the handler does, and writes a report as it does. */
  static void readTheSamplesAndWriteAReport() {
    EventParser parser = new EventParser();
    parser.parse(TERMINATE.getBytes(StandardCharsets.UTF_8));
    parser.parse(CONTINUATION.getBytes(StandardCharsets.UTF_8));
    try {
      new ObjectMapper().writeValue(OutputStream.nullOutputStream(),
          OutcomeReport.of(new Outcome.Ignored("priming")).fields());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
