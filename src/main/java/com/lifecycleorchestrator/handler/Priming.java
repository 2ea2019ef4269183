package com.lifecycleorchestrator.handler;

import static software.amazon.lambda.powertools.logging.argument.StructuredArguments.entries;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.lifecycleorchestrator.adapters.AwsClients;
import com.lifecycleorchestrator.adapters.AwsPorts;
import com.lifecycleorchestrator.adapters.SdkPriming;
import com.lifecycleorchestrator.core.Clock;
import com.lifecycleorchestrator.core.LifecycleAction;
import com.lifecycleorchestrator.core.Milestone;
import com.lifecycleorchestrator.core.Orchestrator;
import com.lifecycleorchestrator.core.Outcome;
import com.lifecycleorchestrator.settings.Settings;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import org.crac.Context;
import org.crac.Core;
import org.crac.Resource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Readies the function for its first invocation at the end of its init, however Lambda starts it: on
 * demand, with provisioned concurrency, or before a SnapStart snapshot. It reads a sample terminate
 * event and a continuation as the handler does, writes a report as it does, logs one line through
 * Powertools' layout, makes each AWS call once through {@link SdkPriming}, and handles a sample
 * lifecycle action from its claim to its completion through the real core and adapters, with
 * clients whose every call is answered locally, a clock that never waits, and no milestone logged
 * or counted. Nothing is sent to AWS and no credentials are fetched.
 *
 * <p>Why at init: Lambda runs an on-demand init on a whole vCPU, and each invocation on the share of
 * one its memory buys ("Configure Lambda function memory": one vCPU at 1,769 MB, so about a seventh
 * of one at 256 MB). The classes the first action needs are loaded, and its code paths run once,
 * where the CPU is several times faster, instead of while the instance waits for its runbook.
 * Under SnapStart the same work lands in the snapshot. A priming that fails costs only its speed:
 * it is logged, and the init goes on.
 */
final class Priming implements Resource {

  private static final Logger LOG = LoggerFactory.getLogger(Priming.class);
  private static final ObjectMapper JSON = new ObjectMapper();

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
  private static final String SAMPLE_TOKEN = "00000000-0000-0000-0000-000000000000";
  private static final String SAMPLE_FUNCTION = "arn:aws:lambda:us-east-1:000000000000:function:priming";
  /** Neither a group nor a hook this deployment names: the sample's, where it names none. */
  private static final String UNNAMED = "priming";

  private final Settings settings;
  private final Runnable onRestore;

  private Priming(Settings settings, Runnable onRestore) {
    this.settings = settings;
    this.onRestore = onRestore;
  }

  /**
   * Primes the function now, and registers with the CRaC context that Lambda's runtime runs around
   * a SnapStart snapshot, for what follows a restore. Keep the result: a context may hold its
   * resources only weakly.
   *
   * @param onRestore what to do after a restore, before the first invocation
   */
  static Priming atInit(Settings settings, Runnable onRestore) {
    Priming priming = new Priming(settings, onRestore);
    long began = System.nanoTime();
    try {
      Outcome sample = priming.prime();
      // With a structured argument, as the handler's last line of each invocation has.
      LOG.info("primed: events read, every AWS call made once and a sample lifecycle action handled to its end ({}), "
          + "all against local answers", sample.getClass().getSimpleName(),
          entries(Map.of("priming_ms", (System.nanoTime() - began) / 1_000_000)));
    } catch (RuntimeException failed) {
      LOG.warn("priming failed, so the first invocation loads what it needs itself: {}", failed.toString());
    }
    Core.getGlobalContext().register(priming);
    return priming;
  }

  /** Does the priming's work; the sample lifecycle action's outcome. */
  Outcome prime() {
    try {
      EventParser parser = new EventParser();
      parser.parse(TERMINATE.getBytes(StandardCharsets.UTF_8));
      parser.parse(CONTINUATION.getBytes(StandardCharsets.UTF_8));
      JSON.writeValue(OutputStream.nullOutputStream(), OutcomeReport.of(new Outcome.Ignored("priming")).fields());
    } catch (IOException toNowhere) {
      throw new UncheckedIOException(toNowhere);
    }
    try (AwsClients answeredLocally = SdkPriming.answeredLocally(settings.region(), settings.sdk())) {
      SdkPriming.primeEveryCall(answeredLocally, settings.region());
      return handleASample(answeredLocally);
    }
  }

  /**
   * A terminate action at this deployment's hook and group (fleet mode's local group answer opts in
   * with the stack's runbook), handled through an orchestrator wired as the function's.
   */
  private Outcome handleASample(AwsClients answeredLocally) {
    NeverWaits clock = new NeverWaits(Instant.now());
    AwsPorts ports = new AwsPorts(answeredLocally, continuation -> ContinuationEvent.encode(continuation, clock.now()));
    Orchestrator orchestrator = LifecycleHandler.orchestrator(settings, ports, clock, Milestone.Listener.NONE);
    LifecycleAction.Transition transition = LifecycleAction.Transition.TERMINATING;
    LifecycleAction action = new LifecycleAction(transition,
        settings.reconciler().flatMap(watched -> watched.groups().stream().findFirst())
            .orElse(new LifecycleAction.GroupName(UNNAMED)),
        settings.orchestration().hookFor(transition).orElse(new LifecycleAction.HookName(UNNAMED)),
        new LifecycleAction.InstanceId(SdkPriming.INSTANCE), Optional.of(new LifecycleAction.Token(SAMPLE_TOKEN)),
        clock.now());
    return orchestrator.handle(action, orchestrator.budget(clock.now(), Duration.ofMinutes(15)),
        ports.continuationsTo(SAMPLE_FUNCTION));
  }

  /** The init primed already; what it loaded is in the snapshot. */
  @Override
  public void beforeCheckpoint(Context<? extends Resource> context) {}

  @Override
  public void afterRestore(Context<? extends Resource> context) {
    onRestore.run();
  }

  /** A clock whose waits are over at once: the sample's runbook is polled without a pause. */
  private static final class NeverWaits implements Clock {
    private volatile Instant now;

    NeverWaits(Instant start) {
      this.now = start;
    }

    @Override
    public Instant now() {
      return now;
    }

    @Override
    public void sleepUntil(Instant wakeAt) {
      if (wakeAt.isAfter(now)) {
        now = wakeAt;
      }
    }
  }
}
