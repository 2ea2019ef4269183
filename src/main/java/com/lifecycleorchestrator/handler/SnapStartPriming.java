package com.lifecycleorchestrator.handler;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.lifecycleorchestrator.adapters.SdkPriming;
import com.lifecycleorchestrator.core.Outcome;
import com.lifecycleorchestrator.settings.Settings;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import org.crac.Context;
import org.crac.Core;
import org.crac.Resource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Readies the function for its first invocation before Lambda takes its SnapStart snapshot: reads a
 * sample terminate event and a continuation as the handler does, writes a report as it does, logs
 * one line through Powertools' layout, and makes each AWS call once through {@link SdkPriming},
 * which answers locally. Nothing is sent to AWS and no credentials are fetched; the classes loaded
 * and initialised here are in the snapshot, so a restored function does not load them while an
 * instance waits. Without SnapStart (on-demand initialisation) Lambda never calls it.
 */
final class SnapStartPriming implements Resource {

  private static final Logger LOG = LoggerFactory.getLogger(SnapStartPriming.class);
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

  private final Settings settings;
  private final Runnable onRestore;

  private SnapStartPriming(Settings settings, Runnable onRestore) {
    this.settings = settings;
    this.onRestore = onRestore;
  }

  /**
   * A priming registered with the CRaC context that Lambda's runtime runs before the snapshot.
   * Keep the result: a context may hold its resources only weakly.
   *
   * @param onRestore what to do after a restore, before the first invocation
   */
  static SnapStartPriming registeredFor(Settings settings, Runnable onRestore) {
    SnapStartPriming priming = new SnapStartPriming(settings, onRestore);
    Core.getGlobalContext().register(priming);
    return priming;
  }

  @Override
  public void beforeCheckpoint(Context<? extends Resource> context) throws Exception {
    EventParser parser = new EventParser();
    parser.parse(TERMINATE.getBytes(StandardCharsets.UTF_8));
    parser.parse(CONTINUATION.getBytes(StandardCharsets.UTF_8));
    JSON.writeValue(OutputStream.nullOutputStream(), OutcomeReport.of(new Outcome.Ignored("priming")).fields());
    SdkPriming.primeEveryCall(settings.region(), settings.sdk());
    LOG.info("primed for SnapStart: events read, every AWS call made once against a local answer");
  }

  @Override
  public void afterRestore(Context<? extends Resource> context) {
    onRestore.run();
  }
}
