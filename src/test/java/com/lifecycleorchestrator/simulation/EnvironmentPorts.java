package com.lifecycleorchestrator.simulation;

import com.lifecycleorchestrator.core.Automations;
import com.lifecycleorchestrator.core.Fleet;
import com.lifecycleorchestrator.core.HookTimeouts;
import com.lifecycleorchestrator.core.LifecycleAction;
import com.lifecycleorchestrator.core.LifecycleActions;
import com.lifecycleorchestrator.core.LifecycleResult;
import com.lifecycleorchestrator.core.Milestone;
import com.lifecycleorchestrator.core.Runbook;
import com.lifecycleorchestrator.core.ServiceFailure;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.function.Supplier;

/**
 * SSM and Auto Scaling as one execution environment's invocation reaches them: every call counted,
 * some failing for now, the scaling activities' listing refused or throttled on one path only,
 * and the environment dying right after a call took effect (after the k-th call, after the start,
 * or after CompleteLifecycleAction before it returns). It also learns, from the orchestration's
 * milestones, which execution the invocation follows, so that a completion names the execution
 * whose result it sends.
 */
final class EnvironmentPorts implements Automations, LifecycleActions {

  /** Which path an invocation is: an action's own (event, hand-over, waiting room) or a reconciler pass. */
  enum Path { EVENT, RECONCILER }

  /** Where an invocation dies. */
  enum Death { AFTER_CALL, AFTER_START, AFTER_COMPLETE }

  /** An invocation's planned death: where, and for {@link Death#AFTER_CALL}, after which call. */
  record Crash(Death where, int afterCalls) {}

  /** The execution environment died in the middle of an invocation: no code of the function runs on. */
  static final class EnvironmentDied extends RuntimeException {
    EnvironmentDied(String after) {
      super("the execution environment died after " + after);
    }
  }

  private final EventLoop loop;
  private final History history;
  private final AutoScalingModel autoScaling;
  private final SsmModel ssm;
  private final Faults faults;
  private final Random random;
  private Path path = Path.EVENT;
  private Optional<Crash> crash = Optional.empty();
  private int calls;
  private Optional<String> following = Optional.empty();
  private boolean died;
  private boolean struck;

  EnvironmentPorts(EventLoop loop, History history, AutoScalingModel autoScaling, SsmModel ssm, Faults faults,
      Random random) {
    this.loop = loop;
    this.history = history;
    this.autoScaling = autoScaling;
    this.ssm = ssm;
    this.faults = faults;
    this.random = random;
  }

  /** A new invocation begins in this environment. */
  void begin(Path invocationPath, Optional<Crash> plannedCrash) {
    this.path = invocationPath;
    this.crash = plannedCrash;
    this.calls = 0;
    this.following = Optional.empty();
    this.struck = false;
  }

  /** The invocation releases the action of this execution, whose status-change event it handles. */
  void releasing(Runbook.ExecutionId execution) {
    following = Optional.of(execution.value());
  }

  /** Keeps track of the execution the invocation follows. */
  void reached(LifecycleAction action, Milestone milestone) {
    if (milestone instanceof Milestone.RunbookStarted started) {
      following = Optional.of(started.execution().value());
    } else if (milestone instanceof Milestone.Resumed resumed && resumed.execution().isPresent()) {
      following = Optional.of(resumed.execution().get().value());
    }
  }

  @Override
  public Runbook.ExecutionId start(Runbook.Start start) {
    before("StartAutomationExecution");
    if (random.nextDouble() < faults.startRefusedForCapacity()) {
      fault("start refused for capacity", start.clientToken());
      throw new ServiceFailure.ExecutionLimitReached("AutomationExecutionLimitExceededException",
          "Maximum number of queued automation executions reached", null);
    }
    Runbook.ExecutionId started = ssm.start(start);
    after(Death.AFTER_START, "StartAutomationExecution");
    return started;
  }

  @Override
  public Optional<Runbook.Found> findEarlier(Runbook.Start start) {
    return called("DescribeAutomationExecutions", null, () -> ssm.findEarlier(start));
  }

  @Override
  public Optional<Runbook.Entry> latest(Runbook.Seat seat) {
    return called("DescribeAutomationExecutions", null, () -> ssm.latest(seat));
  }

  @Override
  public void record(Runbook.ExecutionId execution, Map<String, String> tags) {
    before("AddTagsToResource");
    if (random.nextDouble() < faults.tagsNotWritten()) {
      fault("tags not written", execution + " " + tags.keySet());
      throw new ServiceFailure.Transient("InternalServerError", "AddTagsToResource failed", null);
    }
    ssm.record(execution, tags);
    after(null, "AddTagsToResource");
  }

  @Override
  public Map<String, String> tagsOf(Runbook.ExecutionId execution) {
    return called("ListTagsForResource", null, () -> ssm.tagsOf(execution));
  }

  @Override
  public Fleet.Agent agentOf(LifecycleAction.InstanceId instance) {
    return called("DescribeInstanceInformation", null, () -> ssm.agentOf(instance));
  }

  @Override
  public Runbook.Observation observe(Runbook.ExecutionId execution) {
    return called("GetAutomationExecution", null, () -> ssm.observe(execution));
  }

  @Override
  public Answer recordHeartbeat(LifecycleAction action) {
    return called("RecordLifecycleActionHeartbeat", null, () -> autoScaling.recordHeartbeat(action));
  }

  @Override
  public Answer complete(LifecycleAction action, LifecycleResult result) {
    return called("CompleteLifecycleAction", Death.AFTER_COMPLETE, () -> autoScaling.complete(action, result, following,
        following.map(ssm::succeeded).orElse(false)));
  }

  @Override
  public HookTimeouts timeoutsOf(LifecycleAction.GroupName group, LifecycleAction.HookName hook) {
    return called("DescribeLifecycleHooks", null, () -> autoScaling.timeoutsOf(hook));
  }

  @Override
  public Fleet.Group describe(LifecycleAction.GroupName group) {
    return called("DescribeAutoScalingGroups", null, () -> autoScaling.describe(group));
  }

  @Override
  public Map<LifecycleAction.GroupName, Fleet.Group> enrolled() {
    return called("DescribeAutoScalingGroups", null, autoScaling::enrolled);
  }

  @Override
  public List<Fleet.Activity> activitiesInProgress(LifecycleAction.GroupName group) {
    before("DescribeScalingActivities");
    if (path == faults.listingFaultOn()) {
      fault("listing " + (faults.listingRefused() ? "refused" : "throttled") + " on one path",
          path.name().toLowerCase(java.util.Locale.ROOT) + " path");
      throw faults.listingRefused()
          ? new ServiceFailure.Rejected("AccessDenied", "not authorized to DescribeScalingActivities", null)
          : new ServiceFailure.Throttled("Throttling", "Rate exceeded", null);
    }
    List<Fleet.Activity> activities = autoScaling.activitiesInProgress(group);
    after(null, "DescribeScalingActivities");
    return activities;
  }

  /** One call of the operation: it may fail for now before it takes effect, or the environment die after. */
  private <T> T called(String operation, Death kind, Supplier<T> call) {
    before(operation);
    T answer = call.get();
    after(kind, operation);
    return answer;
  }

  private void before(String operation) {
    history.apiCalls++;
    if (random.nextDouble() < faults.callFails()) {
      fault("call fails for now", operation + " on the " + path.name().toLowerCase(java.util.Locale.ROOT)
          + " path");
      throw new ServiceFailure.Throttled("Throttling", "Rate exceeded", null);
    }
  }

  /** The call took effect: the environment dies now if this is where it was to die. */
  private void after(Death kind, String operation) {
    calls++;
    if (crash.isEmpty()) {
      return;
    }
    Crash planned = crash.get();
    boolean dies = planned.where() == Death.AFTER_CALL ? calls == planned.afterCalls() : planned.where() == kind;
    if (dies) {
      crash = Optional.empty();
      died = true;
      fault("environment dies", "after " + operation + " (call " + calls + ")");
      throw new EnvironmentDied(operation);
    }
  }

  /** Counts the fault, and marks this invocation as one a fault struck. */
  void fault(String kind, String detail) {
    struck = true;
    history.fault(now(), kind, detail);
  }

  /** Whether a fault struck the invocation running now. */
  boolean struck() {
    return struck;
  }

  /** Whether the environment died: Lambda starts a new one for the next invocation. */
  boolean died() {
    return died;
  }

  private Instant now() {
    return loop.clock().now();
  }
}
