package com.lifecycleorchestrator.core;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * Finds the lifecycle actions nobody handles and hands each to a fresh invocation: an instance that
 * waits at our hook with no execution of our runbook (its event never arrived, or its invocation
 * died before the start), or whose execution ended a while ago without the action being completed
 * (the invocation following it died). An instance whose execution still runs is left to whoever
 * follows it. The reconciler and the event name an action alike, by the scaling activity that moved
 * the instance (see {@link Runbook#startFor}), so a recovered action and a late event send SSM the
 * same request and can never start two runbooks, while the instance's next action gets its own. An
 * instance whose activity cannot be found is not recovered (counted as unidentified): without it the
 * pass could neither name the action as its event does nor know when its hold began.
 *
 * <p>Instances waiting in the warm pool are covered as well: {@code Warmed:Pending:Wait} is where a
 * launch into the pool and a return to the pool on scale-in both wait, so such an instance is
 * examined for either hook, and the hook that accepts its heartbeat is the one that holds it.
 *
 * <p>A pass examines instances at a steady pace, so its calls stay within the account's rates, and
 * as many as it takes to look at every waiting instance within 40% of the heartbeat timeout (the
 * passes rotate through them in instance id order), so a lost action is found before its hook gives
 * up; but never more than the pace allows in the pass's time. Like an orchestration, a pass is a
 * state machine that never sleeps itself.
 */
public final class Reconciler {

  /**
   * Which groups to watch (the hooks are the orchestrator's); how often a pass runs (the schedule's
   * rate); how many instances a pass examines at least, and at what pace; how long a pass may take;
   * and how long an ended execution may wait for its own invocation to complete its action.
   */
  public record Config(
      List<LifecycleAction.GroupName> groups,
      Duration interval,
      int examinedAtLeast,
      Duration pace,
      Duration passTime,
      Duration completionGrace) {
    public Config {
      groups = List.copyOf(groups);
      requireNonNull(interval, "interval");
      requireNonNull(pace, "pace");
      requireNonNull(passTime, "passTime");
      requireNonNull(completionGrace, "completionGrace");
      if (groups.isEmpty() || examinedAtLeast < 1) {
        throw new IllegalArgumentException("the reconciler needs a group and examines at least one instance");
      }
    }
  }

  /** What one pass found and did. */
  public record Report(
      int waiting, int examined, int recovered, int releasedForDeletion, int failedCalls, int unidentified) {}

  private final Automations automations;
  private final LifecycleActions lifecycleActions;
  private final Clock clock;
  private final Orchestrator.Config orchestration;
  private final Config config;

  public Reconciler(Automations automations, LifecycleActions lifecycleActions, Clock clock,
      Orchestrator.Config orchestration, Config config) {
    this.automations = requireNonNull(automations, "automations");
    this.lifecycleActions = requireNonNull(lifecycleActions, "lifecycleActions");
    this.clock = requireNonNull(clock, "clock");
    this.orchestration = requireNonNull(orchestration, "orchestration");
    this.config = requireNonNull(config, "config");
  }

  /** Runs a whole pass on the clock. */
  public Report reconcile(Continuations continuations) {
    Pass pass = begin(continuations, clock.now());
    Steps.runToEnd(pass, clock);
    return pass.report().orElseThrow();
  }

  /** A pass, to be advanced step by step: first the groups, then one instance per step. */
  public Pass begin(Continuations continuations, Instant now) {
    return new Pass(continuations, now);
  }

  /** One pass of the reconciler. */
  public final class Pass implements Steps {
    private final Continuations continuations;
    private final Instant began;
    private final List<LifecycleAction> toExamine = new ArrayList<>();
    private boolean described;
    private int next;
    private Instant due;
    private int waiting;
    private int examined;
    private int recovered;
    private int releasedForDeletion;
    private int failedCalls;
    private int unidentified;
    private boolean ssmIsFull;
    private Report report;

    private Pass(Continuations continuations, Instant now) {
      this.continuations = continuations;
      this.began = now;
      this.due = now;
    }

    public Optional<Report> report() {
      return Optional.ofNullable(report);
    }

    @Override
    public boolean finished() {
      return report != null;
    }

    @Override
    public Instant nextStepAt() {
      return report == null ? due : Instant.MAX;
    }

    @Override
    public void advance(Instant now) {
      if (report != null || now.isBefore(due)) {
        return;
      }
      if (!described) {
        describeGroups(now);
        described = true;
      } else if (next < toExamine.size() && now.isBefore(began.plus(config.passTime()))) {
        examine(toExamine.get(next++), now);
        examined++;
      }
      due = now.plus(config.pace());
      if (next >= toExamine.size() || !due.isBefore(began.plus(config.passTime()))) {
        report = new Report(waiting, examined, recovered, releasedForDeletion, failedCalls, unidentified);
      }
    }

    private void describeGroups(Instant now) {
      List<LifecycleAction> all = new ArrayList<>();
      for (LifecycleAction.GroupName group : config.groups()) {
        Fleet.Group found;
        try {
          found = lifecycleActions.describe(group);
        } catch (ServiceFailure failure) {
          failedCalls++;
          continue;
        }
        List<Fleet.WaitingInstance> ours = found.waiting().stream()
            .filter(instance -> orchestration.runbookFor(instance.transition()).isPresent()
                && orchestration.hookFor(instance.transition()).isPresent())
            .toList();
        waiting += ours.stream().map(Fleet.WaitingInstance::instance).distinct().count();
        List<Fleet.Activity> activities = ours.isEmpty() ? List.of() : activitiesOf(group, now);
        List<LifecycleAction> waitingHere = new ArrayList<>();
        for (Fleet.WaitingInstance instance : ours) {
          Optional<Fleet.Activity> activity = Fleet.Activity.latestMoving(activities, instance.instance(), now);
          if (activity.isPresent()) {
            waitingHere.add(waitingAction(group, instance, activity.get()));
          } else {
            unidentified++;
          }
        }
        if (found.state() == Fleet.GroupState.DELETING) {
          waitingHere.forEach(this::releaseForTheGroupsDeletion);
        } else {
          all.addAll(waitingHere);
        }
      }
      all.sort(Comparator.comparing((LifecycleAction action) -> action.instance().value()));
      toExamine.addAll(rotation(all, now));
    }

    /**
     * The group's activities of the longest hold a hook allows, listed once per pass for all its
     * waiting instances; none if the listing fails (its instances then stay unidentified).
     */
    private List<Fleet.Activity> activitiesOf(LifecycleAction.GroupName group, Instant now) {
      try {
        return lifecycleActions.activities(group, now.minus(HookTimeouts.LONGEST_GLOBAL_TIMEOUT));
      } catch (ServiceFailure failure) {
        failedCalls++;
        return List.of();
      }
    }

    /**
     * This pass's share of the waiting instances. Each instance belongs to one of as many buckets as
     * passes fit in 40% of the heartbeat timeout, by a hash of its id, and the passes take the
     * buckets in turn: every instance is looked at once in that time, however the waiting instances
     * come and go. A bucket larger than the pace allows is taken from a point that moves each turn.
     */
    private List<LifecycleAction> rotation(List<LifecycleAction> all, Instant now) {
      if (all.isEmpty()) {
        return all;
      }
      int buckets = (int) Math.max(1, Math.min(all.size() / Math.max(1, config.examinedAtLeast()),
          orchestration.rules().heartbeatEvery().toMillis() / config.interval().toMillis()));
      long passNumber = now.toEpochMilli() / config.interval().toMillis();
      int bucket = (int) (passNumber % buckets);
      List<LifecycleAction> mine = all.stream()
          .filter(action -> Math.floorMod(action.instance().value().hashCode(), buckets) == bucket)
          .toList();
      int from = (int) ((passNumber / buckets) * (1 + config.passTime().toMillis() / config.pace().toMillis())
          % Math.max(1, mine.size()));
      List<LifecycleAction> rotated = new ArrayList<>(mine.subList(from, mine.size()));
      rotated.addAll(mine.subList(0, from));
      return rotated;
    }

    /**
     * Looks at one waiting instance. An execution that ended long ago is handed over to be
     * completed. An instance without execution may have lost its event, or may wait in the waiting
     * room for SSM's capacity like many others: it gets a heartbeat either way, and the runbook is
     * started here (the same request the event would send) only while SSM has capacity, so that
     * the pass never adds to a queue it cannot shorten.
     */
    private void examine(LifecycleAction action, Instant now) {
      Runbook.Start start = orchestration.runbookFor(action.transition()).orElseThrow().startFor(action);
      try {
        if (action.returnsToWarmPool() && orchestration.warmPoolReturn() == Orchestrator.WarmPoolReturn.CONTINUE) {
          if (lifecycleActions.complete(action, LifecycleResult.CONTINUE) == LifecycleActions.Answer.ACCEPTED) {
            recovered++;
          }
          return;
        }
        Optional<Runbook.Found> found = automations.findEarlier(start);
        if (found.isPresent() && isFollowed(found.get().observation(), now)) {
          return;
        }
        if (lifecycleActions.recordHeartbeat(action) == LifecycleActions.Answer.NOT_ACTIVE) {
          return;
        }
        Optional<Runbook.ExecutionId> execution = found.map(Runbook.Found::execution);
        if (execution.isEmpty()) {
          if (ssmIsFull) {
            return;
          }
          execution = Optional.of(automations.start(start));
        }
        continuations.handOver(new Continuation(action, execution, now,
            orchestration.rules().hookDeadline(action), Optional.empty(), 1, 0, Optional.empty()));
        recovered++;
      } catch (ServiceFailure.ExecutionLimitReached | ServiceFailure.Throttled | ServiceFailure.ClientTokenReused full) {
        ssmIsFull = !(full instanceof ServiceFailure.ClientTokenReused);
      } catch (ServiceFailure failure) {
        failedCalls++;
      }
    }

    /** An execution still running, or ended so recently that its own invocation is completing it. */
    private boolean isFollowed(Runbook.Observation observed, Instant now) {
      if (observed.status().state() == Runbook.State.RUNNING) {
        return true;
      }
      return observed.endedAt().map(ended -> ended.plus(config.completionGrace()).isAfter(now)).orElse(false);
    }

    private void releaseForTheGroupsDeletion(LifecycleAction action) {
      try {
        if (lifecycleActions.complete(action, LifecycleResult.CONTINUE) == LifecycleActions.Answer.ACCEPTED) {
          releasedForDeletion++;
        }
      } catch (ServiceFailure failure) {
        failedCalls++;
      }
    }
  }

  /**
   * The action of an instance found waiting: no token (it is completed by instance id), named by the
   * scaling activity that moved the instance, and held since that activity started. The hold began
   * when the instance reached the hook, after its activity started, so the global deadline reckoned
   * from the activity's start is never later than the one Auto Scaling keeps, however many
   * heartbeats have kept the instance since (a hold start guessed from the heartbeat timeout would
   * be too late for an instance kept alive that way).
   */
  private LifecycleAction waitingAction(
      LifecycleAction.GroupName group, Fleet.WaitingInstance instance, Fleet.Activity activity) {
    return new LifecycleAction(instance.transition(), group,
        orchestration.hookFor(instance.transition()).orElseThrow(), instance.instance(), Optional.empty(),
        activity.startedAt(), Optional.of(activity.asScalingActivity()), Optional.of(instance.destination()));
  }
}
